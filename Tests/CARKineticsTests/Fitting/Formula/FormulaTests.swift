import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// Evaluates `text` with the named parameter and variable values (parameters bound in dictionary-key order).
private func evaluate(
    _ text: String, parameters: KeyValuePairs<String, Double> = [:],
    variables: KeyValuePairs<String, Double> = [:]
) throws -> Double {
    let bound = try Formula(parsing: text).bind(parameters: parameters.map(\.key), variables: variables.map(\.key))
    let p = parameters.map(\.value)
    let v = variables.map(\.value)
    return p.withUnsafeBufferPointer { pb in
        v.withUnsafeBufferPointer { vb in bound.value(parameters: pb, variables: vb) }
    }
}

private func gradient(_ bound: BoundFormula, _ p: [Double], _ v: [Double]) -> (Double, [Double]) {
    var g = [Double](repeating: .nan, count: bound.parameterCount)
    let value = p.withUnsafeBufferPointer { pb in
        v.withUnsafeBufferPointer { vb in
            g.withUnsafeMutableBufferPointer { gb in bound.value(parameters: pb, variables: vb, gradient: gb) }
        }
    }
    return (value, g)
}

@Suite struct FormulaParsingTests {
    @Test(arguments: [
        ("y = 2 + 3*4", 14.0), ("y = (2 + 3)*4", 20), ("y = [2 + 3]*4", 20), ("y = 10 - 3 - 2", 5),
        ("y = 8/2/2", 2), ("y = 2**3**2", 512), ("y = 2^3^2", 512), ("y = -2**2", -4), ("y = (-2)**2", 4),
        ("y = 2**-1", 0.5), ("y = -+-3", 3), ("y = 1e-3*1000", 1), ("y = .5 + 2.5E+00", 3), ("y = 4**.5", 2),
        ("y = 2*-3", -6), ("y = pi", Double.pi), ("y = exp(1)", M_E), ("y = log(M)", 0), ("y = ln[1]", 0),
        ("y = sqrt(16)", 4), ("y = sin(pi/2)", 1), ("y = cos(0)", 1), ("y = tan(0)", 0), ("y = arctan(1)*4", Double.pi),
        ("y = atan[1]*4", Double.pi), ("y = 3 - 2*2**2/4", 1), ("y = (-3)**3", -27), ("y = 2*(3+(4-[1+1]))", 10),
    ])
    func constructs(text: String, expected: Double) throws {
        let value = try evaluate(text, variables: ["M": 1])
        #expect(isClose(value, expected, relative: 1e-15, absolute: 1e-15), "\(text) = \(value)")
    }

    @Test func namesAndLeftSide() throws {
        let formula = try Formula(parsing: "log[y] = b1 - b2*x1 * exp[-b3*x2]  +  e")
        #expect(formula.response == "y")
        #expect(formula.identifiers == ["b1", "b2", "x1", "b3", "x2"])
        let bound = try formula.bind(parameters: ["b1", "b2", "b3"], variables: ["x1", "x2"])
        #expect(bound.transformResponse(M_E * M_E) == 2)
        let (value, g) = gradient(bound, [2, 0.5, 0.1], [3, 4])
        let expectedExp = exp(-0.4)
        #expect(isClose(value, 2 - 1.5 * expectedExp, relative: 1e-15))
        #expect(isClose(g[0], 1, relative: 1e-15))
        #expect(isClose(g[1], -3 * expectedExp, relative: 1e-15))
        #expect(isClose(g[2], 0.5 * 3 * 4 * expectedExp, relative: 1e-15))
        #expect(try Formula(parsing: "sqrt(C) = k").bind(parameters: ["k"], variables: []).transformResponse(9) == 3)
        #expect(try Formula(parsing: "C = k").bind(parameters: ["k"], variables: []).transformResponse(9) == 9)
    }

    @Test func trailingErrorTerm() throws {
        #expect(try Formula(parsing: "y = b1*x + e").identifiers == ["b1", "x"])
        // A bound `e` is a name, and the term counts.
        #expect(try evaluate("y = b1*x + e", parameters: ["b1": 2, "e": 5], variables: ["x": 3]) == 11)
        // `e` used elsewhere is a name, so the last term is not an error term.
        #expect(try Formula(parsing: "y = e*x + e").identifiers == ["e", "x"])
        // Only a bare `+ e` at the end of the top-level sum is dropped.
        #expect(try Formula(parsing: "y = b1*x - e").identifiers == ["b1", "x", "e"])
        #expect(try Formula(parsing: "y = (b1*x + e)").identifiers == ["b1", "x", "e"])
        #expect(try Formula(parsing: "y = b1 + x*e").identifiers == ["b1", "x", "e"])
        #expect(throws: FormulaError.self) {
            try Formula(parsing: "y = b1*x - e").bind(parameters: ["b1"], variables: ["x"])
        }
    }

    @Test func integerPowersAreExact() throws {
        // x**10 against the product in extended precision (64-bit significand), rounded once: within one ulp.
        for x in [1.1, -8.781464495, 0.3333333333333333, 7.77] {
            var exact: Float80 = 1
            for _ in 0..<10 { exact *= Float80(x) }
            let value = try evaluate("y = x**10", variables: ["x": x])
            #expect(abs(Float80(value) - exact) <= Float80(value.ulp), "\(x)**10")
            let inverse = try evaluate("y = x**-3", variables: ["x": x])
            #expect(
                abs(Float80(inverse) - 1 / (Float80(x) * Float80(x) * Float80(x))) <= Float80(inverse.ulp), "\(x)**-3")
        }
        #expect(try evaluate("y = x**10", variables: ["x": 1e300]) == .infinity)
        #expect(try evaluate("y = x**-2", variables: ["x": 4]) == 0.0625)
        let bound = try Formula(parsing: "y = b**10").bind(parameters: ["b"], variables: [])
        let (v, g) = gradient(bound, [-2], [])
        #expect(v == 1024 && g == [-5120])
    }

    @Test func unusedParameterHasZeroGradient() throws {
        let bound = try Formula(parsing: "y = a*x").bind(parameters: ["a", "unused"], variables: ["x"])
        let (value, g) = gradient(bound, [3, 7], [2])
        #expect(value == 6 && g == [2, 0])
        // Parameter indices beyond the tape's length (a one-instruction tape reading parameter 5).
        let single = try Formula(parsing: "y = f").bind(parameters: ["a", "b", "c", "d", "e", "f"], variables: [])
        let (v, h) = gradient(single, [1, 2, 3, 4, 5, 6], [])
        #expect(v == 6 && h == [0, 0, 0, 0, 0, 1])
    }

    @Test(arguments: [
        ("", FormulaError.Kind.empty, nil as Int?, "formula: the formula is empty"),
        ("   ", .empty, nil, "formula: the formula is empty"),
        ("b1*x", .missingEquals, nil, "expected '='"),
        (
            "y = exp(-(b2*x]", .unbalancedBracket, 15,
            "formula: column 15: expected ')' to close '(' opened at column 10 but found ']'"
        ),
        (
            "y = b1*(1-exp(-b2*x)", .unbalancedBracket, 21,
            "expected ')' to close '(' opened at column 8 but found the end of the formula"
        ),
        ("y = b1)", .unbalancedBracket, 7, "found ')' with no matching opening bracket"),
        ("y = foo(x)", .unknownFunction, 5, "unknown function 'foo'"),
        ("y = exp*x", .unexpectedToken, 8, "expected '(' or '[' after function 'exp'"),
        ("y = b1 x", .unexpectedToken, 8, "expected an operator or the end of the formula but found 'x'"),
        ("y = b1 *", .unexpectedToken, 9, "expected a number, a name or an opening bracket but the formula ended"),
        ("y = b1 $ x", .unexpectedCharacter, 8, "unexpected character '$'"),
        ("y = 1e999", .invalidNumber, 5, "number '1e999'"),
        ("2*y = b1", .invalidLeftSide, 1, "left side"),
        ("y x = b1", .invalidLeftSide, 3, "expected '=' after the left side"),
        ("y = b1 = 2", .unexpectedToken, 8, "found '='"),
        ("y = * b1", .unexpectedToken, 5, "expected a number"),
        ("y = b1*x**", .unexpectedToken, 11, "the formula ended"),
        ("y = ()", .unexpectedToken, 6, "found ')'"),
    ])
    func parseErrors(text: String, kind: FormulaError.Kind, column: Int?, message: String) {
        do {
            _ = try Formula(parsing: text)
            Issue.record("\(text) parsed")
        } catch {
            #expect(error.kind == kind, "\(text): \(error)")
            #expect(error.column == column, "\(text): \(error)")
            #expect(error.description.contains(message), "\(text): \(error)")
        }
    }

    @Test func bindErrors() throws {
        let formula = try Formula(parsing: "y = b1*(1-exp[-k2*x])")
        do {
            _ = try formula.bind(parameters: ["b1", "b2"], variables: ["x"])
            Issue.record("bound with unknown k2")
        } catch {
            #expect(error.kind == .unknownIdentifier && error.column == 16)
            #expect(
                error.description == "formula: column 16: unknown name 'k2': it is neither a parameter nor a variable")
        }
        #expect(
            throws: FormulaError(
                .invalidName, column: nil, "'x' is given more than once as a parameter or variable name")
        ) {
            try formula.bind(parameters: ["b1", "x"], variables: ["x"])
        }
        #expect(throws: FormulaError.self) { try formula.bind(parameters: ["b1", "exp"], variables: ["x"]) }
    }

    @Test func nestingIsBounded() throws {
        let deep = String(repeating: "(", count: 10_000) + "x" + String(repeating: ")", count: 10_000)
        #expect(throws: FormulaError.self) { try Formula(parsing: "y = " + deep) }
        #expect(throws: FormulaError.self) {
            try Formula(parsing: "y = " + String(repeating: "-", count: 10_000) + "x")
        }
        #expect(throws: FormulaError.self) {
            try Formula(parsing: "y = " + Array(repeating: "x", count: 5_000).joined(separator: "**"))
        }
        let fine = String(repeating: "(", count: 50) + "x" + String(repeating: ")", count: 50)
        #expect(try evaluate("y = " + fine, variables: ["x": 2]) == 2)
        // Long sums are flat chains, not deep trees.
        let sum = "y = " + Array(repeating: "x", count: 20_000).joined(separator: " + ")
        #expect(try evaluate(sum, variables: ["x": 0.5]) == 10_000)
    }

    @Test func garbageNeverCrashes() {
        var generator = SplitMix(seed: 42)
        let alphabet = Array("y=xb1e2.()[]*^/+-  E9logexpsqrt\u{00e9}#,")
        let seeds = [
            "y = b1*(1-exp[-b2*x])  +  e", "log[y] = b1 - b2*x1 * exp[-b3*x2]",
            "y = (b1/b2) * exp[-0.5*((x-b3)/b2)**2]",
        ]
        var parsed = 0
        for trial in 0..<3_000 {
            var chars: [Character]
            if trial % 2 == 0 {
                chars = (0..<Int(generator.next() % 40)).map { _ in
                    alphabet[Int(generator.next() % UInt64(alphabet.count))]
                }
            } else {
                chars = Array(seeds[trial % 3])
                for _ in 0..<3 where !chars.isEmpty {
                    let at = Int(generator.next() % UInt64(chars.count))
                    chars[at] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                }
            }
            if let formula = try? Formula(parsing: String(chars)),
                let bound = try? formula.bind(
                    parameters: ["u1", "u2", "u3"]
                        + formula.identifiers.filter { !["x", "u1", "u2", "u3"].contains($0) },
                    variables: ["x"])
            {
                parsed += 1
                let p = [Double](repeating: 0.7, count: bound.parameterCount)
                _ = gradient(bound, p, [1.3])
            }
        }
        #expect(parsed > 0)
    }
}

/// A small deterministic generator (SplitMix64) so randomized tests repeat exactly.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
