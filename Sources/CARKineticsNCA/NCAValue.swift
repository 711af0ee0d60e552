import CARKineticsData
import CARKineticsNumerics

/// A parameter's value, or why it cannot be computed for this profile. Never thrown: a profile without a
/// terminal phase still has a Cmax.
public enum NCAValue: Sendable, Equatable {
    case value(Double)
    case notComputable(reason: String)

    /// The number, or nil when not computable.
    public var number: Double? {
        if case .value(let x) = self { return x }
        return nil
    }

    /// The reason, or nil when computable.
    public var reason: String? {
        if case .notComputable(let reason) = self { return reason }
        return nil
    }
}
