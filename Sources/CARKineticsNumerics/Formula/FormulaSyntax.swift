import Foundation

/// A function of the formula language. `log` and `ln` are both the natural logarithm (NIST StRD
/// convention); `atan` and `arctan` are the same function.
enum FormulaFunction: String, CaseIterable, Sendable {
    case exp, log, ln, sqrt, sin, cos, tan, arctan, atan

    static let names = allCases.map(\.rawValue).joined(separator: ", ")

    func apply(_ x: Double) -> Double {
        switch self {
        case .exp: return Foundation.exp(x)
        case .log, .ln: return Foundation.log(x)
        case .sqrt: return x.squareRoot()
        case .sin: return Foundation.sin(x)
        case .cos: return Foundation.cos(x)
        case .tan: return Foundation.tan(x)
        case .arctan, .atan: return Foundation.atan(x)
        }
    }
}

enum FormulaBinaryOperator: Sendable, Equatable {
    case add, subtract, multiply, divide
}

/// One `op operand` step of a left-associative chain such as `a - b + c` or `a * b / c`.
struct FormulaLink: Sendable {
    var op: FormulaBinaryOperator
    var operand: FormulaNode
}

/// The right side of a parsed formula. Identifiers keep their column for bind-time errors.
/// Sums and products are stored as flat chains, so a long polynomial does not make the tree deep: tree
/// depth equals bracket/operator nesting, which the parser bounds.
indirect enum FormulaNode: Sendable {
    case number(Double)
    case identifier(String, column: Int)
    case negate(FormulaNode)
    case chain(FormulaNode, [FormulaLink])
    case power(FormulaNode, FormulaNode)
    case call(FormulaFunction, FormulaNode)

    /// Identifier names in first-appearance (left-to-right) order, without repeats.
    func collectIdentifiers(into names: inout [String]) {
        switch self {
        case .number: return
        case .identifier(let name, _): if !names.contains(name) { names.append(name) }
        case .negate(let operand), .call(_, let operand): operand.collectIdentifiers(into: &names)
        case .chain(let first, let links):
            first.collectIdentifiers(into: &names)
            for link in links { link.operand.collectIdentifiers(into: &names) }
        case .power(let base, let exponent):
            base.collectIdentifiers(into: &names)
            exponent.collectIdentifiers(into: &names)
        }
    }
}
