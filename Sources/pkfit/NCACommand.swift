import ArgumentParser
import CARKinetics
import Foundation

/// `pkfit nca`: noncompartmental analysis, one row per subject.
struct NCACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nca",
        abstract: "Noncompartmental analysis (Cmax, Tmax, AUCs, λz, ...) per subject.",
        discussion:
            "Rules: docs/nca-rules.md. --format pp writes the SDTM PP-style long table (docs/pp-output.md). --skip-invalid and --audit: docs/robustness.md. Errors name file, line and column; no output file is written on error."
    )

    @OptionGroup var input: InputOptions
    @OptionGroup var nca: NCAOptionGroup
    @OptionGroup var output: OutputOptions<NCAFormat>
    @OptionGroup var rows: RowAuditOptions

    @Option(help: "PP: STUDYID when the input has no STUDYID column (required for --output *.xpt / *.json).")
    var study: String?

    @Option(help: "PP: the analyte (PPCAT), e.g. 'CAR-T transgene'.")
    var analyte: String?

    @Option(help: "PP: the specimen (PPSPEC), e.g. BLOOD (default: the input's PCSPEC column, if any).")
    var specimen: String?

    func validate() throws {
        try FileSafety.check(inputs: input.files + nca.lambdaZ.inputs, outputs: output.outputs + rows.outputs)
    }

    func run() throws {
        // Built once: with an ADNCA file it reads the inputs' headers (docs/input-formats.md).
        let selection = input.selection
        let files = input.urls
        var analysis = NCAAnalysis(
            selection: selection, options: try nca.options(groupColumns: selection.groups))
        analysis.invalidRows = rows.invalidRows
        if output.format == .pp, let path = output.file, let kind = SubmissionFile(path: path) {
            try writeSubmission(analysis, files: files, to: path, as: kind)
            return
        }
        if [.csv, .json, .pp].contains(output.format) && !output.rewritesTable {
            // Streamed: flat memory however many rows, and the same bytes as the table path (--csv-safe, which
            // rewrites text cells of the finished table, takes the table path below). With --audit each row's
            // fate is recorded (one byte) as its profile is analysed, and the audit is written after the result
            // by re-reading the files; both files are then committed together.
            var ledgers: [RowLedger] = []
            var assumed = false
            do {
                let progress = output.progress("nca")
                defer { progress?.finish() }
                let update = progress.map { line in line.update }
                let recording = rows.audit != nil
                try rows.stream(to: output.file) { write in
                    let fates: NCARowFates
                    switch output.format {
                    case .json:
                        fates = try analysis.writeJSON(
                            files: files, progress: update, recordingFates: recording, to: write)
                    case .pp:
                        fates = try PPExport(analysis).writeCSV(
                            files: files, progress: update, recordingFates: recording, to: write)
                    default:
                        fates = try analysis.writeCSV(
                            files: files, progress: update, recordingFates: recording, to: write)
                    }
                    ledgers = fates.ledgers
                    assumed = fates.timeUnitAssumed
                    return fates
                } audit: { fates, write in
                    try analysis.writeAudit(fates, files: files, to: write)
                }
            } catch let error as DataError {
                throw CommandFailure(message: error.description)
            } catch let error as OutputError {
                throw CommandFailure(message: error.description)
            }
            rows.reportExclusions(ledgers)
            InputOptions.noteTimeUnit(assumed: assumed)
            return
        }
        let table: ResultTable
        let result: NCAAnalysis.Output
        do throws(DataError) {
            if output.format == .pp {
                (table, result) = try PPExport(analysis).export(files: files)
            } else {
                result = try analysis.run(files: files)
                table = result.table
            }
        } catch {
            throw CommandFailure(message: error.description)
        }
        rows.reportExclusions(result.ledgers)
        InputOptions.noteTimeUnit(assumed: result.timeUnitAssumed)
        let units = Set(result.results.compactMap(\.unit))
        let groups = selection.groups // the --profile-by columns are among them
        let relabel = { (table: ResultTable) in
            output.isReadable
                ? ParameterNames.relabel(
                    table, levelUnit: units.count == 1 ? units.first : nil, timeUnit: result.timeUnit,
                    keep: selection.groups)
                : table
        }
        try rows.emit(
            table, through: output, readable: Self.readableColumns(groups: groups, options: result.options),
            relabel: relabel, audit: { () throws(DataError) in try analysis.audit(result, files: files) })
    }
}

extension NCACommand {
    /// `--format table` without `--columns`: the columns a reader looks at first, narrow enough for a
    /// 120-column terminal with one group column (the headers carry units: `AUC0–28d (day·copies/ug)`), so
    /// only the first interval; `--columns` picks any others.
    static func readableColumns(groups: [String], options: NCAOptions) -> [String] {
        ["subject"] + groups + ["cmax", "tmax", "auclast"] + options.intervals.prefix(1).map(\.columnName)
            + ["half_life"]
    }
}

/// A submission PP file, chosen by the `--output` extension.
enum SubmissionFile {
    case xpt, datasetJSON

    init?(path: String) {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "xpt": self = .xpt
        case "json": self = .datasetJSON
        default: return nil
        }
    }
}

extension NCACommand {
    /// `--format pp --output pp.xpt` (SAS transport v5) or `pp.json` (Dataset-JSON v1.1): the PP table as a
    /// submission dataset (docs/pp-output.md), written whole or not at all.
    func writeSubmission(_ analysis: NCAAnalysis, files: [URL], to path: String, as kind: SubmissionFile) throws {
        let dataset: XPTFile.Dataset
        let result: NCAAnalysis.Output
        do {
            var settings = PPSubmission.Settings(study: study, analyte: analyte, specimen: specimen)
            settings.studyHint = "--study"
            (dataset, result) = try PPSubmission.export(analysis, files: files, settings: settings)
        } catch let error as DataError {
            throw CommandFailure(message: error.description)
        } catch let error as PPSubmission.Failure {
            throw CommandFailure(message: "\(path): \(error.description)")
        }
        let bytes: [UInt8]
        switch kind {
        case .xpt:
            do {
                bytes = try XPTFile(datasets: [dataset]).bytes()
            } catch {
                throw CommandFailure(message: "\(path): \(error.description)")
            }
        case .datasetJSON:
            var studyID = study ?? ""
            if case .text(let first)? = dataset.rows.first?.first { studyID = first }
            bytes = Array(PPSubmission.datasetJSON(dataset, study: studyID).utf8)
        }
        rows.reportExclusions(result.ledgers)
        InputOptions.noteTimeUnit(assumed: result.timeUnitAssumed)
        // The dataset and the audit are committed together: both renamed, or neither.
        try rows.emit(
            audit: { () throws(DataError) in try analysis.audit(result, files: files) },
            results: { transaction in
                let file = try transaction.open(path)
                try bytes.withUnsafeBufferPointer { (buffer) throws(OutputError) in try file.write(buffer) }
            })
    }
}

/// A failure already worded for the user: printed as is on stderr, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
