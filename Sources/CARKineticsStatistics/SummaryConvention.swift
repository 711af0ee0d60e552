import CARKineticsNumerics
import CARKineticsData
import CARKineticsNCA
import CARKineticsModels

/// Which statistic the conventional (human-readable) summary layout shows for a parameter
/// (domain reference §7, PKNCA defaults and product labels).
public enum SummaryConvention: Sendable, Equatable {
    /// Geometric mean (geometric CV%): concentrations and exposures (Cmax, Clast, AUCs).
    case geometricMean
    /// Median (min–max): times (Tmax, Tlast, Tbql, Tlag).
    case medianRange
    /// Arithmetic mean (SD): everything else, e.g. half-life, λz diagnostics, % AUC extrapolated.
    case arithmeticMean

    /// The convention for an NCA output column name such as `cmax`, `auc_0_28` or `tmax`.
    public init(parameter: String) {
        let name = parameter.lowercased()
        let isPercentage = ["pct", "pext", "percent"].contains(where: { name.contains($0) })
        if isPercentage {
            self = .arithmeticMean
        } else if name.hasPrefix("cmax") || name.hasPrefix("clast") || name.hasPrefix("auc") {
            self = .geometricMean
        } else if ["tmax", "tlast", "tbql", "tlag"].contains(where: { name.hasPrefix($0) }) {
            self = .medianRange
        } else {
            self = .arithmeticMean
        }
    }

    /// The label of the statistic as shown in tables.
    public var label: String {
        switch self {
        case .geometricMean: "geometric mean (geometric CV%)"
        case .medianRange: "median (min–max)"
        case .arithmeticMean: "mean (SD)"
        }
    }
}
