import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics
import Foundation

extension CohortReport {
    /// The methods section: provenance (when given) and the rules the numbers follow.
    static func methodsBlocks(
        _ output: CohortAnalysis.Output, options: NCAOptions, fits: [SubjectFit]?, settings: Settings
    ) -> [Report.Block] {
        let time = TimeUnitText(output.nca.timeUnit, assumed: output.nca.timeUnitAssumed)
        var blocks: [Report.Block] = [.heading("Methods", level: 2)]
        if let provenance = settings.provenance {
            var facts: [(label: String, value: String)] = [
                ("Software", "pkfit \(provenance.version) (CARKinetics)"),
                ("Report made", provenance.date),
            ]
            if let command = provenance.commandLine { facts.append(("Command line", command)) }
            blocks.append(.facts(facts))
            blocks.append(.table(inputTable(provenance.inputs), caption: "Input files as read"))
        }
        let rule = options.blqRule
        let windows = options.resolvedIntervals.map {
            "\(AUCInterval.format($0.start))–\(AUCInterval.format($0.end))"
        }.joined(separator: ", ")
        blocks.append(.heading("Rules applied", level: 3))
        var rules: [(label: String, value: String)] = [
            (
                "NCA",
                "Per profile, after dropping missing values and sorting by time. C(0) = the level observed at 0, else the last pre-infusion level carried to 0 (BLQ → 0), else 0. Cmax = the largest level, Tmax = the first time it occurs; Clast, Tlast = the last quantifiable level and its time. AUC by the \(options.aucMethod == .linear ? "linear trapezoid" : "linear-up/log-down trapezoid (log on falling segments with both ends > 0)"); AUClast from 0 to Tlast; partial AUCs over the windows \(windows) \(time.plural), stopping at Tlast (nothing extrapolated in the report's tables)."
            ),
            (
                "λz",
                "Unweighted regression of ln C on t over the last k ≥ 3 quantifiable points strictly after Tmax; fits with λz > 0 are kept, the largest adjusted R² wins, and among fits within 1e-4 of it the one with the most points (or the points chosen by hand with --lambda-z-points, with their reason). t½ = ln 2/λz. Accepted when R² ≥ \(AUCInterval.format(options.lambdaZMinimumR2)) and span ratio ≥ \(AUCInterval.format(options.lambdaZMinimumSpanRatio)); AUCinf when λz is and at most \(AUCInterval.format(options.aucinfMaximumPercentExtrapolated))% of it is extrapolated. Values that fail are shown per subject and left out of the statistics (counted as excluded)."
            ),
            (
                "BLQ",
                "Before the first quantifiable level: \(describe(rule.first)); between the first and last: \(describe(rule.middle)); after the last: \(describe(rule.last)). Below-LLOQ cells: BLQ, BQL, ND, NQ, <LLOQ, <x."
            ),
            (
                "Summaries",
                "Geometric mean and geometric CV% for levels and AUCs (values > 0), median and range for times, mean and SD otherwise; quartiles by R type 7."
            ),
            (
                "Group order",
                settings.groupOrder.explicit.isEmpty
                    ? "Numeric-aware: numbers by value, other names with their digit runs compared as numbers."
                    : "As given: \(settings.groupOrder.explicit.joined(separator: ", ")); any others after them, numeric-aware."
            ),
        ]
        if let fits {
            let models = Set(fits.map(\.fit.model)).sorted().joined(separator: ", ")
            rules.append(
                (
                    "Model fits",
                    "Per subject, least squares on ln C over the quantifiable samples at t ≥ 0 (models: \(models)); multi-start with boundary sub-models (β → 0, fb → 0). Values at a boundary are printed as the fit table gives them."
                ))
        }
        blocks.append(.facts(rules))
        return blocks
    }

    private static func describe(_ treatment: BLQTreatment) -> String {
        switch treatment {
        case .keep: "set to 0"
        case .drop: "dropped"
        }
    }

    /// One row per input: name, size in bytes and SHA-256.
    static func inputTable(_ inputs: [Provenance.Input]) -> ResultTable {
        ResultTable(
            columns: ["File", "Size (bytes)", "SHA-256"],
            rows: inputs.map { [.text($0.name), .integer($0.size), .text($0.sha256)] })
    }
}

extension CohortReport {
    /// Each profile's nominal times from `column` (one per observation, nil where the row has none), read from
    /// the same files with `column` as the time column and invalid rows skipped, matched to the analysis'
    /// observations by file and line. Throws when the column cannot be read (e.g. the files do not have it).
    public static func nominalTimes(
        of output: CohortAnalysis.Output, files: [URL], selection: ColumnSelection, column: String
    ) throws(DataError) -> [[Double?]] {
        var nominal = selection
        nominal.time = column
        let reader = ProfileReader(selection: nominal, invalidRows: .skip)
        var byFile: [[Int: Double]] = []
        for file in files {
            var lines: [Int: Double] = [:]
            for profile in try reader.read(contentsOf: file).profiles {
                for observation in profile.observations { lines[observation.line] = observation.time }
            }
            byFile.append(lines)
        }
        return output.nca.profiles.indices.map { index in
            let file = output.nca.profileFiles.indices.contains(index) ? output.nca.profileFiles[index] : 0
            let lines = byFile.indices.contains(file) ? byFile[file] : [:]
            return output.nca.profiles[index].observations.map { lines[$0.line] }
        }
    }
}
