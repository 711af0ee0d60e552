/// Why a summary could not be computed from its input.
public enum SummaryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A subject's row does not have one value per parameter.
    case valueCountMismatch(subject: String, expected: Int, found: Int)
    /// A subject's row does not have one value per grouping column.
    case groupCountMismatch(subject: String, expected: Int, found: Int)
    /// A parameter value is NaN or infinite: an upstream defect that a summary must not hide.
    case nonFiniteValue(subject: String, parameter: String, value: Double)
    /// A grouping column has the name of one of the summary's own columns.
    case groupColumnNameClash(String)

    /// A one-line message for users, naming the subject.
    public var description: String {
        switch self {
        case let .valueCountMismatch(subject, expected, found):
            "subject \(subject): expected \(expected) parameter values, found \(found)"
        case let .groupCountMismatch(subject, expected, found):
            "subject \(subject): expected \(expected) group values, found \(found)"
        case let .nonFiniteValue(subject, parameter, value):
            "subject \(subject): parameter \(parameter) is \(value); summaries need finite values or missing"
        case let .groupColumnNameClash(name):
            "group column '\(name)' has the name of a summary column; rename it in the input"
        }
    }
}
