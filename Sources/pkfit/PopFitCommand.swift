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

    /// The options as the population run shared with `pkfit report --popfit` takes them.
    var population: PopulationRun {
        PopulationRun(
            model: model, formula: formula, start: start, random: random, block: block, covariate: covariate,
            error: error, censoring: blq, starts: starts, standardErrors: se, label: "popfit")
    }

    func validate() throws {
        try population.validate()
        try FileSafety.check(
            inputs: input.files,
            outputs: output.outputs
                + (individual.map { [FileSafety.Output(flag: "--individual", path: $0)] } ?? []))
    }

    func run() throws {
        let populationModel = try population.populationModel()
        let (fit, data, levelUnit, _) = try population.fit(
            populationModel, input: input, selection: input.selection, announce: true)
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
