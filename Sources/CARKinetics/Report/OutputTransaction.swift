import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file's identity: device and inode (`st_dev`, `st_ino`), the same whatever path names it (`./f.csv`, a
/// symbolic link, a hard link).
public struct FileIdentity: Hashable, Sendable {
    /// `st_dev`.
    public var device: UInt64
    /// `st_ino`.
    public var inode: UInt64

    /// The identity of the file `path` names, following symbolic links; nil if it does not exist.
    public init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        device = UInt64(truncatingIfNeeded: status.st_dev)
        inode = UInt64(truncatingIfNeeded: status.st_ino)
    }
}

/// What is at an output path, once symbolic links are followed, and so how it is written.
public struct OutputDestination: Sendable {
    /// How the destination is written.
    public enum Kind: Sendable, Equatable {
        /// Nothing there yet: a temporary file renamed into place (permissions from the umask).
        case newFile
        /// An existing regular file: replaced by a renamed temporary that keeps these permission bits.
        case regularFile(mode: UInt32, owner: UInt32, group: UInt32)
        /// A character device, FIFO or socket: written in place, never replaced.
        case special
    }

    /// The path as the user gave it (for messages).
    public var given: String
    /// The path written: `given` with symbolic links followed (a dangling link names the file it will create).
    public var resolved: String
    /// How it is written.
    public var kind: Kind
    /// The identity of the existing file; nil for a new path.
    public var identity: FileIdentity?
    /// A path that names this destination however it was spelled: the identity for an existing file, the
    /// canonical directory plus the name for a new one.
    public var key: String {
        if let identity { return "id:\(identity.device):\(identity.inode)" }
        let directory = (resolved as NSString).deletingLastPathComponent
        let name = (resolved as NSString).lastPathComponent
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let canonical = realpath(directory.isEmpty ? "." : directory, &buffer).map { String(cString: $0) } ?? directory
        return "new:\(canonical)/\(name)"
    }

    /// Looks at `path`: follows symbolic links (at most 40), refuses a directory or a block device.
    public init(_ path: String) throws(OutputError) {
        given = path
        var current = path
        for _ in 0..<40 {
            var status = stat()
            if lstat(current, &status) != 0 {
                guard errno == ENOENT else { throw OutputError.system(path) }
                resolved = current
                kind = .newFile
                identity = nil
                return
            }
            let type = status.st_mode & S_IFMT
            if type == S_IFLNK {
                var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let length = readlink(current, &buffer, buffer.count - 1)
                guard length >= 0 else { throw OutputError.system(path) }
                let target = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                current = target.hasPrefix("/") ? target : ((current as NSString).deletingLastPathComponent as NSString).appendingPathComponent(target)
                continue
            }
            resolved = current
            identity = FileIdentity(device: UInt64(truncatingIfNeeded: status.st_dev), inode: UInt64(truncatingIfNeeded: status.st_ino))
            switch type {
            case S_IFREG:
                kind = .regularFile(mode: UInt32(status.st_mode & 0o7777), owner: UInt32(status.st_uid), group: UInt32(status.st_gid))
            case S_IFCHR, S_IFIFO, S_IFSOCK:
                kind = .special
            case S_IFDIR:
                throw OutputError(path: path, message: "is a directory; expected a file name")
            default:
                throw OutputError(path: path, message: "is a block device or other special file; refusing to write it")
            }
            return
        }
        throw OutputError(path: path, message: "cannot be written (too many levels of symbolic links)")
    }
}

extension FileIdentity {
    init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }
}

/// Several output files committed together (docs/robustness.md, "Output files"): each regular or new
/// destination is written to a temporary file beside it, and `commit()` renames them all only once every
/// one is complete; devices and FIFOs are written in place (text handed over whole is written at commit,
/// before any rename, so a failure there replaces nothing). `discard()` (or dropping an uncommitted
/// transaction) removes every temporary; the user's files are untouched.
///
/// The commit is a sequence of `rename(2)` calls, one per file, made with SIGINT, SIGTERM, SIGHUP and
/// SIGPIPE held back (`TemporaryFiles`), so a signal cannot split it; a crash or SIGKILL between two renames
/// leaves the earlier destinations new and the later ones old (never a partial file).
public final class OutputTransaction {
    /// One destination of a transaction.
    public final class File {
        let destination: OutputDestination
        fileprivate var descriptor: Int32 = -1
        fileprivate var temporary: String?
        fileprivate var pending: [UInt8]?
        fileprivate var slot: Int?

        init(destination: OutputDestination) {
            self.destination = destination
        }

        /// Appends bytes (to the temporary file, or to the device itself).
        public func write(_ bytes: UnsafeBufferPointer<UInt8>) throws(OutputError) {
            guard descriptor >= 0 else { throw OutputError(path: destination.given, message: "cannot be written (already closed)") }
            if let reason = AtomicFileWriter.writeAll(descriptor, bytes) {
                throw OutputError(path: destination.given, message: "cannot be written (\(reason))")
            }
        }
    }

    private var files: [File] = []
    private var finished = false

    /// An empty transaction.
    public init() {
        TemporaryFiles.installHandlers()
    }

    deinit { discard() }

    /// Adds a file whose whole text is known: a regular destination is written to its temporary now (so a
    /// full disk fails before anything is renamed); a device is written at `commit()`.
    public func add(_ text: String, to path: String) throws(OutputError) {
        let destination: OutputDestination
        do throws(OutputError) {
            destination = try OutputDestination(path)
        } catch {
            // A transaction with a file that cannot be written commits nothing.
            discard()
            throw error
        }
        if destination.kind == .special {
            let file = File(destination: destination)
            file.pending = Array(text.utf8)
            files.append(file)
            return
        }
        let file = try open(destination)
        var bytes = Array(text.utf8)
        try bytes.withUnsafeMutableBufferPointer { buffer throws(OutputError) in
            do throws(OutputError) {
                try file.write(UnsafeBufferPointer(buffer))
            } catch {
                discard()
                throw error
            }
        }
    }

    /// Opens a destination to be written in pieces (a temporary file, or the device itself).
    public func open(_ path: String) throws(OutputError) -> File {
        do throws(OutputError) {
            return try open(try OutputDestination(path))
        } catch {
            discard()
            throw error
        }
    }

    private func open(_ destination: OutputDestination) throws(OutputError) -> File {
        let file = File(destination: destination)
        if destination.kind == .special {
            file.descriptor = openPath(destination.resolved, O_WRONLY | O_CLOEXEC | O_NOCTTY)
            guard file.descriptor >= 0 else {
                let failure = OutputError.system(destination.given)
                discard()
                throw failure
            }
            files.append(file)
            return file
        }
        let directory = (destination.resolved as NSString).deletingLastPathComponent
        let name = (destination.resolved as NSString).lastPathComponent
        for _ in 0..<8 {
            let candidate = (directory.isEmpty ? "" : directory + "/") + TemporaryFiles.temporaryName(for: name)
            guard let slot = TemporaryFiles.register(candidate) else {
                throw OutputError(path: destination.given, message: "cannot be written (too many temporary files)")
            }
            let descriptor = openPath(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if descriptor < 0 {
                let code = errno
                TemporaryFiles.unregister(slot)
                if code == EEXIST { continue }
                errno = code
                let failure = OutputError.system(destination.given)
                discard()
                throw failure
            }
            if case let .regularFile(mode, owner, group) = destination.kind {
                // Keep the replaced file's permissions (a 0600 file stays 0600) and, where allowed, its owner.
                _ = fchown(descriptor, owner, group)
                _ = fchmod(descriptor, mode_t(mode))
            }
            file.descriptor = descriptor
            file.temporary = candidate
            file.slot = slot
            files.append(file)
            return file
        }
        throw OutputError(path: destination.given, message: "cannot be written (no free temporary name)")
    }

    /// Writes pending device output, flushes and closes every temporary file, then renames them all over
    /// their destinations. On failure before the first rename every temporary is removed.
    public func commit() throws(OutputError) {
        guard !finished else { throw OutputError(path: files.first?.destination.given ?? "output", message: "cannot be written (already closed)") }
        do throws(OutputError) {
            for file in files where file.pending != nil {
                guard let pending = file.pending else { continue }
                let descriptor = openPath(file.destination.resolved, O_WRONLY | O_CLOEXEC | O_NOCTTY)
                guard descriptor >= 0 else { throw OutputError.system(file.destination.given) }
                file.descriptor = descriptor
                let reason = pending.withUnsafeBufferPointer { AtomicFileWriter.writeAll(descriptor, $0) }
                if let reason { throw OutputError(path: file.destination.given, message: "cannot be written (\(reason))") }
                file.pending = nil
            }
            for file in files where file.descriptor >= 0 {
                let descriptor = file.descriptor
                file.descriptor = -1
                // A device may not support fsync (EINVAL); only a temporary must reach the disk before its rename.
                if file.temporary != nil, fsync(descriptor) != 0 {
                    let code = errno
                    close(descriptor)
                    errno = code
                    throw OutputError.system(file.destination.given)
                }
                if close(descriptor) != 0, file.temporary != nil { throw OutputError.system(file.destination.given) }
            }
        } catch {
            discard()
            throw error
        }
        // The renames run with the cleanup signals held back, so an interrupt cannot fall between two of them.
        TemporaryFiles.holdSignals()
        defer { TemporaryFiles.releaseSignals() }
        finished = true
        var failure: OutputError?
        for file in files {
            guard let temporary = file.temporary else { continue }
            if failure == nil, rename(temporary, file.destination.resolved) != 0 {
                failure = OutputError.system(file.destination.given)
            }
            if failure != nil { unlink(temporary) }
            file.temporary = nil
            if let slot = file.slot { TemporaryFiles.unregister(slot) }
        }
        if let failure { throw failure }
    }

    /// Closes and removes every temporary file; the destinations are untouched. Safe to call twice.
    public func discard() {
        for file in files {
            if file.descriptor >= 0 { close(file.descriptor) }
            file.descriptor = -1
            file.pending = nil
            if let temporary = file.temporary { unlink(temporary) }
            file.temporary = nil
            if let slot = file.slot { TemporaryFiles.unregister(slot) }
            file.slot = nil
        }
        finished = true
    }
}

/// `open(2)` at file scope, named apart from `OutputTransaction.open(_:)`.
private func openPath(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
    open(path, flags, mode)
}
