import CARKinetics
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard output and error written with `write(2)`: a failure is an error value, never a trap (Foundation's
/// `FileHandle.write(_:)` stops the process with SIGILL when the descriptor cannot be written), and each text
/// goes out in as few calls as the kernel allows (not a byte at a time).
enum StandardStreams {
    /// Gives a closed standard descriptor a read-only `/dev/null`, so that the first file pkfit opens cannot
    /// become "standard output" by taking descriptor 1 (writes to it then fail with EBADF and are reported).
    static func prepare() {
        for descriptor in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(descriptor, F_GETFD) < 0 {
            let null = open("/dev/null", O_RDONLY)
            if null >= 0 && null != descriptor {
                dup2(null, descriptor)
                close(null)
            }
        }
    }

    /// Writes `text` to standard output; an `OutputError` naming "standard output" on failure.
    static func writeOutput(_ text: String) throws(OutputError) {
        var text = text
        let reason = text.withUTF8 { AtomicFileWriter.writeAll(STDOUT_FILENO, $0) }
        if let reason { throw OutputError(path: "standard output", message: "cannot be written (\(reason))") }
    }

    /// Writes `text` to standard error; a failure is ignored, as there is nowhere left to report it.
    static func writeError(_ text: String) {
        var text = text
        _ = text.withUTF8 { AtomicFileWriter.writeAll(STDERR_FILENO, $0) }
    }
}
