import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics
import Foundation

/// Rounding numbers to significant figures for human-readable tables (domain reference §7: tables
/// show 3 significant figures; machine-readable output keeps full precision and never uses this).
public enum SignificantFigures {
    /// `value` rounded to `digits` significant figures (1…17).
    ///
    /// Fixed notation for 10⁻⁴ ≤ |rounded| < 10⁶, with trailing zeros kept so the count of
    /// significant figures stays visible (`7.00`, `48700`, `0.0123`); scientific notation in C
    /// style otherwise (`1.23e+06`). Rounding is the C library's round-half-even on the binary value.
    /// Non-finite values print as `NaN`, `inf`, `-inf` — the spelling of every text output (CSV, tables, the
    /// rounded layouts of summaries and reports, e.g. an infinite persistence half-life when β → 0); zero as `0`.
    public static func format(_ value: Double, digits: Int = 3) -> String {
        precondition((1...17).contains(digits), "significant digits must lie in 1...17")
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        if value == 0 { return "0" }
        // %e does the rounding, including carries such as 9.996 → 1.00e+01.
        let scientific = String(format: "%.*e", digits - 1, value)
        guard let eIndex = scientific.firstIndex(of: "e"),
            let exponent = Int(scientific[scientific.index(after: eIndex)...])
        else { return scientific }
        guard (-4..<6).contains(exponent) else { return scientific }
        // The fixed notation of `rounded` to `digits − 1 − exponent` decimals has exactly the mantissa's digits
        // (the rounding is done): place the decimal point instead of formatting again (reports format tens of
        // thousands of cells).
        let negative = scientific.hasPrefix("-")
        let mantissa = scientific[..<eIndex].filter(\.isNumber)
        var text = negative ? "-" : ""
        if exponent < 0 {
            text += "0." + String(repeating: "0", count: -exponent - 1) + mantissa
        } else if exponent + 1 >= mantissa.count {
            text += mantissa + String(repeating: "0", count: exponent + 1 - mantissa.count)
        } else {
            let point = mantissa.index(mantissa.startIndex, offsetBy: exponent + 1)
            text += mantissa[..<point] + "." + mantissa[point...]
        }
        return text
    }
}
