import Foundation

/// Reads the text of a NIST StRD `.dat` file into a ``NISTProblem`` (see there for the rules).
struct NISTReader {
    private typealias Token = (text: Substring, column: Int)

    private let lines: [Substring]
    private let file: String

    init(text: String, file: String) {
        self.file = file
        // `\r\n` is one Character in Swift, and a newline, so CRLF files split correctly here.
        lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    }

    func read(kindHint: NISTProblem.Kind?) throws(NISTError) -> NISTProblem {
        let name =
            value(after: "Dataset Name:").flatMap { Self.tokens($0).first.map { String($0.text) } }
            ?? fileStem
        let (headerIndex, columns) = try dataHeader()
        let data = try dataRows(after: headerIndex, columns: columns)
        let (modelLine, statedModel) = try modelEquation(columns: columns, before: headerIndex)
        let modelText = Self.expandingEllipsis(statedModel)

        let formula: Formula
        do {
            formula = try Formula(parsing: modelText)
        } catch {
            throw NISTError(file: file, line: modelLine + 1, "model '\(modelText)': \(error)")
        }
        guard let responseColumn = columns.firstIndex(of: formula.response) else {
            throw NISTError(
                file: file, line: headerIndex + 1,
                "the model's response '\(formula.response)' is not a data column (\(columns.joined(separator: ", ")))")
        }
        let parameterNames = formula.identifiers.filter { !columns.contains($0) }
        let table = try parameterTable(names: parameterNames, from: modelLine, to: headerIndex)
        let startCount = table.first?.values.count.advanced(by: -2) ?? 0

        let kind: NISTProblem.Kind
        if let procedure = value(after: "Procedure:")?.lowercased(), procedure.contains("linear") {
            kind = procedure.contains("nonlinear") ? .nonlinear : .linear
        } else {
            kind = kindHint ?? (startCount > 0 ? .nonlinear : .linear)
        }
        if kind == .nonlinear, startCount == 0 {
            throw NISTError(
                file: file, line: table.first.map { $0.line + 1 },
                "a nonlinear problem needs starting values before the certified value of each parameter")
        }

        let rss = try residualSumOfSquares()
        if let stated = observationCount(), stated != data.rowCount {
            throw NISTError(
                file: file, line: headerIndex + 1,
                "the file states \(stated) observations but \(data.rowCount) data rows follow")
        }
        var predictors = columns
        predictors.remove(at: responseColumn)
        var predictorValues = data.columns
        let responseValues = predictorValues.remove(at: responseColumn)
        return NISTProblem(
            name: name, kind: kind, model: modelText, response: formula.response, predictors: predictors,
            parameters: table.map(\.name),
            starts: (0..<startCount).map { k in table.map { $0.values[k] } },
            certifiedValues: table.map { $0.values[startCount] },
            certifiedStandardDeviations: table.map { $0.values[startCount + 1] },
            certifiedSignificantDigits: table.map(\.certifiedDigits),
            certifiedResidualSumOfSquares: rss.value, certifiedResidualSumOfSquaresDigits: rss.digits,
            certifiedResidualStandardDeviation: residualStandardDeviation(),
            responseValues: responseValues, predictorValues: predictorValues)
    }

    private var fileStem: String {
        let base = file.split(separator: "/").last.map(String.init) ?? file
        return base.hasSuffix(".dat") ? String(base.dropLast(4)) : base
    }

    // MARK: - Sections

    /// The last `Data:` line whose remainder is a list of column names (earlier `Data:` lines describe the
    /// data in prose).
    private func dataHeader() throws(NISTError) -> (Int, [String]) {
        for index in lines.indices.reversed() {
            let line = lines[index].drop { $0 == " " || $0 == "\t" }
            guard line.hasPrefix("Data:") else { continue }
            let names = Self.tokens(line.dropFirst(5)).map { String($0.text) }
            if !names.isEmpty, names.allSatisfy(Self.isName) { return (index, names) }
        }
        throw NISTError(file: file, line: nil, "no 'Data:' line naming the data columns (such as 'Data:   y   x')")
    }

    private func dataRows(
        after header: Int, columns: [String]
    ) throws(NISTError) -> (columns: [[Double]], rowCount: Int) {
        var values = [[Double]](repeating: [], count: columns.count)
        var rowCount = 0
        for index in (header + 1)..<lines.count {
            let tokens = Self.tokens(lines[index])
            if tokens.isEmpty { continue }
            guard tokens.count == columns.count else {
                throw NISTError(
                    file: file, line: index + 1,
                    "expected \(columns.count) numbers (\(columns.joined(separator: " "))) but found \(tokens.count) fields"
                )
            }
            for (k, token) in tokens.enumerated() {
                guard let number = Double(token.text), number.isFinite else {
                    throw NISTError(
                        file: file, line: index + 1, column: token.column,
                        "expected a number for '\(columns[k])' but found '\(token.text)'")
                }
                values[k].append(number)
            }
            rowCount += 1
        }
        if rowCount == 0 { throw NISTError(file: file, line: header + 1, "no data rows follow the 'Data:' line") }
        return (values, rowCount)
    }

    /// Writes out an elided run of terms, as in Filip's `y = B0 + B1*x + B2*(x**2) + ... + B9*(x**9) + …`: the
    /// terms on either side of `...` must differ only in their integers, which step by one to fill the gap.
    /// Text without `...`, or whose neighbours do not fit that pattern, is returned unchanged (the formula
    /// parser then reports it).
    static func expandingEllipsis(_ text: String) -> String {
        guard let ellipsis = text.range(of: "...") else { return text }
        let before = text[..<ellipsis.lowerBound]
        let after = text[ellipsis.upperBound...]
        guard let plusBefore = before.lastIndex(of: "+"),
            before[before.index(after: plusBefore)...].allSatisfy({ $0 == " " }),
            let termStart = before[..<plusBefore].lastIndex(where: { $0 == "+" || $0 == "=" }),
            let plusAfter = after.firstIndex(of: "+"), after[..<plusAfter].allSatisfy({ $0 == " " })
        else { return text }
        let first = before[before.index(after: termStart)..<plusBefore].trimmingCharacters(in: .whitespaces)
        let rest = after[after.index(after: plusAfter)...]
        let last = (rest.firstIndex(of: "+").map { rest[..<$0] } ?? rest).trimmingCharacters(in: .whitespaces)
        func pieces(_ term: String) -> (skeleton: [String], numbers: [Int]) {
            var skeleton = [""]
            var numbers: [Int] = []
            var digits = ""
            for c in term {
                if c.isASCII && c.isNumber {
                    digits.append(c)
                    continue
                }
                if !digits.isEmpty {
                    numbers.append(Int(digits) ?? 0)
                    skeleton.append("")
                    digits = ""
                }
                skeleton[skeleton.count - 1].append(c)
            }
            if !digits.isEmpty {
                numbers.append(Int(digits) ?? 0)
                skeleton.append("")
            }
            return (skeleton, numbers)
        }
        let (a, b) = (pieces(first), pieces(last))
        let steps = zip(a.numbers, b.numbers).map { $1 - $0 }
        guard a.skeleton == b.skeleton, !steps.isEmpty, let gap = steps.max(), gap > 1, gap <= 1_000,
            steps.allSatisfy({ $0 == 0 || $0 == gap })
        else { return text }
        let middle = (1..<gap).map { k -> String in
            var term = a.skeleton[0]
            for (i, n) in a.numbers.enumerated() {
                term += String(n + (steps[i] == 0 ? 0 : k)) + a.skeleton[i + 1]
            }
            return term
        }
        return String(before[..<plusBefore]) + "+ " + middle.joined(separator: " + ") + " +"
            + String(after[plusAfter...].dropFirst())
    }

    /// The first equation after `Model:` whose left side mentions a data column, with its continuation
    /// lines (up to the next blank line) joined.
    private func modelEquation(columns: [String], before end: Int) throws(NISTError) -> (Int, String) {
        guard let modelIndex = lines.firstIndex(where: { $0.drop { $0 == " " }.hasPrefix("Model:") }) else {
            throw NISTError(file: file, line: nil, "no 'Model:' section")
        }
        var index = modelIndex
        while index < end {
            let line = lines[index]
            if let equals = line.firstIndex(of: "=") {
                let leftNames = line[..<equals].split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init)
                if leftNames.contains(where: columns.contains) {
                    var text = String(line.drop { $0 == " " || $0 == "\t" })
                    var next = index + 1
                    while next < end, !Self.tokens(lines[next]).isEmpty {
                        text += " " + lines[next].drop { $0 == " " || $0 == "\t" }
                        next += 1
                    }
                    return (index, text.trimmingCharacters(in: .whitespaces))
                }
            }
            index += 1
        }
        throw NISTError(
            file: file, line: modelIndex + 1,
            "no model equation with a data column (\(columns.joined(separator: ", "))) on its left side after 'Model:'")
    }

    private struct ParameterRow {
        var name: String
        var line: Int
        var values: [Double]
        var certifiedDigits: Int
    }

    /// Lines `name [=] v1 ... vk`: starting values, then the certified value and its standard deviation.
    private func parameterTable(names: [String], from start: Int, to end: Int) throws(NISTError) -> [ParameterRow] {
        var rows: [ParameterRow] = []
        for index in start..<end {
            var tokens = Self.tokens(lines[index])[...]
            guard let first = tokens.first, names.contains(String(first.text)),
                !rows.contains(where: { $0.name == first.text })
            else { continue }
            tokens = tokens.dropFirst()
            if tokens.first?.text == "=" { tokens = tokens.dropFirst() }
            var values: [Double] = []
            for token in tokens {
                guard let number = Double(token.text), number.isFinite else {
                    throw NISTError(
                        file: file, line: index + 1, column: token.column,
                        "expected a number in the values of parameter '\(first.text)' but found '\(token.text)'")
                }
                values.append(number)
            }
            guard values.count >= 2 else {
                throw NISTError(
                    file: file, line: index + 1,
                    "expected the certified value and standard deviation of parameter '\(first.text)'")
            }
            if let previous = rows.first, previous.values.count != values.count {
                throw NISTError(
                    file: file, line: index + 1,
                    "parameter '\(first.text)' has \(values.count) values but '\(previous.name)' has \(previous.values.count)"
                )
            }
            let certifiedToken = tokens[tokens.index(tokens.endIndex, offsetBy: -2)]
            rows.append(
                ParameterRow(
                    name: String(first.text), line: index, values: values,
                    certifiedDigits: Self.significantDigits(certifiedToken.text)))
        }
        if let missing = names.first(where: { name in !rows.contains { $0.name == name } }) {
            throw NISTError(file: file, line: nil, "no certified value for parameter '\(missing)'")
        }
        return rows
    }

    /// `Residual Sum of Squares: v` (nonlinear files) or the `Residual  dof  SS  MS` analysis-of-variance
    /// row (linear files).
    private func residualSumOfSquares() throws(NISTError) -> (value: Double, digits: Int) {
        if let text = value(after: "Residual Sum of Squares:"), let token = Self.tokens(text).first,
            let number = Double(token.text)
        {
            return (number, Self.significantDigits(token.text))
        }
        for line in lines {
            let tokens = Self.tokens(line)
            if tokens.count >= 3, tokens[0].text == "Residual", Int(tokens[1].text) != nil,
                let number = Double(tokens[2].text)
            {
                return (number, Self.significantDigits(tokens[2].text))
            }
        }
        throw NISTError(file: file, line: nil, "no certified residual sum of squares")
    }

    private func residualStandardDeviation() -> Double? {
        if let text = value(after: "Residual Standard Deviation:") {
            return Self.tokens(text).first.flatMap { Double($0.text) }
        }
        // Linear files: "Residual" on one line, "Standard Deviation   v" on the next.
        for index in lines.indices.dropFirst() where Self.tokens(lines[index - 1]).map(\.text) == ["Residual"] {
            let tokens = Self.tokens(lines[index])
            if tokens.count == 3, tokens[0].text == "Standard", tokens[1].text == "Deviation" {
                return Double(tokens[2].text)
            }
        }
        return nil
    }

    /// `Number of Observations: n`, or the `n Observations` line of the data description.
    private func observationCount() -> Int? {
        if let text = value(after: "Number of Observations:") {
            return Self.tokens(text).first.flatMap { Int($0.text) }
        }
        for line in lines {
            let tokens = Self.tokens(line)
            if tokens.count == 2, tokens[1].text == "Observations", let n = Int(tokens[0].text) { return n }
        }
        return nil
    }

    // MARK: - Helpers

    /// The rest of the first line containing `label`, after it.
    private func value(after label: String) -> Substring? {
        for line in lines {
            if let range = line.range(of: label) { return line[range.upperBound...] }
        }
        return nil
    }

    private static func tokens(_ line: Substring) -> [Token] {
        var result: [Token] = []
        var start: Substring.Index?
        var startColumn = 0
        var column = 0
        for index in line.indices {
            column += 1
            let blank = line[index] == " " || line[index] == "\t"
            if blank, let s = start {
                result.append((line[s..<index], startColumn))
                start = nil
            } else if !blank, start == nil {
                start = index
                startColumn = column
            }
        }
        if let s = start { result.append((line[s...], startColumn)) }
        return result
    }

    private static func isName(_ text: String) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    /// Digits written in a certified value's mantissa, leading zeros excluded (all of them counted for
    /// a zero value), capped at 15, the most a double carries reliably.
    static func significantDigits(_ text: Substring) -> Int {
        let mantissa = text.prefix { $0 != "E" && $0 != "e" && $0 != "D" && $0 != "d" }
        let digits = mantissa.filter(\.isNumber)
        let significant = digits.drop { $0 == "0" }
        return min(15, max(1, significant.isEmpty ? digits.count : significant.count))
    }
}
