import ArgumentParser
import CARKinetics
import Foundation

/// NCA flags (the same as `pkfit nca`) plus the dose column; shared by `summary` and `report`.
struct NCAFlags: ParsableArguments {
    @OptionGroup var nca: NCAOptionGroup

    @Option(help: "Dose column: fit ln(exposure) = a + b·ln(dose) for Cmax and the AUCs (slope with 90% CI).")
    var dose: String?

    func analyze(_ input: InputOptions, rows: RowAuditOptions) throws -> (CohortAnalysis.Output, NCAOptions) {
        // Built once: with an ADNCA file it reads the inputs' headers (docs/input-formats.md).
        let selection = input.selection
        let options = try nca.options(groupColumns: selection.groups)
        var analysis = CohortAnalysis(selection: selection, options: options, doseColumn: dose)
        analysis.invalidRows = rows.invalidRows
        let result: CohortAnalysis.Output
        do {
            result = try analysis.run(files: input.urls)
        } catch {
            throw CommandFailure(message: error.description)
        }
        rows.reportExclusions(result.nca.ledgers)
        InputOptions.noteTimeUnit(assumed: result.nca.timeUnitAssumed)
        // The options as the NCA resolved them to the times' unit (the windows converted and named in it).
        return (result, result.nca.options)
    }

    /// The audit of the NCA behind a summary or report.
    func audit(_ result: CohortAnalysis.Output, _ input: InputOptions) throws(DataError) -> AuditTrail {
        try NCAAnalysis(selection: input.selection).audit(
            result.nca, files: input.urls)
    }
}

/// `pkfit summary`: descriptive statistics of the NCA parameters per group.
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Cohort summaries of the NCA parameters (one row per group × parameter).",
        discussion: """
            csv/json: n, n_missing, n_nonpositive, mean, sd, cv_percent, geometric_mean, geometric_cv_percent, median, \
            min, max, q1, q3 at full precision (quartiles by R type 7). table/markdown: geometric mean (geo CV%) for \
            levels and AUCs, median (min–max) for times, 3 significant figures. With --dose the output is the \
            dose–exposure table instead (power-model slope b, 90% CI, n).
            """)

    @OptionGroup var input: InputOptions
    @OptionGroup var nca: NCAFlags

    @OptionGroup var output: OutputOptions<TableFormat>
    @OptionGroup var rows: RowAuditOptions

    func validate() throws {
        try FileSafety.check(inputs: input.files + nca.nca.lambdaZ.inputs, outputs: output.outputs + rows.outputs)
    }

    func run() throws {
        let (result, _) = try nca.analyze(input, rows: rows)
        var table: ResultTable
        if let fits = result.doseExposure {
            table = DoseExposure.table(fits)
        } else {
            table = output.isReadable ? result.summary.displayTable(levelUnit: result.unit) : result.summary.table
        }
        // Each row's statistics are in its parameter's unit; the dose–exposure slope is dimensionless and its
        // intercept's unit depends on the dose's, so that table states none.
        table.envelope = JSONEnvelope(
            schema: JSONEnvelope.summarySchema,
            names: result.doseExposure == nil ? result.summary.rows.map(\.parameter) : [], keys: .parameters,
            levelUnit: result.unit, timeUnit: result.nca.timeUnit)
        try rows.emit(table, through: output) { () throws(DataError) in try nca.audit(result, input) }
    }
}
