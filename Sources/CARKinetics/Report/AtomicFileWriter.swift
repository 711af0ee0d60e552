import Foundation

/// Failure to write an output file; the destination is left untouched.
public struct OutputError: Error, Sendable, CustomStringConvertible {
    /// The destination path.
    public var path: String
    /// What went wrong, from the operating system.
    public var message: String
    public var description: String { "\(path): \(message)" }
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
