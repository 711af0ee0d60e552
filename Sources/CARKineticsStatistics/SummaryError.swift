import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics

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
    /// A subject's dose cell is not a positive number.
    case invalidDose(subject: String, column: String, value: String)
    /// Dose–exposure over profiles whose levels are in different units (`first`/`second` name a subject and
    /// its file:line); a power model pooled over units would be meaningless.
    case mixedUnits(first: String, firstUnit: String, second: String, secondUnit: String)

    /// A one-line message for users, naming the subject.
    public var description: String {
        switch self {
        case .valueCountMismatch(let subject, let expected, let found):
            "subject \(subject): expected \(expected) parameter values, found \(found)"
        case .groupCountMismatch(let subject, let expected, let found):
            "subject \(subject): expected \(expected) group values, found \(found)"
        case .nonFiniteValue(let subject, let parameter, let value):
            "subject \(subject): parameter \(parameter) is \(value); summaries need finite values or missing"
        case .groupColumnNameClash(let name):
            "group column '\(name)' has the name of a summary column; rename it in the input"
        case .invalidDose(let subject, let column, let value):
            "subject \(subject): column '\(column)': \"\(value)\" is not a positive number (a dose is needed for the power model)"
        case .mixedUnits(let first, let firstUnit, let second, let secondUnit):
            "dose–exposure needs one unit of the levels: \(first) is in '\(firstUnit)', \(second) in '\(secondUnit)'; analyse each unit separately"
        }
    }
}
