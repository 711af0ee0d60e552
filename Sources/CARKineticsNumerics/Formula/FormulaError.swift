/// Why a model formula could not be parsed or bound, with the 1-based column (character position in the
/// formula text) where the problem was found.
///
/// ``description`` reads like `formula: column 12: expected ')' to close '(' opened at column 5`.
public struct FormulaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The category of the problem, for callers that react to some of them.
    public enum Kind: Sendable, Equatable {
        /// The text has nothing but white space.
        case empty
        /// No `=` separates the response from the model.
        case missingEquals
        /// A character that is not part of the formula language.
        case unexpectedCharacter
        /// A token that cannot appear where it was found.
        case unexpectedToken
        /// A bracket without its partner, or closed by the other kind.
        case unbalancedBracket
        /// A number that does not fit a `Double`.
        case invalidNumber
        /// A name followed by `(` that is not one of the supported functions.
        case unknownFunction
        /// A right-side name that is neither a bound parameter nor a bound variable.
        case unknownIdentifier
        /// The left side is not the response or one function of it.
        case invalidLeftSide
        /// A name given twice to ``Formula/bind(parameters:variables:)``, or one that is reserved.
        case invalidName
        /// Nesting deeper than ``Formula/maximumDepth``.
        case tooDeep
    }

    /// The category of the problem.
    public var kind: Kind
    /// The 1-based column in the formula text, or nil when the problem has no single position.
    public var column: Int?
    /// What was expected or what is wrong, without the `formula: column N:` prefix.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, column: Int?, _ message: String) {
        self.kind = kind
        self.column = column
        self.message = message
    }

    /// The message as shown to users.
    public var description: String {
        if let column { return "formula: column \(column): \(message)" }
        return "formula: \(message)"
    }
}
