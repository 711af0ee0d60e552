import ArgumentParser
import CARKinetics
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension OutputFormat: ExpressibleByArgument {}

/// Output format and destination; shared by every command that prints a result table.
struct OutputOptions: ParsableArguments {
    @Option(help: "Output format: \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: OutputFormat = .csv

    @Option(help: "Write to this file (atomically) instead of standard output.")
    var output: String?

    @Flag(name: .customLong("csv-safe"), help: "For CSV meant for spreadsheets: put a ' before any text cell (subject, group value, column name) that starts with =, +, -, @, tab or CR, unless it is a plain number (docs/robustness.md).")
    var csvSafe = false

    @Flag(help: "No progress indicator on standard error (it is only shown for long runs on a terminal).")
    var quiet = false

    /// Prints the table, or adds it to `files` (committed with the command's other files).
    func emit(_ table: ResultTable, into files: OutputTransaction) throws(OutputError) {
        let text = (csvSafe && [.csv, .pp].contains(format) ? CSVSafety.neutralised(table) : table).rendered(as: format)
        if let output {
            try files.add(text, to: output)
        } else {
            try StandardStreams.writeOutput(text)
        }
    }

    /// Hands `produce` a sink for bytes written in pieces: a temporary file renamed over `--output` only when
    /// `produce` returns (removed if it throws), or standard output.
    func stream(_ produce: ((UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Void) throws {
        if let output {
            let file = try AtomicFileWriter.Stream(to: URL(fileURLWithPath: output))
            try produce { bytes in try file.write(bytes) }
            try file.commit()
        } else {
            try produce { bytes in
                if let reason = AtomicFileWriter.writeAll(STDOUT_FILENO, bytes) {
                    throw OutputError(path: "standard output", message: "cannot be written (\(reason))")
                }
            }
        }
    }

    /// A progress line on standard error, or nil when it must stay quiet (`--quiet`, or stderr not a terminal).
    func progress(_ label: String) -> ProgressLine? {
        quiet || isatty(STDERR_FILENO) != 1 ? nil : ProgressLine(label: label)
    }
}

/// `label: done / total` redrawn in place on standard error, from half a second into a run (short runs print
/// nothing) and at most ten times a second; `finish()` erases it.
final class ProgressLine {
    private let label: String
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var lastDrawn: ContinuousClock.Instant?

    init(label: String) {
        self.label = label
        start = clock.now
    }

    func update(_ done: Int, _ total: Int) {
        let now = clock.now
        guard now - start >= .milliseconds(500) else { return }
        if let lastDrawn, now - lastDrawn < .milliseconds(100), done < total { return }
        lastDrawn = now
        let percent = total > 0 ? 100 * done / total : 100
        StandardStreams.writeError("\r\(label): \(done) / \(total) (\(percent)%)")
    }

    func finish() {
        guard lastDrawn != nil else { return }
        StandardStreams.writeError("\r\u{1B}[K")
    }
}
