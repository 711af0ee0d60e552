import ArgumentParser
import CARKinetics
import Foundation

/// `pkfit nca`: noncompartmental analysis, one row per subject.
struct NCACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nca",
        abstract: "Noncompartmental analysis (Cmax, Tmax, AUCs, λz, ...) per subject.",
        discussion: "Rules: docs/nca-rules.md. --format pp writes the SDTM PP-style long table (docs/pp-output.md). --skip-invalid and --audit: docs/robustness.md. Errors name file, line and column; no output file is written on error.")

    @OptionGroup var input: InputOptions
    @OptionGroup var nca: NCAOptionGroup
    @OptionGroup var output: OutputOptions
    @OptionGroup var rows: RowAuditOptions

    func run() throws {
        let files = input.files.map { URL(fileURLWithPath: $0) }
        var analysis = NCAAnalysis(selection: input.selection, options: try nca.options())
        analysis.invalidRows = rows.invalidRows
        if [.csv, .json, .pp].contains(output.format) {
            // Streamed: flat memory however many rows, and the same bytes as the table path. With --audit each
            // row's fate is recorded (one byte) as its profile is analysed, and the audit is written after the
            // result by re-reading the files, before either file is committed.
            var ledgers: [RowLedger] = []
            var auditWritten = false
            do {
                let progress = output.progress("nca")
                defer { progress?.finish() }
                let update = progress.map { line in line.update }
                let recording = rows.audit != nil
                try output.stream { write in
                    let fates: NCARowFates
                    switch output.format {
                    case .json: fates = try analysis.writeJSON(files: files, progress: update, recordingFates: recording, to: write)
                    case .pp: fates = try PPExport(analysis).writeCSV(files: files, progress: update, recordingFates: recording, to: write)
                    default: fates = try analysis.writeCSV(files: files, progress: update, recordingFates: recording, to: write)
                    }
                    ledgers = fates.ledgers
                    try rows.writeAudit { write in try analysis.writeAudit(fates, files: files, to: write) }
                    auditWritten = recording
                }
            } catch let error as DataError {
                if auditWritten { rows.discardAudit() }
                throw CommandFailure(message: error.description)
            } catch let error as OutputError {
                if auditWritten { rows.discardAudit() }
                throw CommandFailure(message: error.description)
            }
            rows.reportExclusions(ledgers)
            return
        }
        var table: ResultTable
        let result: NCAAnalysis.Output
        do throws(DataError) {
            if output.format == .pp {
                (table, result) = try PPExport(analysis).export(files: files)
            } else {
                result = try analysis.run(files: files)
                table = result.table
                if output.isReadable {
                    let units = Set(result.results.compactMap(\.unit))
                    table = ParameterNames.relabel(table, levelUnit: units.count == 1 ? units.first : nil, keep: input.selection.groups)
                }
            }
        } catch {
            throw CommandFailure(message: error.description)
        }
        rows.reportExclusions(result.ledgers)
        try rows.emit(table, through: output) { () throws(DataError) in try analysis.audit(result, files: files) }
    }
}

/// A failure already worded for the user: printed as is on stderr, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
