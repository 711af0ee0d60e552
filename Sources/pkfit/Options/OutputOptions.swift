import ArgumentParser
import CARKinetics
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `--format` values a command accepts; its help lists exactly these.
protocol FormatChoice: ExpressibleByArgument, CaseIterable, RawRepresentable, Sendable where RawValue == String {
    /// The default, `csv`.
    static var csv: Self { get }
    /// The writer's format.
    var outputFormat: OutputFormat { get }
}

/// Formats of every command that writes a result table.
enum TableFormat: String, FormatChoice {
    case csv, json, table, markdown
    var outputFormat: OutputFormat { OutputFormat(rawValue: rawValue) ?? .csv }
}

/// `pkfit nca`'s formats: the table formats and SDTM PP.
enum NCAFormat: String, FormatChoice {
    case csv, json, table, markdown, pp
    var outputFormat: OutputFormat { OutputFormat(rawValue: rawValue) ?? .csv }
}

/// Output format, destination and columns; shared by every command that prints a result table.
struct OutputOptions<Formats: FormatChoice>: ParsableArguments {
    @Option(
        name: .customLong("format"),
        help: "Output format: \(Formats.allCases.map(\.rawValue).joined(separator: ", ")).")
    var chosenFormat: Formats = .csv

    @Option(help: "Write to this file (atomically) instead of standard output; - is standard output.")
    var output: String?

    @Option(
        help:
            "Columns to write, comma-separated, in this order (any format; default: all, or for --format table a readable set). An unknown name is an error listing the valid ones."
    )
    var columns: String?

    @Flag(
        name: .customLong("csv-safe"),
        help:
            "For CSV meant for spreadsheets: put a ' before any text cell (subject, group value, column name) that starts with =, +, -, @, tab or CR, unless it is a plain number (docs/robustness.md)."
    )
    var csvSafe = false

    @Flag(help: "No progress indicator on standard error (it is only shown for long runs on a terminal).")
    var quiet = false

    /// The writer's format.
    var format: OutputFormat { chosenFormat.outputFormat }

    /// The file to write; nil for standard output (no `--output`, or `--output -`).
    var file: String? { output == "-" ? nil : output }

    func validate() throws {
        if let columns {
            do {
                _ = try ColumnChoice.names(columns)
            } catch {
                throw ValidationError("--columns: \(error.description)")
            }
        }
    }

    /// Whether the table must be built whole (not streamed): `--columns` and `--csv-safe` rewrite it.
    var rewritesTable: Bool { csvSafe || columns != nil }

    /// Prints the table, or adds it to `files` (committed with the command's other files). The columns are
    /// those `--columns` names, or for `--format table` without it those of `readable` the table has; then
    /// `relabel` (display names for people) is applied.
    func emit(
        _ table: ResultTable, into files: OutputTransaction, readable: [String]? = nil,
        relabel: (ResultTable) -> ResultTable = { $0 }
    ) throws {
        var table = table
        if let columns {
            do {
                table = try ColumnChoice.select(table, try ColumnChoice.names(columns))
            } catch {
                throw CommandFailure(message: "--columns: \(error.description)")
            }
        } else if format == .table, let readable {
            table = ColumnChoice.keep(table, readable)
        }
        table = relabel(table)
        let text = (csvSafe && [.csv, .pp].contains(format) ? CSVSafety.neutralised(table) : table).rendered(as: format)
        if let file {
            try files.add(text, to: file)
        } else {
            try StandardStreams.writeOutput(text)
        }
    }

    /// Hands `produce` a sink for bytes written in pieces: a temporary file renamed over `--output` only when
    /// `produce` returns (removed if it throws), or standard output.
    func stream(_ produce: ((UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Void) throws {
        if let file = self.file {
            let file = try AtomicFileWriter.Stream(to: URL(fileURLWithPath: file))
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
