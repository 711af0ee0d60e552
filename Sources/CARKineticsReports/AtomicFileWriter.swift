import CARKineticsNumerics
import CARKineticsData
import CARKineticsNCA
import CARKineticsModels
import CARKineticsStatistics
import Foundation
#if canImport(Glibc)
import Glibc
/// `write(2)`, named apart from `AtomicFileWriter.write(_:to:)`.
private let writeFile = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let writeFile = Darwin.write
#endif

/// Failure to write an output file; the destination is left untouched.
public struct OutputError: Error, Sendable, CustomStringConvertible {
    /// The destination path.
    public var path: String
    /// What went wrong, from the operating system.
    public var message: String
    public var description: String { "\(path): \(message)" }

    /// A failure to write `path`.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
}

/// Writes a whole file or nothing: the text goes to a temporary file in the destination's directory, which
/// is then renamed over the destination (atomic on POSIX file systems). On failure the temporary file is
/// removed and any earlier file at the destination is unchanged.
public enum AtomicFileWriter {
    /// Writes `text` as UTF-8 to `url`, replacing any existing file only once the new one is complete.
    public static func write(_ text: String, to url: URL) throws(OutputError) {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try Data(text.utf8).write(to: temporary, options: [.withoutOverwriting])
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw OutputError(path: url.path, message: "cannot be written (\(error.localizedDescription))")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw OutputError(path: url.path, message: "cannot be written (\(reason))")
        }
    }
}

extension AtomicFileWriter {
    /// A file written in pieces with the same all-or-nothing guarantee: bytes go to a temporary file in the
    /// destination's directory, `commit()` renames it over the destination, and a stream that is never
    /// committed (an error, or being dropped) removes the temporary file, leaving any earlier file unchanged.
    /// For outputs too large to hold as one string (`pkfit nca` on a million rows).
    public final class Stream {
        private let destination: URL
        private let temporary: String
        private var descriptor: Int32

        /// Creates the temporary file.
        public init(to url: URL) throws(OutputError) {
            destination = url
            temporary = url.deletingLastPathComponent()
                .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            guard descriptor >= 0 else {
                throw OutputError(path: url.path, message: "cannot be written (\(String(cString: strerror(errno))))")
            }
        }

        deinit { discard() }

        /// Appends bytes.
        public func write(_ bytes: UnsafeBufferPointer<UInt8>) throws(OutputError) {
            guard descriptor >= 0 else { throw OutputError(path: destination.path, message: "cannot be written (already closed)") }
            guard let reason = AtomicFileWriter.writeAll(descriptor, bytes) else { return }
            discard()
            throw OutputError(path: destination.path, message: "cannot be written (\(reason))")
        }

        /// Closes the file and moves it to the destination.
        public func commit() throws(OutputError) {
            guard descriptor >= 0 else { throw OutputError(path: destination.path, message: "cannot be written (already closed)") }
            let closed = close(descriptor)
            descriptor = -1
            guard closed == 0, rename(temporary, destination.path) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                throw OutputError(path: destination.path, message: "cannot be written (\(reason))")
            }
        }

        /// Closes and removes the temporary file; the destination is untouched. Safe to call twice.
        public func discard() {
            guard descriptor >= 0 else { return }
            close(descriptor)
            descriptor = -1
            unlink(temporary)
        }
    }

    /// Writes all of `bytes` to a file descriptor, retrying short writes and interruptions; the reason on failure.
    public static func writeAll(_ descriptor: Int32, _ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var offset = 0
        while offset < bytes.count {
            let written = writeFile(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            offset += written
        }
        return nil
    }
}
