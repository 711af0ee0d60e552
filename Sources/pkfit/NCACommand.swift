import ArgumentParser
import CARKinetics
import Foundation

/// `pkfit nca`: noncompartmental analysis, one row per subject.
struct NCACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nca",
        abstract: "Noncompartmental analysis (Cmax, Tmax, AUCs, λz, ...) per subject.",
        discussion:
            "Rules: docs/nca-rules.md. --format pp writes the SDTM PP dataset as CSV, .xpt or .json by the --output extension, and its SUPPPP beside it or at --supp (docs/pp-output.md). --skip-invalid and --audit: docs/robustness.md. Errors name file, line and column; no output file is written on error."
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

    @Option(
        name: .customLong("supp"),
        help:
            "PP: write SUPPPP (the PPEXCLBY / LAMZNOTE qualifiers) here, in the PP output's format (default: beside a PP --output file, named supp<name>, e.g. supppp.xpt)."
    )
    var supplement: String?

    func validate() throws {
        try FileSafety.check(
            inputs: input.files + nca.lambdaZ.inputs,
            outputs: output.outputs + supplementOutputs() + rows.outputs)
    }

    func run() throws {
        // Built once: with an ADNCA file it reads the inputs' headers (docs/input-formats.md).
        let selection = input.selection
        let files = input.urls
        var analysis = NCAAnalysis(
            selection: selection, options: try nca.options(groupColumns: selection.groups))
        analysis.invalidRows = rows.invalidRows
        if output.format == .pp {
            try writePP(analysis, files: files)
            return
        }
        if [.csv, .json].contains(output.format) && !output.rewritesTable {
            // Streamed: flat memory however many rows, and the same bytes as the table path (--csv-safe, which
            // rewrites text cells of the finished table, takes the table path below). With --audit each row's
            // fate is recorded (one byte) as its profile is analysed, and the audit is written after the result
            // by re-reading the files; both files are then committed together.
            let recording = rows.audit != nil
            try streamRows(analysis, files: files) { update, write, _ in
                switch output.format {
                case .json:
                    try analysis.writeJSON(files: files, progress: update, recordingFates: recording, to: write)
                default:
                    try analysis.writeCSV(files: files, progress: update, recordingFates: recording, to: write)
                }
            }
            return
        }
        let table: ResultTable
        let result: NCAAnalysis.Output
        do throws(DataError) {
            result = try analysis.run(files: files)
            table = result.table
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

/// A failure already worded for the user: printed as is on stderr, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension NCACommand {
    /// The streamed paths (NCA as CSV or JSON, PP as CSV): `produce` writes the result (and SUPPPP into its
    /// third argument when `supplement` is given) with a progress callback; the audit follows by re-reading the
    /// files, all committed together. Errors become the command's failure; afterwards the rows set aside or
    /// excluded and an assumed time unit are reported, as on the table paths.
    func streamRows(
        _ analysis: NCAAnalysis, files: [URL], supplement: String? = nil,
        produce: (
            _ progress: ((_ done: Int, _ total: Int) -> Void)?, _ write: (UnsafeBufferPointer<UInt8>) throws -> Void,
            _ supplementFile: ((UnsafeBufferPointer<UInt8>) throws -> Void)?
        ) throws -> NCARowFates
    ) throws {
        var ledgers: [RowLedger] = []
        var assumed = false
        do {
            let progress = output.progress("nca")
            defer { progress?.finish() }
            let update = progress.map { line in line.update }
            // `produce` runs inside the stream's own closure (rule of exclusivity: non-escaping closures may not
            // be passed to one another otherwise).
            try withoutActuallyEscaping(produce) { produce in
                try rows.stream(to: output.file, supplement: supplement) { write, supplementFile in
                    let fates = try produce(update, write, supplementFile)
                    ledgers = fates.ledgers
                    assumed = fates.timeUnitAssumed
                    return fates
                } audit: { fates, write in
                    try analysis.writeAudit(fates, files: files, to: write)
                }
            }
        } catch let error as DataError {
            throw CommandFailure(message: error.description)
        } catch let error as OutputError {
            throw CommandFailure(message: error.description)
        } catch let error as PPSubmission.Failure {
            throw CommandFailure(message: "\(output.file ?? "PP"): \(error.description)")
        }
        rows.reportExclusions(ledgers)
        InputOptions.noteTimeUnit(assumed: assumed)
    }
}
