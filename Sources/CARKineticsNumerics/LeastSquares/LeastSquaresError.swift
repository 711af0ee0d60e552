/// Why a linear least-squares problem could not be solved. Indices are zero-based in the payload and
/// shown one-based in ``description``.
public enum LeastSquaresError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The design has no rows or no columns.
    case emptyProblem(rows: Int, columns: Int)
    /// The response does not have one value per design row.
    case dimensionMismatch(designRows: Int, responseCount: Int)
    /// A design entry is NaN or infinite.
    case nonFiniteDesign(row: Int, column: Int)
    /// A response value is NaN or infinite.
    case nonFiniteResponse(row: Int)
    /// An option is out of its documented range.
    case invalidOption(String)
    /// The LAPACK layer failed (a bug or resource problem rather than bad data; see ``LAPACKError``).
    case lapack(LAPACKError)

    /// A one-line message for users, with one-based row and column numbers.
    public var description: String {
        switch self {
        case .emptyProblem(let rows, let columns):
            return "least-squares problem is empty: design is \(rows)×\(columns), needs at least one row and one column"
        case .dimensionMismatch(let designRows, let responseCount):
            return "design has \(designRows) rows but the response has \(responseCount) values"
        case .nonFiniteDesign(let row, let column):
            return "design entry at row \(row + 1), column \(column + 1) is not a finite number"
        case .nonFiniteResponse(let row):
            return "response value at row \(row + 1) is not a finite number"
        case .invalidOption(let message):
            return "invalid least-squares option: \(message)"
        case .lapack(let error):
            return error.description
        }
    }
}
