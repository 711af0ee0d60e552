import ArgumentParser
import CARKinetics
import Foundation

/// What `pkfit popfit` and `pkfit report --popfit` both do with their population-model options: check them,
/// build the model, read the files with the model's subject-level columns and fit it (docs/population.md). The
/// two commands declare their own options (their help texts differ) and hand the values here, so the rules are
/// written once.
struct PopulationRun {
    /// The built-in model's name (`stein`, `expansion-monoexp`), nil for stein or when `formula` is given.
    var model: String?
    var formula: String?
    var start: [String] = []
    var random: String?
    var block: [String] = []
    var covariate: [String] = []
    var error: ResidualError?
    var censoring: CensoringMethod = .m3
    var starts: Int?
    var standardErrors: StandardErrorMethod = .hessian
    /// How messages name the command: `popfit` or `--popfit`.
    var label: String

    /// The checks made before anything is read.
    func validate() throws {
        if formula == nil, let model, !["stein", "expansion-monoexp"].contains(model) {
            throw ValidationError("--model '\(model)': \(label) offers stein or expansion-monoexp (or --formula)")
        }
        if formula != nil && start.isEmpty {
            throw ValidationError("--formula needs a --start name=value for each parameter")
        }
        if let starts, starts < 1 || starts > 20 { throw ValidationError("--starts must be between 1 and 20") }
    }

    /// The population model the options describe.
    func populationModel() throws -> PopulationModel {
        let parsedStarts: [(name: String, value: Double)]
        let effects: [CovariateEffect]
        let randomNames: [String]?
        let blocks: [[String]]
        do throws(PopulationOptionError) {
            blocks = try block.map(PopulationOptionGrammar.block)
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
            let name = model ?? "stein"
            structure = name == "stein" ? .stein : .expansionMonoexp
            if let unknown = parsedStarts.first(where: { !structure.parameterNames.contains($0.name) }) {
                throw CommandFailure(
                    message:
                        "--start '\(unknown.name)': not a parameter of \(name) (\(structure.parameterNames.joined(separator: ", ")))"
                )
            }
        }
        return PopulationModel(
            structure: structure, random: randomNames, covariates: effects, error: error, censoring: censoring,
            start: Dictionary(parsedStarts.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }), blocks: blocks)
    }

    /// The fit of `model` to `input`'s files, with the data it was fitted to, the profiles' common level unit
    /// and the constant LLOQ (if one was given). Covariate and formula columns are read as subject-level
    /// (group) columns; profile columns (`--profile-by`, an ADNCA analyte) stay profile columns, so a subject
    /// with two profiles is an error naming the column, never one pooled profile. With `announce`, the
    /// set-aside rows and an assumed time unit are reported on stderr (a report states them in its own input
    /// section instead).
    func fit(
        _ model: PopulationModel, input: InputOptions, selection base: ColumnSelection, announce: Bool
    ) throws -> (fit: PopulationFit, data: PopulationData, levelUnit: String?, lloq: Double?) {
        var columns = input.group
        for name in model.structure.columns + model.covariates.map(\.column) where !columns.contains(name) {
            columns.append(name)
        }
        var selection = base
        for name in selection.profileBy where !columns.contains(name) { columns.append(name) }
        selection.groups = columns
        do {
            let collection = try ProfileCollection.read(files: input.urls, selection: selection)
            if announce, let setAside = RowAuditOptions.setAsideReport(collection.ledgers) {
                StandardStreams.writeError(setAside + "\n")
            }
            // The population models' windows (AUC0–28, AUC0–90), grids and the Stein kink's rounding are set in
            // days; rather than report hours as days, other units are refused with the way out.
            guard collection.timeUnit == .days else {
                throw CommandFailure(
                    message:
                        "\(label): the times are in \(collection.timeUnit.plural); population models are fitted in days: add --output-time-unit d to convert them"
                )
            }
            if announce { InputOptions.noteTimeUnit(assumed: collection.timeUnitAssumed) }
            var limit: Double?
            if case .constant(let value) = selection.lloq { limit = value }
            let data = try PopulationData.make(
                profiles: collection.profiles, groupColumns: columns, model: model, lloq: limit)
            var options = PopulationFitter.Options()
            options.starts = starts ?? options.starts
            options.standardErrors = standardErrors
            let fit = try PopulationFitter(model: model, options: options).fit(data)
            return (fit, data, JSONEnvelope.levelUnit(collection.profiles.map(\.unit)), limit)
        } catch let error as DataError {
            throw CommandFailure(message: error.description)
        } catch let error as PopulationFitError {
            throw CommandFailure(message: "\(label): \(error.description)")
        }
    }
}
