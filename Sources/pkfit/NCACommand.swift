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
