import Foundation

/// A NIST StRD nonlinear regression problem read from its `.dat` file (test-side reader, independent of the
/// library's own so the library is not checked against itself).
struct NISTNonlinearProblem {
    var name: String
    var start1: [Double]
    var start2: [Double]
    var certifiedParameters: [Double]
    var certifiedStandardDeviations: [Double]
    var certifiedSSR: Double
    var certifiedResidualSD: Double
    /// Response column (first data column).
    var y: [Double]
    /// Predictor rows, `variableCount` values each.
    var x: [[Double]]

    init(name: String) throws {
        self.name = name
        let lines = try fixtureText("nist/nonlinear/\(name).dat")
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func lineRange(_ key: String) throws -> ClosedRange<Int> {
            guard let line = lines.first(where: { $0.contains(key) && $0.contains("(lines") }) else {
                throw NISTParseError.missing("\(name): no '\(key)' line range")
            }
            let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            guard numbers.count >= 2 else { throw NISTParseError.missing("\(name): bad range in '\(line)'") }
            return numbers[numbers.count - 2]...numbers[numbers.count - 1]
        }
        func doubles(_ text: Substring) -> [Double] {
            text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).compactMap { Double($0) }
        }
        start1 = []
        start2 = []
        certifiedParameters = []
        certifiedStandardDeviations = []
        for index in try lineRange("Starting Values") {
            let line = lines[index - 1]
            guard let equals = line.firstIndex(of: "=") else { throw NISTParseError.missing("\(name): line \(index)") }
            let values = doubles(line[line.index(after: equals)...])
            guard values.count == 4 else {
                throw NISTParseError.missing("\(name): line \(index) has \(values.count) values")
            }
            start1.append(values[0])
            start2.append(values[1])
            certifiedParameters.append(values[2])
            certifiedStandardDeviations.append(values[3])
        }
        func certified(_ key: String) throws -> Double {
            guard let line = lines.first(where: { $0.hasPrefix(key) }),
                let value = doubles(line[line.index(line.startIndex, offsetBy: key.count)...]).first
            else {
                throw NISTParseError.missing("\(name): no '\(key)'")
            }
            return value
        }
        certifiedSSR = try certified("Residual Sum of Squares:")
        certifiedResidualSD = try certified("Residual Standard Deviation:")
        y = []
        x = []
        for index in try lineRange("Data") {
            let values = doubles(lines[index - 1][...])
            guard values.count >= 2 else { throw NISTParseError.missing("\(name): data line \(index)") }
            y.append(values[0])
            x.append(Array(values.dropFirst()))
        }
    }
}

enum NISTParseError: Error { case missing(String) }

/// NIST's log relative error: the number of correct significant digits of `estimate` against `certified`
/// (absolute digits when the certified value is zero), capped at 15.
func logRelativeError(_ estimate: Double, _ certified: Double) -> Double {
    guard estimate.isFinite else { return 0 }
    if estimate == certified { return 15 }
    let error = certified == 0 ? abs(estimate) : abs(estimate - certified) / abs(certified)
    return min(15, max(0, -log10(error)))
}
