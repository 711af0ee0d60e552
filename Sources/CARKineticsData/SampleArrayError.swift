/// Parallel arrays of samples handed to the library in memory (``Profile/init(subject:times:values:lloq:)``,
/// the fitters' `fit(times:values:)`) that cannot be read as one profile.
///
/// Positions are 0-based indices into the arrays as the caller passed them (before any sorting): there is no
/// file, so there are no line numbers.
public enum SampleArrayError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `times` and `values` differ in length; nothing is paired up or truncated.
    case lengthMismatch(times: Int, values: Int)
    /// A time that is NaN or infinite, at this index.
    case nonFiniteTime(index: Int, time: Double)
    /// A value that is NaN or infinite, at this index.
    case nonFiniteValue(index: Int, value: Double)
    /// A negative level, at this index.
    case negativeValue(index: Int, value: Double)
    /// Two samples at the same time, at these indices (`first` < `second`).
    case duplicateTime(time: Double, first: Int, second: Int)
    /// A limit of quantification that is negative, NaN or infinite.
    case invalidLLOQ(Double)

    /// What is wrong, naming the index (e.g. `values[3] is NaN; expected a finite level >= 0 or nil (BLQ)`).
    public var description: String {
        switch self {
        case .lengthMismatch(let times, let values):
            return "times has \(times) element\(times == 1 ? "" : "s") but values has \(values); "
                + "expected one value per time"
        case .nonFiniteTime(let index, let time):
            return "times[\(index)] is \(time); expected a finite time"
        case .nonFiniteValue(let index, let value):
            return "values[\(index)] is \(value); expected a finite level >= 0 or nil (below the LLOQ)"
        case .negativeValue(let index, let value):
            return "values[\(index)] is \(value); expected a level >= 0 or nil (below the LLOQ)"
        case .duplicateTime(let time, let first, let second):
            return "times[\(first)] and times[\(second)] are both \(time); expected one sample per time"
        case .invalidLLOQ(let lloq):
            return "lloq is \(lloq); expected a finite limit >= 0 or nil"
        }
    }
}
