import Foundation

/// A NIST StRD linear regression file, read independently of the library (tests only).
struct NISTLinearProblem {
    var name: String
    /// Certified parameter estimates and their standard deviations, in file order (B0/B1…).
    var certified: [(name: String, value: Double, standardDeviation: Double)]
    var residualStandardDeviation: Double
    var residualSumOfSquares: Double
    /// Data rows as in the file: response first, then the predictors.
    var rows: [[Double]]

    init(fixture name: String) throws {
        self.name = name
        let lines = try fixtureText("nist/linear/\(name).dat")
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        func range(_ label: String) throws -> ClosedRange<Int> {
            // Header lines such as "Data              (lines 61 to 76)".
            guard let line = lines.first(where: { $0.hasPrefix(label) && $0.contains("(lines") }) else {
                throw NISTFixtureError.malformed(name, "no \(label) line range")
            }
            let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            guard numbers.count == 2 else { throw NISTFixtureError.malformed(name, line) }
            return numbers[0]...numbers[1]
        }
        let certifiedLines = try range("Certified Values").map { lines[$0 - 1] }
        certified = []
        var sd: Double?
        var ss: Double?
        for line in certifiedLines {
            let tokens = line.split(separator: " ").map(String.init)
            if let first = tokens.first, first.first == "B", Int(first.dropFirst()) != nil, tokens.count >= 3,
                let value = Double(tokens[1]), let error = Double(tokens[2])
            {
                certified.append((first, value, error))
            } else if line.hasPrefix("Standard Deviation"), let value = tokens.last.flatMap(Double.init) {
                sd = value
            } else if tokens.first == "Residual", tokens.count >= 3, let value = Double(tokens[2]) {
                ss = value
            }
        }
        guard let sd, let ss, !certified.isEmpty else { throw NISTFixtureError.malformed(name, "certified values") }
        residualStandardDeviation = sd
        residualSumOfSquares = ss
        rows = try range("Data").map { lineNumber in
            let values = lines[lineNumber - 1].split(separator: " ").compactMap { Double(String($0)) }
            guard values.count >= 2 else { throw NISTFixtureError.malformed(name, "data line \(lineNumber)") }
            return values
        }
    }
}

enum NISTFixtureError: Error {
    case malformed(String, String)
}

/// LRE as NIST scores it, computed independently of the library's `logRelativeError`.
func testLRE(_ estimate: Double, _ certified: Double) -> Double {
    if estimate == certified { return 15 }
    let error = certified == 0 ? abs(estimate) : abs(estimate - certified) / abs(certified)
    return min(15, -log10(error))
}
