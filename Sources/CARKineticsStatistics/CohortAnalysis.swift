import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// Why a cohort analysis failed: the input could not be read, or its NCA results could not be summarised.
public enum CohortAnalysisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Reading or checking the input failed (file, line and column in the error).
    case data(DataError)
    /// The per-subject results could not be summarised (e.g. a dose that is not a number).
    case summary(SummaryError)
    /// The dose–exposure regression of one parameter failed inside the least-squares layer.
    case fit(parameter: String, LeastSquaresError)

    /// A one-line message for users.
    public var description: String {
        switch self {
        case .data(let error): error.description
        case .summary(let error): error.description
        case .fit(let parameter, let error): "dose–exposure fit of \(parameter): \(error.description)"
        }
    }
}

/// The whole `pkfit summary` / `pkfit report` job as a library call: read the files, run the NCA per
/// profile (`NCAAnalysis`), summarise the parameters per group, and optionally fit dose–exposure.
public struct CohortAnalysis: Sendable {
    /// Columns to read; its `groups` are the summary's grouping columns.
    public var selection: ColumnSelection
    /// NCA settings (AUC method, windows, BLQ rule), as for `pkfit nca`.
    public var options: NCAOptions
    /// Column holding each subject's dose, for the power model; nil = no dose–exposure fit.
    public var doseColumn: String?
    /// Two-sided confidence level of the slope interval.
    public var confidenceLevel: Double
    /// Whether an invalid row stops the run (default) or is excluded and listed in its file's ledger.
    public var invalidRows: InvalidRowPolicy = .stop

    /// Creates an analysis; see the properties.
    public init(
        selection: ColumnSelection = ColumnSelection(), options: NCAOptions = NCAOptions(),
        doseColumn: String? = nil, confidenceLevel: Double = 0.90
    ) {
        self.selection = selection
        self.options = options
        self.doseColumn = doseColumn
        self.confidenceLevel = confidenceLevel
    }

    /// What an analysis produced.
    public struct Output: Sendable {
        /// The per-subject NCA (its table has the dose column among the group columns when it was
        /// read only for the fit).
        public var nca: NCAAnalysis.Output
        /// Statistics per group × summarised parameter.
        public var summary: CohortSummary
        /// Power-model fits for Cmax and the AUCs, when a dose column was given.
        public var doseExposure: [(parameter: String, fit: PowerModelFit)]?
        /// Unit of the levels when every profile states the same one.
        public var unit: String?
        /// Each profile's dose (in the order of `nca.results`), when a dose column was given.
        public var doses: [Double]?
        /// Whether the profiles state more than one unit, so that `unit` is the summary's last grouping column
        /// and each result's groups end with its unit (empty when it states none).
        public var stratifiedByUnit = false
    }

    /// The NCA columns that are summarised: those the registry gives a `SummaryConvention` (levels, times,
    /// AUCs and rates, without the λz regression's bookkeeping), in registry order.
    public static func summarisedColumns(_ options: NCAOptions) -> [NCAColumn] {
        NCARegistry.columns(for: options).filter { $0.summary != nil }
    }

    /// Reads `files`, runs the NCA per profile and summarises. Values are never pooled across files
    /// for one subject (`NCAAnalysis`). A dose column must hold a positive number for every subject.
    public func run(files: [URL]) throws(CohortAnalysisError) -> Output {
        var readSelection = selection
        var doseIndex: Int?
        if let doseColumn {
            if let i = selection.groups.firstIndex(of: doseColumn) {
                doseIndex = i
            } else {
                // Reading the dose as an extra group column attaches it to each profile.
                readSelection.groups.append(doseColumn)
                doseIndex = readSelection.groups.count - 1
            }
        }
        var nca: NCAAnalysis.Output
        do {
            var analysis = NCAAnalysis(selection: readSelection, options: options)
            analysis.invalidRows = invalidRows
            nca = try analysis.run(files: files)
        } catch {
            throw .data(error)
        }
        // The options as resolved to the times' unit: the windows' columns are named in it.
        let columns = Self.summarisedColumns(nca.options)
        let groupCount = selection.groups.count
        // Levels in different units are never pooled: with more than one unit (no unit counting as one) the
        // unit becomes the last grouping column, `unit` (docs/robustness.md). Dose–exposure needs one unit.
        let profileUnits = nca.profiles.map { $0.unit ?? "" }
        let stratifiedByUnit = Set(profileUnits).count > 1
        if stratifiedByUnit, doseColumn != nil, let first = profileUnits.first,
            let other = profileUnits.firstIndex(where: { $0 != first })
        {
            throw .summary(
                .mixedUnits(
                    first: Self.place(nca, 0), firstUnit: first,
                    second: Self.place(nca, other), secondUnit: profileUnits[other]))
        }
        let subjects = nca.results.enumerated().map { index, result in
            SubjectParameters(
                subject: result.subject,
                groups: Array(result.groups.prefix(groupCount)) + (stratifiedByUnit ? [profileUnits[index]] : []),
                values: columns.map { $0.cell(result).number },
                excluded: columns.map { !$0.excludedBy(result).isEmpty })
        }
        var summary: CohortSummary
        do {
            summary = try CohortSummary(
                groupColumns: selection.groups + (stratifiedByUnit ? ["unit"] : []),
                parameters: columns.map(\.name), subjects: subjects)
        } catch {
            throw .summary(error)
        }
        summary.timeUnit = nca.timeUnit
        if stratifiedByUnit {
            // The report groups the per-subject results by the summary's grouping columns.
            for index in nca.results.indices { nca.results[index].groups.insert(profileUnits[index], at: groupCount) }
        }
        var doseExposure: [(parameter: String, fit: PowerModelFit)]?
        var doseValues: [Double]?
        if let doseColumn, let doseIndex {
            var doses: [Double?] = []
            for (index, result) in nca.results.enumerated() {
                let cell = result.groups[doseIndex]
                // The number grammar of data cells (no hex, nan or inf).
                guard case .number(let dose) = NumberText.parse(cell), dose > 0 else {
                    // Named by the file and the profile's first line, where the dose cell is read.
                    let file =
                        nca.profileFiles.indices.contains(index) ? nca.ledgers[nca.profileFiles[index]].file : "input"
                    let line =
                        nca.profiles.indices.contains(index) ? nca.profiles[index].observations.map(\.line).min() : nil
                    throw .data(
                        DataError(
                            file: file, line: line, column: doseColumn,
                            message:
                                "\"\(MessageText.capped(cell))\" is not a positive number (a dose is needed for the power model); subject '\(MessageText.capped(result.subject))'"
                        ))
                }
                doses.append(dose)
            }
            let exposures = columns.enumerated().filter { $0.element.name == "cmax" || $0.element.unit == .auc }
            var fits: [(parameter: String, fit: PowerModelFit)] = []
            for (index, column) in exposures {
                do {
                    fits.append(
                        (
                            column.name,
                            try DoseExposure.powerModel(
                                doses: doses, exposures: subjects.map { $0.values[index] },
                                confidenceLevel: confidenceLevel)
                        ))
                } catch {
                    throw .fit(parameter: column.name, error)
                }
            }
            doseExposure = fits
            doseValues = doses.compactMap { $0 }
        }
        let units = Set(nca.profiles.compactMap(\.unit))
        return Output(
            nca: nca, summary: summary, doseExposure: doseExposure, unit: units.count == 1 ? units.first : nil,
            doses: doseValues, stratifiedByUnit: stratifiedByUnit)
    }

    /// `subject 'A' (file:line)` for the profile at `index`.
    private static func place(_ nca: NCAAnalysis.Output, _ index: Int) -> String {
        let profile = nca.profiles[index]
        let file =
            nca.ledgers.indices.contains(nca.profileFiles[index]) ? nca.ledgers[nca.profileFiles[index]].file : "?"
        let line = profile.observations.map(\.line).min() ?? 1
        return "subject '\(profile.subject)' (\(file):\(line))"
    }

}
