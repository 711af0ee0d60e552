import ArgumentParser
import CARKinetics
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `-` as an input file: standard input, copied once into a private temporary file so that every reader can
/// tell its format by its first bytes and read it again (the streamed audit, the response and persistence
/// sections of a report, the study column of PP read the input more than once, which a pipe cannot give).
/// The copy is `standard input` in a directory of its own, and readers name it by that relative name, so
/// messages and the audit say `standard input:5: …`, never a temporary path. It is removed when pkfit exits
/// (and on Ctrl-C/SIGTERM with the other temporaries).
enum StandardInput {
    /// The name standard input goes by in messages and in the audit's `file` column.
    static let displayName = "standard input"

    /// The copy of standard input, made on first use; a worded failure when it cannot be made.
    static let spooled: Result<URL, CommandFailure> = spool()

    /// `files` as URLs, `-` standing for the copy of standard input.
    static func urls(_ files: [String]) -> [URL] {
        files.map { file in
            if file == "-", case .success(let url) = spooled { return url }
            return URL(fileURLWithPath: file)
        }
    }

    /// Refuses `-` given twice (standard input can be read once) and copies standard input when `-` is given.
    static func prepare(_ files: [String]) throws {
        let dashes = files.filter { $0 == "-" }.count
        guard dashes > 0 else { return }
        if dashes > 1 {
            throw ValidationError("'-' (standard input) is given \(dashes) times; it can be read only once")
        }
        if case .failure(let failure) = spooled { throw failure }
    }

    private static func spool() -> Result<URL, CommandFailure> {
        TemporaryFiles.installHandlers()
        let base = (ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 }) ?? "/tmp"
        var template = Array((base + "/pkfit-stdin-XXXXXX").utf8CString)
        guard let created = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            return .failure(failure("cannot make a temporary folder in \(base) (\(String(cString: strerror(errno))))"))
        }
        let directory = String(cString: created)
        let path = directory + "/" + displayName
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            rmdir(directory)
            return .failure(failure("cannot be copied to \(directory) (\(String(cString: strerror(errno))))"))
        }
        Cleanup.shared.paths = [path, directory]
        atexit { Cleanup.shared.remove() }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(descriptor)
                return .failure(failure("cannot be read (\(reason))"))
            }
            if got == 0 { break }
            if let reason = buffer.withUnsafeBufferPointer({
                AtomicFileWriter.writeAll(descriptor, UnsafeBufferPointer(rebasing: $0[0..<got]))
            }) {
                close(descriptor)
                return .failure(failure("cannot be copied to \(directory) (\(reason))"))
            }
        }
        close(descriptor)
        // Named relative to its folder: readers name a file by its relative path.
        return .success(URL(fileURLWithPath: displayName, relativeTo: URL(fileURLWithPath: directory + "/")))
    }

    private static func failure(_ reason: String) -> CommandFailure {
        CommandFailure(message: "\(displayName): \(reason)")
    }

    /// The copy and its folder, removed at exit.
    final class Cleanup: @unchecked Sendable {
        static let shared = Cleanup()
        // Set once, before any reader runs; read at exit.
        var paths: [String] = []

        func remove() {
            guard paths.count == 2 else { return }
            unlink(paths[0])
            rmdir(paths[1])
        }
    }
}
