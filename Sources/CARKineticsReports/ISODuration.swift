import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics
import Foundation

/// ISO 8601 durations for SDTM `PPSTINT` / `PPENINT` (times relative to the infusion).
enum ISODuration {
    /// `days` as an ISO 8601 duration: whole days as `PnD` (`P0D`, `P28D`); other values as days plus a time
    /// part in hours, minutes and seconds (`0.5` → `PT12H`, `1.25` → `P1DT6H`, `0.1` → `PT2H24M`), seconds
    /// with at most three decimals. The value is rounded to the nearest millisecond first, so a window end
    /// typed as `28.000000001` still reads `P28D`. Negative values get a leading minus (`-P1D`, the ISO 8601
    /// extension SDTM uses for pre-reference times); nil for non-finite input.
    static func format(days: Double) -> String? {
        format(days, in: .days)
    }

    /// `time` (in `unit`) as an ISO 8601 duration, as ``format(days:)`` writes it: `24` hours is `P1D`, `36`
    /// hours `P1DT12H`, `90` minutes `PT1H30M`, `2` weeks `P14D`. One multiplication by the unit's whole number
    /// of milliseconds, then rounding to the millisecond.
    static func format(_ time: Double, in unit: TimeUnit) -> String? {
        let days = time
        guard days.isFinite else { return nil }
        let totalMilliseconds = (abs(days) * Double(unit.minutes * 60_000)).rounded()
        guard totalMilliseconds < 9e15 else { return nil }
        var rest = Int64(totalMilliseconds)
        let sign = days < 0 && rest > 0 ? "-" : ""
        let wholeDays = rest / 86_400_000
        rest %= 86_400_000
        let hours = rest / 3_600_000
        rest %= 3_600_000
        let minutes = rest / 60_000
        rest %= 60_000
        let seconds = rest / 1000
        let milliseconds = rest % 1000
        var text = sign + "P"
        if wholeDays > 0 || (hours == 0 && minutes == 0 && rest == 0) { text += "\(wholeDays)D" }
        guard hours > 0 || minutes > 0 || rest > 0 else { return text }
        text += "T"
        if hours > 0 { text += "\(hours)H" }
        if minutes > 0 { text += "\(minutes)M" }
        if rest > 0 {
            var fraction = milliseconds > 0 ? String(format: ".%03lld", milliseconds) : ""
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "\(seconds)\(fraction)S"
        }
        return text
    }
}
