/// Recursive-descent parser for the formula language.
///
/// Grammar (lowest to highest precedence):
/// ```
/// formula  = side "=" sum
/// side     = name | function open name close
/// sum      = product { ("+" | "-") product }
/// product  = unary { ("*" | "/") unary }
/// unary    = ("-" | "+") unary | power
/// power    = primary [ ("**" | "^") unary ]      // right-associative; -x**2 = -(x**2); x**-2 allowed
/// primary  = number | "pi" | name | function open sum close | open sum close
/// ```
/// `open`/`close` are `(`/`)` or `[`/`]`, and a bracket must be closed by its own kind.
struct FormulaParser {
    private let tokens: [FormulaToken]
    private var index = 0
    private var nesting = 0

    init(tokens: [FormulaToken]) { self.tokens = tokens }

    private var current: FormulaToken { tokens[index] }

    /// Parses the whole formula: the response name, its transform and the right side.
    mutating func parseFormula() throws(FormulaError) -> (
        response: String, responseColumn: Int,
        transform: FormulaFunction?, body: FormulaNode
    ) {
        if current.kind == .end { throw FormulaError(.empty, column: nil, "the formula is empty") }
        guard tokens.contains(where: { $0.kind == .equals }) else {
            throw FormulaError(
                .missingEquals, column: nil,
                "expected '=' between the response and the model, as in 'y = b1*x'")
        }
        let (response, responseColumn, transform) = try parseLeftSide()
        guard current.kind == .equals else {
            throw FormulaError(
                .invalidLeftSide, column: current.column,
                "expected '=' after the left side but found '\(current.text)'; the left side must be the response name or one function of it, such as 'log[y]'"
            )
        }
        index += 1
        let body = try parseSum()
        if case .close(let bracket) = current.kind {
            throw FormulaError(
                .unbalancedBracket, column: current.column,
                "found '\(bracket)' with no matching opening bracket")
        }
        guard current.kind == .end else { throw unexpected("an operator or the end of the formula") }
        return (response, responseColumn, transform, body)
    }

    private mutating func parseLeftSide() throws(FormulaError) -> (String, Int, FormulaFunction?) {
        let invalid = FormulaError(
            .invalidLeftSide, column: current.column,
            "the left side must be the response name or one function of it, such as 'log[y]'")
        guard case .identifier(let name) = current.kind else { throw invalid }
        let nameColumn = current.column
        index += 1
        guard case .open(let bracket) = current.kind else { return (name, nameColumn, nil) }
        guard let function = FormulaFunction(rawValue: name) else {
            throw FormulaError(
                .unknownFunction, column: nameColumn,
                "unknown function '\(name)' (known: \(FormulaFunction.names))")
        }
        let openColumn = current.column
        index += 1
        guard case .identifier(let response) = current.kind else { throw invalid }
        let responseColumn = current.column
        index += 1
        try expectClose(bracket, openedAt: openColumn)
        return (response, responseColumn, function)
    }

    private mutating func parseSum() throws(FormulaError) -> FormulaNode {
        let first = try parseProduct()
        var links: [FormulaLink] = []
        while true {
            let op: FormulaBinaryOperator
            switch current.kind {
            case .plus: op = .add
            case .minus: op = .subtract
            default: return links.isEmpty ? first : .chain(first, links)
            }
            index += 1
            links.append(FormulaLink(op: op, operand: try parseProduct()))
        }
    }

    private mutating func parseProduct() throws(FormulaError) -> FormulaNode {
        let first = try parseUnary()
        var links: [FormulaLink] = []
        while true {
            let op: FormulaBinaryOperator
            switch current.kind {
            case .star: op = .multiply
            case .slash: op = .divide
            default: return links.isEmpty ? first : .chain(first, links)
            }
            index += 1
            links.append(FormulaLink(op: op, operand: try parseUnary()))
        }
    }

    /// Every recursion of the parser passes through here, so this is where nesting is bounded.
    private mutating func parseUnary() throws(FormulaError) -> FormulaNode {
        nesting += 1
        defer { nesting -= 1 }
        if nesting > Formula.maximumDepth {
            throw FormulaError(
                .tooDeep, column: current.column,
                "the formula nests deeper than \(Formula.maximumDepth) levels")
        }
        switch current.kind {
        case .minus:
            index += 1
            return .negate(try parseUnary())
        case .plus:
            index += 1
            return try parseUnary()
        default:
            let base = try parsePrimary()
            guard current.kind == .power else { return base }
            index += 1
            return .power(base, try parseUnary())
        }
    }

    private mutating func parsePrimary() throws(FormulaError) -> FormulaNode {
        let token = current
        switch token.kind {
        case .number(let value):
            index += 1
            return .number(value)
        case .identifier(let name):
            index += 1
            let function = FormulaFunction(rawValue: name)
            if case .open(let bracket) = current.kind {
                guard let function else {
                    throw FormulaError(
                        .unknownFunction, column: token.column,
                        "unknown function '\(name)' (known: \(FormulaFunction.names))")
                }
                let openColumn = current.column
                index += 1
                let argument = try parseSum()
                try expectClose(bracket, openedAt: openColumn)
                return .call(function, argument)
            }
            if function != nil {
                throw FormulaError(
                    .unexpectedToken, column: current.column,
                    "expected '(' or '[' after function '\(name)' but found '\(current.text)'")
            }
            if name == "pi" { return .number(Double.pi) }
            return .identifier(name, column: token.column)
        case .open(let bracket):
            index += 1
            let inner = try parseSum()
            try expectClose(bracket, openedAt: token.column)
            return inner
        default:
            throw unexpected("a number, a name or an opening bracket")
        }
    }

    private mutating func expectClose(_ bracket: Character, openedAt column: Int) throws(FormulaError) {
        let closing: Character = bracket == "(" ? ")" : "]"
        guard current.kind == .close(closing) else {
            let found = current.kind == .end ? "the end of the formula" : "'\(current.text)'"
            throw FormulaError(
                .unbalancedBracket, column: current.column,
                "expected '\(closing)' to close '\(bracket)' opened at column \(column) but found \(found)")
        }
        index += 1
    }

    private func unexpected(_ expected: String) -> FormulaError {
        let token = current
        switch token.kind {
        case .end:
            return FormulaError(
                .unexpectedToken, column: token.column,
                "expected \(expected) but the formula ended")
        default:
            return FormulaError(
                .unexpectedToken, column: token.column,
                "expected \(expected) but found '\(token.text)'")
        }
    }
}
