import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics
import Foundation

/// One tick mark on a plot axis.
struct AxisTick: Sendable, Equatable {
    /// Position in data units.
    var value: Double
    /// Text under (or beside) the tick; `nil` for an unlabelled minor tick.
    var label: String?
    /// Major ticks get a grid line and a longer mark.
    var isMajor: Bool
}

/// An axis range in data units and its ticks.
struct AxisLayout: Sendable, Equatable {
    /// Lower end of the axis (data units).
    var lower: Double
    /// Upper end of the axis (data units).
    var upper: Double
    /// Ticks inside [lower, upper], ascending.
    var ticks: [AxisTick]
    /// Whether positions are mapped by log10.
    var isLogarithmic: Bool
    /// Whether positions are mapped by ln(1 + t) (time axes: days 0–28 get about half the width of a year).
    var isLog1p = false

    /// Position of `value` as a fraction of the axis length (0 at `lower`, 1 at `upper`).
    func fraction(_ value: Double) -> Double {
        if isLog1p {
            return (Foundation.log1p(value) - Foundation.log1p(lower))
                / (Foundation.log1p(upper) - Foundation.log1p(lower))
        }
        if isLogarithmic {
            return (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
        }
        let span = upper - lower
        // Ends near ±1.7e308 overflow the span; halved, the same ratio stays finite.
        if !span.isFinite { return (value / 2 - lower / 2) / (upper / 2 - lower / 2) }
        return (value - lower) / span
    }

    /// A linear axis covering [minimum, maximum] with about `targetTicks` ticks at "nice" steps
    /// (1, 2, 2.5 or 5 × 10ᵏ). Without `padding` the ends are rounded outward to whole steps; with
    /// it the ends are the data range widened by that fraction of its length on each side and only
    /// the ticks inside are kept (so a sample at day −1 does not stretch a 0–360 day axis to −100).
    /// A degenerate range is widened (±1 around 0, ±10% otherwise).
    ///
    /// Any input gives an axis, never a trap: a range whose step or length is not a normal finite
    /// number (subnormal values such as 5e-324, spans near 1.7e308 that overflow, non-finite or unordered
    /// ends) gets an axis from the ends themselves with one tick at each (``endsOnly(_:_:)``).
    static func linear(minimum: Double, maximum: Double, targetTicks: Int = 6, padding: Double? = nil) -> AxisLayout {
        guard minimum.isFinite, maximum.isFinite, minimum <= maximum else { return linear(minimum: 0, maximum: 1) }
        var low = minimum
        var high = maximum
        if low == high {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            low -= pad
            high += pad
        }
        guard low.isFinite, high.isFinite else { return endsOnly(minimum, maximum) }
        let rough = (high - low) / Double(max(1, targetTicks - 1))
        guard rough.isNormal, (high - low).isFinite else { return endsOnly(low, high) }
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough * (1 - 1e-9) } ?? 10 * magnitude
        guard step.isNormal, magnitude.isNormal else { return endsOnly(low, high) }
        let firstTick = ceil(low / step - 1e-9) * step
        let lastTick = floor(high / step + 1e-9) * step
        var lower = floor(low / step + 1e-9) * step
        var upper = ceil(high / step - 1e-9) * step
        if let padding {
            lower = low - padding * (high - low)
            upper = high + padding * (high - low)
        }
        let first = padding == nil ? lower : firstTick
        let steps = (((padding == nil ? upper : lastTick) - first) / step).rounded()
        // A "nice" step gives at most a few dozen ticks; anything else means the arithmetic ran out of range.
        guard lower.isFinite, upper.isFinite, lower < upper, steps.isFinite, steps <= 1000 else {
            return endsOnly(low, high)
        }
        let count = max(0, Int(steps))
        let decimals = max(0, -Int(floor(log10(step) + 1e-9)) + (step / magnitude == 2.5 ? 1 : 0))
        let ticks = (0...count).map { i -> AxisTick in
            var value = first + Double(i) * step
            if abs(value) < step * 1e-9 { value = 0 }
            return AxisTick(value: value, label: label(value, decimals: decimals), isMajor: true)
        }
        return AxisLayout(lower: lower, upper: upper, ticks: ticks, isLogarithmic: false)
    }

    /// A time axis from 0 to `maximum` (> 0) mapped by ln(1 + t), with ticks at the usual visit days 0, 1, 3, 7,
    /// 14, 28, 56, 90, 180, 365 and then whole years (labelled while they are far enough apart to read), the upper
    /// end 3 % past the last time. ln(1 + t) is linear near 0 and logarithmic later, so the expansion phase and a
    /// year of follow-up both get room; times below 0 cannot be shown (the plots leave pre-infusion samples out).
    static func log1p(maximum: Double) -> AxisLayout {
        let top = maximum.isFinite && maximum > 0 ? maximum : 28
        var upper = Foundation.expm1(Foundation.log1p(top) * 1.03)
        // Times near 1.7e308 would push the end to infinity: the last time is the end then.
        if !upper.isFinite || !(upper >= top) { upper = top }
        var days: [Double] = [0, 1, 3, 7, 14, 28, 56, 90, 180, 365]
        var year = 730.0
        while year <= upper && days.count < 30 {
            days.append(year)
            year += 365
        }
        // Beyond twenty years (only absurd input gets there): powers of ten, a bounded number of them.
        var power = 10_000.0
        while power <= upper && days.count < 340 {
            if power > year { days.append(power) }
            power *= 10
        }
        var ticks: [AxisTick] = []
        var lastLabelled = -Double.infinity
        for day in days where day <= upper {
            // Labels closer than 4 % of the axis would overlap; those ticks stay unlabelled.
            let position = Foundation.log1p(day) / Foundation.log1p(upper)
            let labelled = position - lastLabelled >= 0.04
            if labelled { lastLabelled = position }
            ticks.append(AxisTick(value: day, label: labelled ? label(day, decimals: 0) : nil, isMajor: true))
        }
        return AxisLayout(lower: 0, upper: upper, ticks: ticks, isLogarithmic: false, isLog1p: true)
    }

    /// A tick label: fixed decimals for ordinary numbers, `%g` for very small steps or very large values
    /// (a step of 1e-300 would otherwise need 300 decimals).
    static func label(_ value: Double, decimals: Int) -> String {
        decimals <= 12 && abs(value) < 1e15 ? String(format: "%.\(decimals)f", value) : String(format: "%.6g", value)
    }

    /// An axis from `low` to `high` with a tick at each end, for ranges "nice" steps cannot describe. A
    /// range that is still empty is widened to the neighbouring representable numbers.
    static func endsOnly(_ low: Double, _ high: Double) -> AxisLayout {
        var lower = low
        var upper = high
        if !(lower < upper) {
            if low.nextDown.isFinite { lower = low.nextDown }
            if high.nextUp.isFinite { upper = high.nextUp }
        }
        let ticks = [lower, upper].map { AxisTick(value: $0, label: String(format: "%.3g", $0), isMajor: true) }
        return AxisLayout(lower: lower, upper: upper, ticks: ticks, isLogarithmic: false)
    }

    /// A log10 axis covering [minimum, maximum] (both > 0), extended outward to whole decades.
    ///
    /// Major ticks at every decade, labelled `0.001` … `1000` in plain notation and `10⁴`, `10⁻⁵`
    /// beyond; with more than eight decades only every k-th decade is labelled. Minor ticks at 2 and
    /// 5 × 10ᵏ when the axis spans at most six decades, and labelled too when it spans at most two
    /// (so a range inside one decade, e.g. 20–80, still gets readable ticks on its 10–100 axis).
    static func logarithmic(minimum: Double, maximum: Double) -> AxisLayout {
        // Any other input gives the 1–10 axis rather than a trap; a subnormal minimum (5e-324) is fine
        // here, as its log10 (−323.3) is an ordinary number.
        guard minimum > 0, maximum >= minimum, maximum.isFinite else { return logarithmic(minimum: 1, maximum: 10) }
        // The small allowance keeps exact powers of ten (whose log10 may be off by an ulp) on their decade.
        // 10^-323 is the smallest power of ten above 0 and 10^308 the largest below infinity: beyond them the
        // axis end would be 0 or ∞ and every position NaN (a level of 5e-324 sits just below the axis).
        let lowExponent = max(-323, Int(floor(log10(minimum) + 1e-12)))
        var highExponent = min(308, Int(ceil(log10(maximum) - 1e-12)))
        if highExponent <= lowExponent { highExponent = lowExponent + 1 }
        if highExponent > 308 { return logarithmic(minimum: 1e307, maximum: 1e308) }
        let decades = highExponent - lowExponent
        let labelEvery = max(1, Int((Double(decades) / 8).rounded(.up)))
        var ticks: [AxisTick] = []
        for exponent in lowExponent...highExponent {
            let labelled = (exponent - lowExponent) % labelEvery == 0
            ticks.append(
                AxisTick(value: pow(10, Double(exponent)), label: labelled ? logLabel(1, exponent) : nil, isMajor: true)
            )
            guard exponent < highExponent, decades <= 6 else { continue }
            for mantissa in [2, 5] {
                ticks.append(
                    AxisTick(
                        value: Double(mantissa) * pow(10, Double(exponent)),
                        label: decades <= 2 ? logLabel(mantissa, exponent) : nil, isMajor: false))
            }
        }
        return AxisLayout(
            lower: pow(10, Double(lowExponent)), upper: pow(10, Double(highExponent)),
            ticks: ticks, isLogarithmic: true)
    }

    /// `mantissa × 10^exponent` as a short label: plain decimals from 0.001 to 9999, otherwise
    /// with a superscript power (`10⁴`, `2×10⁻⁵`).
    static func logLabel(_ mantissa: Int, _ exponent: Int) -> String {
        if (-3...3).contains(exponent) {
            if exponent >= 0 {
                return String(mantissa) + String(repeating: "0", count: exponent)
            }
            return "0." + String(repeating: "0", count: -exponent - 1) + String(mantissa)
        }
        let superscripts: [Character: Character] = [
            "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹",
            "-": "⁻",
        ]
        let power = "10" + String(String(exponent).compactMap { superscripts[$0] })
        return mantissa == 1 ? power : "\(mantissa)×\(power)"
    }
}
