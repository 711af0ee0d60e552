/// One lexical token of a formula, with the 1-based column of its first character.
struct FormulaToken: Equatable {
    enum Kind: Equatable {
        case number(Double)
        case identifier(String)
        case plus, minus, star, slash, power // `**` and `^` both lex to `power`
        case open(Character) // `(` or `[`
        case close(Character) // `)` or `]`
        case equals
        case end
    }

    var kind: Kind
    var column: Int
    /// The source text of the token, for messages.
    var text: String
}

/// Splits formula text into tokens. Numbers accept `12`, `1.5`, `.5`, `1e-3`, `2.5E+00`; a letter `e`
/// after a number is an exponent only when a digit (optionally after a sign) follows, so `2*e` stays a name.
enum FormulaLexer {
    static func tokens(_ text: String) throws(FormulaError) -> [FormulaToken] {
        let chars = Array(text)
        var tokens: [FormulaToken] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            let column = i + 1
            if c.isWhitespace {
                i += 1
                continue
            }
            if isDigit(c) || (c == "." && i + 1 < chars.count && isDigit(chars[i + 1])) {
                let start = i
                while i < chars.count, isDigit(chars[i]) { i += 1 }
                if i < chars.count, chars[i] == "." {
                    i += 1
                    while i < chars.count, isDigit(chars[i]) { i += 1 }
                }
                if i < chars.count, chars[i] == "e" || chars[i] == "E" {
                    var j = i + 1
                    if j < chars.count, chars[j] == "+" || chars[j] == "-" { j += 1 }
                    if j < chars.count, isDigit(chars[j]) {
                        i = j
                        while i < chars.count, isDigit(chars[i]) { i += 1 }
                    }
                }
                let literal = String(chars[start..<i])
                guard let value = Double(literal), value.isFinite else {
                    throw FormulaError(.invalidNumber, column: column, "number '\(literal)' is not a finite double")
                }
                tokens.append(FormulaToken(kind: .number(value), column: column, text: literal))
                continue
            }
            if isIdentifierStart(c) {
                let start = i
                while i < chars.count, isIdentifierStart(chars[i]) || isDigit(chars[i]) { i += 1 }
                let name = String(chars[start..<i])
                tokens.append(FormulaToken(kind: .identifier(name), column: column, text: name))
                continue
            }
            let kind: FormulaToken.Kind
            var length = 1
            switch c {
            case "+": kind = .plus
            case "-": kind = .minus
            case "*":
                if i + 1 < chars.count, chars[i + 1] == "*" {
                    kind = .power
                    length = 2
                } else {
                    kind = .star
                }
            case "/": kind = .slash
            case "^": kind = .power
            case "(", "[": kind = .open(c)
            case ")", "]": kind = .close(c)
            case "=": kind = .equals
            default:
                throw FormulaError(.unexpectedCharacter, column: column, "unexpected character '\(c)'")
            }
            tokens.append(FormulaToken(kind: kind, column: column, text: String(chars[i..<(i + length)])))
            i += length
        }
        tokens.append(FormulaToken(kind: .end, column: chars.count + 1, text: "end of formula"))
        return tokens
    }

    private static func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
    private static func isIdentifierStart(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c == "_") }
}
