import ArgumentParser
import CARKinetics
import Foundation

extension OutputFormat: ExpressibleByArgument {}

/// Output format and destination; shared by every command that prints a result table.
struct OutputOptions: ParsableArguments {
    @Option(help: "Output format: \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: OutputFormat = .csv

    @Option(help: "Write to this file (atomically) instead of standard output.")
    var output: String?

    /// Prints or writes the table; a file is written whole or not at all.
    func emit(_ table: ResultTable) throws {
        let text = table.rendered(as: format)
        if let output {
            try AtomicFileWriter.write(text, to: URL(fileURLWithPath: output))
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
