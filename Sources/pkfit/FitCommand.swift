import ArgumentParser
import CARKinetics
import Foundation

extension KineticModel: ExpressibleByArgument {}

/// `pkfit fit`: expansion/contraction model fits, one row per subject.
struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit CAR-T expansion and contraction models per subject (least squares or M3 likelihood on ln C).",
        discussion: """
            Uses quantifiable samples at t >= 0 and, with --blq m3, BLQ samples at t >= 0 as censored \
            observations (Beal's M3, sigma estimated); other BLQ, missing, zero and pre-infusion rows are not used \
            and are counted per subject (n_blq_not_used, n_missing_not_used, n_preinfusion_not_used). Models: \
            \(KineticModel.allCases.map(\.rawValue).joined(separator: ", ")); or --formula "C = ..." with a \
            --start name=value for every parameter (time variable t).
            """)

    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions<TableFormat>
    @OptionGroup var rows: RowAuditOptions

    @Option(
        help:
            "Model: \(KineticModel.allCases.map(\.rawValue).joined(separator: ", ")) (default stein); not with --formula."
    )
    var model: KineticModel?

    @Option(help: "A user model in the formula language, e.g. \"C = c0*exp(-k*t)\" (time variable t).")
    var formula: String?

    @Option(help: "Starting value of a formula parameter, name=value; repeatable, one per parameter.")
    var start: [String] = []

    @Option(
        help:
            "BLQ samples: m3 (censored likelihood) or drop; default m3 when every BLQ sample at t >= 0 has a known LLOQ (--lloq, or a <x value), otherwise drop."
    )
    var blq: CensoringMethod?

    @Flag(
        help:
            "Exit with status 1 (writing nothing) when a fit does not converge; without it such fits are written with their status and counted on stderr."
    )
    var strict = false

    func validate() throws {
        if formula != nil, let model {
            throw ValidationError("--model \(model.rawValue) and --formula are two models; give one")
        }
        try FileSafety.check(inputs: input.files, outputs: output.outputs + rows.outputs)
        if formula == nil && !start.isEmpty { throw ValidationError("--start needs --formula") }
        if formula != nil && blq == .m3 {
            throw ValidationError("--blq m3 is not available for --formula models (their BLQ samples are dropped)")
        }
        if formula != nil && start.isEmpty {
            throw ValidationError("--formula needs a --start name=value for each parameter")
        }
    }

    func run() throws {
        // Built once: with an ADNCA file it reads the inputs' headers (docs/input-formats.md).
        let selection = input.selection
        let method: KineticAnalysis.Method
        if let formula {
            let starts = try start.map(Self.parseStart)
            do {
                method = .formula(try FormulaKineticModel(text: formula, start: starts))
            } catch {
                throw CommandFailure(message: "--formula: \(error.description)")
            }
        } else {
            method = .model(KineticFitter(model: model ?? .stein))
        }
        var analysis = KineticAnalysis(selection: selection, method: method)
        analysis.invalidRows = rows.invalidRows
        analysis.blq = blq
        analysis.blqAdvice = "; give --lloq COLUMN|NUMBER, or --blq drop"
        let files = input.urls
        let result: KineticAnalysis.Output
        do {
            let progress = output.progress("fit")
            defer { progress?.finish() }
            result = try analysis.run(files: files, progress: progress.map { line in line.update })
        } catch {
            throw CommandFailure(message: error.description)
        }
        rows.reportExclusions(result.ledgers)
        InputOptions.noteTimeUnit(assumed: result.timeUnitAssumed)
        Self.noteBLQ(analysis, result)
        let failed = result.fits.filter { if case .notConverged = $0.fit.status { true } else { false } }
        if !failed.isEmpty {
            let names =
                failed.prefix(5).map { "'\($0.subject)'" }.joined(separator: ", ") + (failed.count > 5 ? ", …" : "")
            let message =
                "\(failed.count) of \(result.fits.count) fit\(result.fits.count == 1 ? "" : "s") did not converge (\(names)); see the status column"
            if strict { throw CommandFailure(message: message + "; nothing written (--strict)") }
            FileHandle.standardError.write(Data(("warning: " + message + "\n").utf8))
        }
        // `--format table` without `--columns`: what a reader looks at first, within ~100 columns; the status
        // last, as its text is long only when a fit failed.
        let readable =
            ["subject"] + selection.groups
            + ["model", "n", "cmax", "tmax", "alpha", "beta", "contraction_half_life", "status"]
        let relabel = { (table: ResultTable) in
            output.isReadable
                ? ParameterNames.relabel(
                    table, levelUnit: nil, timeUnit: result.timeUnit, keep: selection.groups) : table
        }
        try rows.emit(
            result.table, through: output, readable: readable, relabel: relabel,
            audit: { () throws(DataError) in try analysis.audit(result, files: files) })
    }

    /// Says on stderr when BLQ samples are dropped by default because a limit is missing (M3 needs it).
    static func noteBLQ(_ analysis: KineticAnalysis, _ result: KineticAnalysis.Output) {
        guard analysis.blq == nil, case .model = analysis.method, analysis.resolvedBLQ(result.profiles) == .drop,
            let missing = KineticAnalysis.missingLimit(
                result.profiles, fileNames: result.profileFiles.map { result.ledgers[$0].file })
        else { return }
        FileHandle.standardError.write(
            Data(
                "note: BLQ samples dropped (blq_method drop): \(missing.description); give --lloq COLUMN|NUMBER for M3\n"
                    .utf8))
    }

    static func parseStart(_ text: String) throws -> (name: String, value: Double) {
        let parts = text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[0].isEmpty, case .number(let value) = NumberText.parse(parts[1]) else {
            throw ValidationError("--start '\(text)': expected name=value with a finite number, e.g. k=0.2")
        }
        return (parts[0], value)
    }
}
