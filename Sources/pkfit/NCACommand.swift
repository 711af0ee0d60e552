import ArgumentParser
import CARKinetics
import Foundation

/// `pkfit nca`: noncompartmental analysis, one row per subject.
struct NCACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nca",
        abstract: "Noncompartmental analysis (Cmax, Tmax, AUCs, λz, ...) per subject.",
        discussion: "Rules: docs/nca-rules.md. --format pp writes the SDTM PP-style long table (docs/pp-output.md). Errors name file, line and column; no output file is written on error.")

    @OptionGroup var input: InputOptions
    @OptionGroup var nca: NCAOptionGroup
    @OptionGroup var output: OutputOptions

    func run() throws {
        let files = input.files.map { URL(fileURLWithPath: $0) }
        let analysis = NCAAnalysis(selection: input.selection, options: try nca.options())
        if output.format == .csv {
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
        var table: ResultTable
        do {
            if output.format == .pp {
                table = try PPExport(selection: input.selection, options: try nca.options()).run(files: files)
            } else {
                let result = try analysis.run(files: files)
                table = result.table
                if output.isReadable {
                    let units = Set(result.results.compactMap(\.unit))
                    table = ParameterNames.relabel(table, levelUnit: units.count == 1 ? units.first : nil, keep: input.group)
                }
            }
        } catch let error as DataError {
            throw CommandFailure(message: error.description)
        }
        do {
            try output.emit(table)
        } catch let error as OutputError {
            throw CommandFailure(message: error.description)
        }
    }
}

/// A failure already worded for the user: printed as is on stderr, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
