import ArgumentParser
import CARKinetics
import Foundation

/// `pkfit nca`: noncompartmental analysis, one row per subject.
struct NCACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nca",
        abstract: "Noncompartmental analysis (Cmax, Tmax, AUCs, λz, ...) per subject.",
        discussion: "Rules: docs/nca-rules.md. Errors name file, line and column; no output file is written on error.")

    @OptionGroup var input: InputOptions
    @OptionGroup var nca: NCAOptionGroup
    @OptionGroup var output: OutputOptions
    @OptionGroup var rows: RowAuditOptions

    func run() throws {
        var analysis = NCAAnalysis(selection: input.selection, options: try nca.options())
        analysis.invalidRows = rows.invalidRows
        let files = input.files.map { URL(fileURLWithPath: $0) }
        // The audit and the list of excluded rows need every result, so those runs take the table path.
        if output.format == .csv && rows.audit == nil && !rows.skipInvalid {
            // Streamed: flat memory however many rows, and the same bytes as the table path.
            let progress = output.progress("nca")
            defer { progress?.finish() }
            do {
                try output.stream { write in
                    try analysis.writeCSV(files: files, progress: progress.map { line in line.update }, to: write)
                }
            } catch let error as DataError {
                throw CommandFailure(message: error.description)
            } catch let error as OutputError {
                throw CommandFailure(message: error.description)
            }
            return
        }
        let result: NCAAnalysis.Output
        do {
            result = try analysis.run(files: files)
        } catch {
            throw CommandFailure(message: error.description)
        }
        rows.reportExclusions(result.ledgers)
        try rows.emit(result.table, through: output) { () throws(DataError) in try analysis.audit(result, files: files) }
    }
}

/// A failure already worded for the user: printed as is on stderr, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
