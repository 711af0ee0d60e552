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
    public var description: String { "\(MessageText.escaped(path)): \(message)" }

    /// A failure to write `path`.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    static func system(_ path: String) -> OutputError {
        OutputError(path: path, message: "cannot be written (\(String(cString: strerror(errno))))")
    }
}

/// Writes a whole file or nothing (docs/robustness.md, "Output files"). A regular file or a new path is
/// written to a temporary file in the same directory and renamed over the destination (atomic on POSIX file
/// systems), keeping an existing file's permission bits; a symbolic link is followed and its target replaced
/// the same way (the link stays a link); a character device, FIFO or socket is written in place; a
/// directory or block device is refused. On failure the temporary file is removed and any earlier file at
/// the destination is unchanged.
public enum AtomicFileWriter {
    /// Writes `text` as UTF-8 to `url`, replacing any existing file only once the new one is complete.
    public static func write(_ text: String, to url: URL) throws(OutputError) {
        let transaction = OutputTransaction()
        try transaction.add(text, to: url.path)
        try transaction.commit()
    }
}

extension AtomicFileWriter {
    /// A file written in pieces with the same all-or-nothing guarantee: bytes go to a temporary file in the
    /// destination's directory, `commit()` renames it over the destination, and a stream that is never
    /// committed (an error, or being dropped) removes the temporary file, leaving any earlier file unchanged.
    /// A character device or FIFO is written in place as the bytes come. For outputs too large to hold as
    /// one string (`pkfit nca` on a million rows).
    public final class Stream {
        private let transaction = OutputTransaction()
        private let file: OutputTransaction.File

        /// Creates the temporary file (or opens the device).
        public init(to url: URL) throws(OutputError) {
            file = try transaction.open(url.path)
        }

        /// Appends bytes.
        public func write(_ bytes: UnsafeBufferPointer<UInt8>) throws(OutputError) {
            do {
                try file.write(bytes)
            } catch {
                transaction.discard()
                throw error
            }
        }

        /// Closes the file and moves it to the destination.
        public func commit() throws(OutputError) { try transaction.commit() }

        /// Closes and removes the temporary file; the destination is untouched. Safe to call twice.
        public func discard() { transaction.discard() }
    }

    /// Writes all of `bytes` to a file descriptor, retrying short writes and interruptions; the reason on failure.
    public static func writeAll(_ descriptor: Int32, _ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard let base = bytes.baseAddress else { return nil }
        var offset = 0
        while offset < bytes.count {
            let written = writeFile(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            offset += written
        }
        return nil
    }
}
