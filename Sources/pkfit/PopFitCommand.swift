import ArgumentParser
import CARKinetics
import Foundation

extension ResidualError: ExpressibleByArgument {}
extension CensoringMethod: ExpressibleByArgument {}
extension StandardErrorMethod: ExpressibleByArgument {}

/// `pkfit popfit`: a nonlinear mixed-effects (population) fit over all subjects (docs/population.md).
struct PopFitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "popfit",
        abstract: "Population (nonlinear mixed-effects) fit with censored BLQ data (Laplace/FOCE-I, exact -2 ln L).",
        discussion: """
            Individual parameters are log-normal (positive), logit-normal (fb) or, for formula parameters, \
            normal (eta added). Observations at t >= 0 are used; BLQ samples enter by M3 (or are dropped with \
            --blq drop). Output: one row per estimate (parameter, estimate, se, rse_percent, lower95, upper95), \
            then minus2ll, aic, bic, n_subjects, n_observations, n_blq, diagnostics and the status.
            """)

    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions<TableFormat>

    @Option(help: "Built-in model: stein or expansion-monoexp.")
    var model: String = "stein"

    @Option(
        help:
            "A model in the formula language, C = f(t, columns...), e.g. \"C = Dose*exp(lA - exp(lk)*t)\"; names that are not parameters or t are subject-level columns."
    )
    var formula: String?

    @Option(help: "Typical-value start, name=value; one per formula parameter (built-in models: optional).")
    var start: [String] = []

    @Option(help: "Parameters with between-subject variability, comma-separated (default: all).")
    var random: String?

    @Option(
        help:
            "Random parameters with a full covariance block in Omega (correlated etas), comma-separated, e.g. lKa,lCl; repeatable for separate blocks; the other random effects stay independent (default: diagonal Omega)."
    )
    var block: [String] = []

    @Option(
        help:
            "Covariate effect \"p ~ COLUMN\" (numeric column: power model normalised by the median; text: a multiplier per level against the first); repeatable."
    )
    var covariate: [String] = []

    @Option(help: "BLQ samples: m3 (censored likelihood, default) or drop.")
    var blq: CensoringMethod = .m3

    @Option(
        help:
            "Residual error: log-additive (default for built-in models), additive (default for formulas), proportional, combined."
    )
    var error: ResidualError?

    @Option(help: "Number of starting points of the optimisation.")
    var starts: Int = 2

    @Option(
        help:
            "Standard errors: hessian (inverse Hessian of -2 ln L, default) or sandwich (robust: H^-1 (sum of subject score products) H^-1)."
    )
    var se: StandardErrorMethod = .hessian

    @Option(
        help:
            "Write per-subject conditional modes, individual parameters, model Cmax/Tmax/AUCs and sample counts here (same format)."
    )
    var individual: String?

    func validate() throws {
        if formula == nil && !["stein", "expansion-monoexp"].contains(model) {
            throw ValidationError("--model '\(model)': popfit offers stein or expansion-monoexp (or --formula)")
        }
        if formula != nil && start.isEmpty {
            throw ValidationError("--formula needs a --start name=value for each parameter")
        }
        if starts < 1 || starts > 20 { throw ValidationError("--starts must be between 1 and 20") }
        try FileSafety.check(
            inputs: input.files,
            outputs: output.outputs
                + (individual.map { [FileSafety.Output(flag: "--individual", path: $0)] } ?? []))
    }

    func run() throws {
        let starts: [(name: String, value: Double)]
        let effects: [CovariateEffect]
        let randomNames: [String]?
        let blocks: [[String]]
        do throws(PopulationOptionError) {
            blocks = try block.map(PopulationOptionGrammar.block)
            starts = try start.map(PopulationOptionGrammar.start)
            effects = try covariate.map(PopulationOptionGrammar.covariate)
            randomNames = try random.map(PopulationOptionGrammar.random)
        } catch {
            throw CommandFailure(message: error.description)
        }
        let structure: PopulationStructure
        if let formula {
            do {
                structure = try .formula(formula, parameters: starts.map(\.name))
            } catch {
                throw CommandFailure(message: "--formula: \(error.description)")
            }
        } else {
            structure = model == "stein" ? .stein : .expansionMonoexp
            if let unknown = starts.first(where: { !structure.parameterNames.contains($0.name) }) {
                throw CommandFailure(
                    message:
                        "--start '\(unknown.name)': not a parameter of \(model) (\(structure.parameterNames.joined(separator: ", ")))"
                )
            }
        }
        let populationModel = PopulationModel(
            structure: structure, random: randomNames, covariates: effects, error: error, censoring: blq,
            start: Dictionary(starts.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }), blocks: blocks)

        // Covariate and model columns are read as group columns (constant within a subject).
        var columns = input.group
        for name in structure.columns + effects.map(\.column) where !columns.contains(name) { columns.append(name) }
        var selection = input.selection
        // Profile columns (--profile-by, an ADNCA file's analyte) stay profile columns: a subject with two
        // profiles is then an error naming the column, never one pooled profile (issue 13, item 7).
        for name in selection.profileBy where !columns.contains(name) { columns.append(name) }
        selection.groups = columns
        let files = input.urls
        let fit: PopulationFit
        let data: PopulationData
        let levelUnit: String?
        do {
            let collection = try ProfileCollection.read(files: files, selection: selection)
            levelUnit = JSONEnvelope.levelUnit(collection.profiles.map(\.unit))
            if let setAside = RowAuditOptions.setAsideReport(collection.ledgers) {
                StandardStreams.writeError(setAside + "\n")
            }
            // The population models' windows (AUC0–28, AUC0–90), grids and the Stein kink's rounding are set in
            // days; rather than report hours as days, other units are refused with the way out.
            guard collection.timeUnit == .days else {
                throw CommandFailure(
                    message:
                        "popfit: the times are in \(collection.timeUnit.plural); population models are fitted in days: add --output-time-unit d to convert them"
                )
            }
            InputOptions.noteTimeUnit(assumed: collection.timeUnitAssumed)
            var limit: Double?
            if case .constant(let value) = selection.lloq { limit = value }
            data = try PopulationData.make(
                profiles: collection.profiles, groupColumns: columns, model: populationModel, lloq: limit)
            var options = PopulationFitter.Options()
            options.starts = self.starts
            options.standardErrors = se
            fit = try PopulationFitter(model: populationModel, options: options).fit(data)
        } catch let error as DataError {
            throw CommandFailure(message: error.description)
        } catch let error as PopulationFitError {
            throw CommandFailure(message: "popfit: \(error.description)")
        }
        var table = PopulationTable.estimates(fit, censoring: blq, data: data)
        table.envelope = .popfit(parameters: fit.estimates.map(\.name), levelUnit: levelUnit, timeUnit: .days)
        // The estimates and the per-subject file are committed together: both renamed, or neither.
        let outputs = OutputTransaction()
        defer { outputs.discard() }
        do {
            if let individual {
                var individuals = PopulationTable.individuals(fit)
                individuals.envelope = JSONEnvelope(
                    schema: JSONEnvelope.popfitIndividualSchema, names: individuals.columns, levelUnit: levelUnit,
                    timeUnit: .days)
                try outputs.add(individuals.rendered(as: output.format), to: individual)
            }
            try output.emit(table, into: outputs)
            try outputs.commit()
        } catch let error as OutputError {
            throw CommandFailure(message: error.description)
        }
    }
}
