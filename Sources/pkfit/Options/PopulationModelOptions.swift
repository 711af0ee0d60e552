import ArgumentParser
import CARKinetics
import Foundation

/// The population-model options of `pkfit report --popfit`, spelled and read as `pkfit popfit` reads them
/// (docs/population.md); `--model` and `--blq` are the report's own options, shared with `--fit`.
struct PopulationModelOptions: ParsableArguments {
    @Option(
        help:
            "With --popfit: a model in the formula language, C = f(t, columns...); names that are not parameters or t are subject-level columns."
    )
    var formula: String?

    @Option(help: "With --popfit: typical-value start, name=value; one per formula parameter (built-in: optional).")
    var start: [String] = []

    @Option(help: "With --popfit: parameters with between-subject variability, comma-separated (default: all).")
    var random: String?

    @Option(
        help:
            "With --popfit: random parameters with a full covariance block in Omega, comma-separated; repeatable (default: diagonal Omega)."
    )
    var block: [String] = []

    @Option(
        help:
            "With --popfit: covariate effect \"p ~ COLUMN\" (numeric: power model normalised by the median; text: a multiplier per level); repeatable."
    )
    var covariate: [String] = []

    @Option(
        help:
            "With --popfit: residual error log-additive (default for built-in models), additive (default for formulas), proportional, combined."
    )
    var error: ResidualError?

    @Option(help: "With --popfit: number of starting points of the optimisation (default 2).")
    var starts: Int?

    @Option(help: "With --popfit: standard errors from the inverse Hessian (hessian, default) or robust (sandwich).")
    var se: StandardErrorMethod?

    /// Whether any of these options was given (they need `--popfit`).
    var anyGiven: Bool {
        formula != nil || !start.isEmpty || random != nil || !block.isEmpty || !covariate.isEmpty || error != nil
            || starts != nil || se != nil
    }

    /// The population run these options describe, with `model` the built-in model's name (nil: stein).
    func run(model: String?, censoring: CensoringMethod) -> PopulationRun {
        PopulationRun(
            model: model, formula: formula, start: start, random: random, block: block, covariate: covariate,
            error: error, censoring: censoring, starts: starts, standardErrors: se ?? .hessian, label: "--popfit")
    }

    /// The checks `pkfit popfit` makes before reading anything; `model` is the `--model` given (nil: stein).
    func validate(model: String?) throws {
        if formula != nil && model != nil {
            throw ValidationError("--popfit takes --model or --formula, not both")
        }
        try run(model: model, censoring: .m3).validate()
    }
}
