/// Why ``FormulaFit`` could not start a fit: the formula or the data are unusable. (A fit that starts but
/// does not converge is not an error; see ``NonlinearFit/termination``.)
public enum FormulaFitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The formula text did not parse or bind.
    case formula(FormulaError)
    /// The start vector's length differs from the number of parameters.
    case startCount(expected: Int, actual: Int)
    /// The number of variable columns differs from the number of bound variables.
    case variableCount(expected: Int, actual: Int)
    /// A variable column's length differs from the number of responses.
    case variableLength(variable: String, expected: Int, actual: Int)
    /// A variable value is NaN or infinite (observation is 1-based).
    case nonFiniteVariable(variable: String, observation: Int)
    /// A response is NaN or infinite after the left side's transform, e.g. `log[y]` of `y <= 0`
    /// (observation is 1-based).
    case nonFiniteResponse(observation: Int, value: Double)

    /// The message as shown to users.
    public var description: String {
        switch self {
        case .formula(let error): return error.description
        case .startCount(let expected, let actual):
            return "formula fit: \(actual) start values given for \(expected) parameters"
        case .variableCount(let expected, let actual):
            return "formula fit: \(actual) variable columns given for \(expected) variables"
        case .variableLength(let variable, let expected, let actual):
            return "formula fit: variable '\(variable)' has \(actual) values but there are \(expected) responses"
        case .nonFiniteVariable(let variable, let observation):
            return "formula fit: variable '\(variable)' is not a finite number at observation \(observation)"
        case .nonFiniteResponse(let observation, let value):
            return
                "formula fit: response \(value) at observation \(observation) is not finite after the left side's transform"
        }
    }
}
