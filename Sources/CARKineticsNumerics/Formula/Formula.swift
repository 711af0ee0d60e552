/// A regression model written as text, such as `y = b1*(1-exp[-b2*x]) + e` or
/// `log[y] = b1 - b2*x1 * exp[-b3*x2]`, parsed once and bound to parameter and variable names for fitting.
///
/// The language:
/// - numbers (`2`, `1.5`, `.5`, `1e-3`, `2.5E+00`), the constant `pi`, and names of parameters and variables
///   (letters, digits and `_`, starting with a letter or `_`);
/// - `+ - * /`, unary `-` and `+`, and powers `**` or `^`, right-associative and binding tighter than unary
///   minus (`-x**2` is `-(x**2)`, `2**3**2` is `2**9`, `x**-2` is allowed);
/// - `( )` and `[ ]` as brackets (each closed by its own kind);
/// - the functions `exp`, `log` and `ln` (both the natural logarithm, as in the NIST StRD model files),
///   `sqrt`, `sin`, `cos`, `tan`, `arctan` and `atan` (the same function);
/// - a left side that is the response name or one function of it (`y`, `log[y]`, `ln(y)`, `sqrt(y)`):
///   ``BoundFormula/transformResponse(_:)`` applies it to observed responses;
/// - a trailing `+ e` error term, as NIST writes models, is ignored when `e` is a bare term at the end of the
///   top-level sum, appears nowhere else, and is not bound as a parameter or variable.
///
/// Function names and `pi` are reserved. There is no implicit multiplication.
public struct Formula: Sendable {
    /// The deepest nesting of brackets, unary signs and powers accepted; deeper input is rejected with
    /// ``FormulaError/Kind/tooDeep`` instead of exhausting the stack.
    public static let maximumDepth = 100

    /// The text as given.
    public let text: String
    /// The response name on the left side (`y` in `log[y] = ...`).
    public let response: String
    /// Right-side names (parameters and variables) in first-appearance order, without a recognised
    /// trailing error term.
    public let identifiers: [String]

    let responseTransform: FormulaFunction?
    /// Whether the left side is a function of the response, such as `log[y]`.
    package var transformsResponse: Bool { responseTransform != nil }
    /// The right side without the trailing error term.
    let body: FormulaNode
    /// The right side including the trailing `+ e`, when there is one, for when `e` is bound as a name.
    let bodyWithErrorTerm: FormulaNode?

    /// Parses `text`.
    /// - Throws: ``FormulaError`` with the column of the first problem (unexpected character or token,
    ///   unbalanced or mismatched bracket, unknown function, missing `=`, invalid left side, empty text,
    ///   nesting beyond ``maximumDepth``). Never traps, whatever the input.
    public init(parsing text: String) throws(FormulaError) {
        let tokens = try FormulaLexer.tokens(text)
        var parser = FormulaParser(tokens: tokens)
        let parsed = try parser.parseFormula()
        self.text = text
        self.response = parsed.response
        self.responseTransform = parsed.transform

        var body = parsed.body
        var withErrorTerm: FormulaNode?
        if case .chain(let first, let links) = parsed.body, let last = links.last, last.op == .add,
            case .identifier("e", _) = last.operand,
            tokens.count >= 2, tokens[tokens.count - 2].kind == .identifier("e")
        {
            let rest: FormulaNode = links.count == 1 ? first : .chain(first, Array(links.dropLast()))
            var restNames: [String] = []
            rest.collectIdentifiers(into: &restNames)
            if !restNames.contains("e") {
                body = rest
                withErrorTerm = parsed.body
            }
        }
        self.body = body
        self.bodyWithErrorTerm = withErrorTerm
        var names: [String] = []
        body.collectIdentifiers(into: &names)
        self.identifiers = names
    }

    /// Binds the right-side names to parameter and variable positions and compiles the formula into a
    /// flat instruction tape for fast evaluation with exact (reverse-mode automatic differentiation) gradients.
    ///
    /// Parameters that do not occur in the formula are allowed; their gradient component is zero.
    /// - Parameters:
    ///   - parameters: parameter names; gradients follow this order.
    ///   - variables: variable names; evaluation takes variable values in this order.
    /// - Throws: ``FormulaError`` for a right-side name that is neither (with its column), a name given
    ///   twice, or a reserved name (a function name or `pi`).
    public func bind(parameters: [String], variables: [String]) throws(FormulaError) -> BoundFormula {
        var seen = Set<String>()
        for name in parameters + variables {
            if FormulaFunction(rawValue: name) != nil || name == "pi" {
                throw FormulaError(
                    .invalidName, column: nil, "'\(name)' is reserved and cannot be a parameter or variable name")
            }
            if !seen.insert(name).inserted {
                throw FormulaError(
                    .invalidName, column: nil, "'\(name)' is given more than once as a parameter or variable name")
            }
        }
        let tree = (seen.contains("e") ? bodyWithErrorTerm : nil) ?? body
        var compiler = FormulaCompiler(parameters: parameters, variables: variables)
        let result = try compiler.compile(tree)
        return BoundFormula(
            parameterNames: parameters, variableNames: variables,
            responseTransform: responseTransform,
            instructions: compiler.finish(result: result))
    }
}
