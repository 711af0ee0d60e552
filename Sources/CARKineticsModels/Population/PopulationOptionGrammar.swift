import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// The option grammar of `pkfit popfit` (`--covariate`, `--random`, `--block`, `--start`), as library functions so the
/// command and the `FuzzPopFitOptions` fuzz target run the same code. Every function either returns a value or
/// throws a ``PopulationOptionError`` whose message quotes the offending text (capped) and shows the expected form.
public enum PopulationOptionGrammar {
    /// `"p ~ COLUMN"`: exactly one `~`, both sides non-empty after trimming spaces and tabs.
    public static func covariate(_ text: String) throws(PopulationOptionError) -> CovariateEffect {
        let parts = text.split(separator: "~", omittingEmptySubsequences: false).map(trimmed)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw PopulationOptionError(
                option: "--covariate", text, "expected \"parameter ~ COLUMN\", e.g. \"cmax ~ dose\"")
        }
        return CovariateEffect(parameter: parts[0], column: parts[1])
    }

    /// `"p1,p2,…"`: comma-separated names, none empty, none repeated.
    public static func random(_ text: String) throws(PopulationOptionError) -> [String] {
        try names(text, option: "--random")
    }

    /// `"p1,p2,…"` for `--block`: the `--random` list grammar with at least two names (a block correlates its
    /// random effects; one η alone is already in the diagonal of Ω).
    public static func block(_ text: String) throws(PopulationOptionError) -> [String] {
        let names = try names(text, option: "--block")
        guard names.count >= 2 else {
            throw PopulationOptionError(
                option: "--block", text,
                "a block needs two or more random parameters separated by commas, e.g. lKa,lCl")
        }
        return names
    }

    private static func names(_ text: String, option: String) throws(PopulationOptionError) -> [String] {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map(trimmed)
        guard !names.contains(where: \.isEmpty) else {
            throw PopulationOptionError(option: option, text, "expected parameter names separated by commas")
        }
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            throw PopulationOptionError(option: option, text, "'\(capped(name))' is listed twice")
        }
        return names
    }

    /// `"name=value"`: a non-empty name and a finite number (the CSV number grammar, so `1e3` and `-0.5` are
    /// numbers and `nan`, `inf` or `1,5` are not).
    public static func start(_ text: String) throws(PopulationOptionError) -> (name: String, value: Double) {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(trimmed)
        guard parts.count == 2, !parts[0].isEmpty, case .number(let value) = NumberText.parse(parts[1]), value.isFinite
        else {
            throw PopulationOptionError(
                option: "--start", text, "expected name=value with a finite number, e.g. cmax=20000")
        }
        return (parts[0], value)
    }

    private static func trimmed(_ part: Substring) -> String { part.trimmingCharacters(in: .whitespaces) }

    /// At most 80 characters of user text in a message, control characters escaped.
    static func capped(_ text: String) -> String {
        var out = ""
        for (count, scalar) in text.unicodeScalars.enumerated() {
            if count == 80 {
                out += "…"
                break
            }
            out += scalar.properties.generalCategory == .control ? scalar.escaped(asASCII: true) : String(scalar)
        }
        return out
    }
}

/// A `pkfit popfit` option that does not follow its grammar: `<option> '<text>': <expected>`, the text capped
/// at 80 characters with control characters escaped.
public struct PopulationOptionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    init(option: String, _ text: String, _ expected: String) {
        message = "\(option) '\(PopulationOptionGrammar.capped(text))': \(expected)"
    }
    public var description: String { message }
}
