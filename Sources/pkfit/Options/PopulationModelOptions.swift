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

    /// Whether any of these options was given (they need `--popfit`).
    var anyGiven: Bool {
        formula != nil || !start.isEmpty || random != nil || !covariate.isEmpty || error != nil || starts != nil
    }

    /// The checks `pkfit popfit` makes before reading anything; `model` is the `--model` given (nil: stein).
    func validate(model: String?) throws {
        if formula == nil, let model, !["stein", "expansion-monoexp"].contains(model) {
            throw ValidationError("--model '\(model)': --popfit offers stein or expansion-monoexp (or --formula)")
        }
        if formula != nil && model != nil {
            throw ValidationError("--popfit takes --model or --formula, not both")
        }
        if formula != nil && start.isEmpty {
            throw ValidationError("--formula needs a --start name=value for each parameter")
        }
        if let starts, starts < 1 || starts > 20 { throw ValidationError("--starts must be between 1 and 20") }
    }

    /// The population model these options describe, with `model` the built-in model's name (nil: stein).
    func populationModel(model: String?, censoring: CensoringMethod) throws -> PopulationModel {
        let parsedStarts: [(name: String, value: Double)]
        let effects: [CovariateEffect]
        let randomNames: [String]?
        do throws(PopulationOptionError) {
            parsedStarts = try start.map(PopulationOptionGrammar.start)
            effects = try covariate.map(PopulationOptionGrammar.covariate)
            randomNames = try random.map(PopulationOptionGrammar.random)
        } catch {
            throw CommandFailure(message: error.description)
        }
        let structure: PopulationStructure
        if let formula {
            do {
                structure = try .formula(formula, parameters: parsedStarts.map(\.name))
            } catch {
                throw CommandFailure(message: "--formula: \(error.description)")
            }
        } else {
            structure = (model ?? "stein") == "stein" ? .stein : .expansionMonoexp
            if let unknown = parsedStarts.first(where: { !structure.parameterNames.contains($0.name) }) {
                throw CommandFailure(
                    message:
                        "--start '\(unknown.name)': not a parameter of \(model ?? "stein") (\(structure.parameterNames.joined(separator: ", ")))"
                )
            }
        }
        return PopulationModel(
            structure: structure, random: randomNames, covariates: effects, error: error, censoring: censoring,
            start: Dictionary(parsedStarts.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }))
    }

    /// Reads `input`'s files with the model's covariate and formula columns as subject-level columns, fits the
    /// model and returns the fit with its data, as `pkfit popfit` does.
    func fit(
        _ model: PopulationModel, input: InputOptions, selection base: ColumnSelection
    ) throws -> (
        fit: PopulationFit, data: PopulationData, lloq: Double?
    ) {
        var columns = input.group
        for name in model.structure.columns + model.covariates.map(\.column) where !columns.contains(name) {
            columns.append(name)
        }
        var selection = base
        // Profile columns stay profile columns: a subject with two profiles is an error, never a pooled one.
        for name in selection.profileBy where !columns.contains(name) { columns.append(name) }
        selection.groups = columns
        do {
            let collection = try ProfileCollection.read(files: input.urls, selection: selection)
            guard collection.timeUnit == .days else {
                throw CommandFailure(
                    message:
                        "--popfit: the times are in \(collection.timeUnit.plural); population models are fitted in days: add --output-time-unit d to convert them"
                )
            }
            var limit: Double?
            if case .constant(let value) = selection.lloq { limit = value }
            let data = try PopulationData.make(
                profiles: collection.profiles, groupColumns: columns, model: model, lloq: limit)
            var options = PopulationFitter.Options()
            options.starts = starts ?? options.starts
            return (try PopulationFitter(model: model, options: options).fit(data), data, limit)
        } catch let error as DataError {
            throw CommandFailure(message: error.description)
        } catch let error as PopulationFitError {
            throw CommandFailure(message: "--popfit: \(error.description)")
        }
    }
}
