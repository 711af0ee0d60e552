import CARKineticsData
import CARKineticsNumerics
import Foundation

/// Segment rules, interpolation and partial areas. All functions are exact for their model (a straight line
/// or an exponential through the segment's ends) and never produce NaN for finite, non-negative input.
public enum AUC {
    /// Whether the segment from c1 to c2 uses the log rule: linear-up/log-down and 0 < c2 < c1.
    /// Inlinable: called once per segment in every area computation.
    @inlinable
    public static func usesLog(_ c1: Double, _ c2: Double, method: AUCMethod) -> Bool {
        method == .linearUpLogDown && c2 < c1 && c2 > 0
    }

    /// Area of one segment: Δt(c1 + c2)/2 (linear) or Δt(c1 − c2)/ln(c1/c2) (log).
    public static func segment(_ t1: Double, _ c1: Double, _ t2: Double, _ c2: Double, method: AUCMethod) -> Double {
        segment(t1, c1, t2, c2, log: usesLog(c1, c2, method: method))
    }

    static func segment(_ t1: Double, _ c1: Double, _ t2: Double, _ c2: Double, log: Bool) -> Double {
        let dt = t2 - t1
        guard log else { return dt * (c1 / 2 + c2 / 2) }
        // ln(c1/c2): log1p of the relative drop when the levels are close (a difference of two nearly equal
        // logarithms would cancel, even to 0/0); a difference of logarithms otherwise, because the ratio
        // itself can overflow for extreme magnitudes.
        let logRatio = c1 < 2 * c2 ? Foundation.log1p((c1 - c2) / c2) : Foundation.log(c1) - Foundation.log(c2)
        guard logRatio > 0 else { return dt * (c1 / 2 + c2 / 2) }
        return dt * (c1 - c2) / logRatio
    }

    /// The level at t (t1 ≤ t ≤ t2) on the segment, by the rule that segment uses.
    public static func interpolate(
        _ t1: Double, _ c1: Double, _ t2: Double, _ c2: Double, at t: Double,
        method: AUCMethod
    ) -> Double {
        interpolate(t1, c1, t2, c2, at: t, log: usesLog(c1, c2, method: method))
    }

    static func interpolate(_ t1: Double, _ c1: Double, _ t2: Double, _ c2: Double, at t: Double, log: Bool) -> Double {
        let fraction = (t - t1) / (t2 - t1)
        if log { return exp(Foundation.log(c1) + (Foundation.log(c2) - Foundation.log(c1)) * fraction) }
        return c1 + (c2 - c1) * fraction
    }

    /// Area under the piecewise curve between a and b (clamped to the curve's time range). A segment cut by
    /// a or b is interpolated and integrated by the rule of the whole segment, so splitting a segment never
    /// changes the total. Linear in the number of points.
    public static func area(
        times: [Double], levels: [Double], from a: Double, to b: Double, method: AUCMethod
    ) -> Double {
        guard times.count >= 2, b > a else { return 0 }
        var total = 0.0
        for i in 0..<times.count - 1 {
            let t1 = times[i]
            let t2 = times[i + 1]
            if t2 <= a { continue }
            if t1 >= b { break }
            let c1 = levels[i]
            let c2 = levels[i + 1]
            let log = usesLog(c1, c2, method: method)
            let lo = max(a, t1)
            let hi = min(b, t2)
            let cLo = lo == t1 ? c1 : interpolate(t1, c1, t2, c2, at: lo, log: log)
            let cHi = hi == t2 ? c2 : interpolate(t1, c1, t2, c2, at: hi, log: log)
            total += segment(lo, cLo, hi, cHi, log: log && cLo > cHi && cHi > 0)
        }
        return total
    }

    /// ∫ from s to e of clast·exp(−λz(t − tlast)) dt, for tlast ≤ s ≤ e, computed with expm1 so short spans
    /// and small λz keep full relative precision.
    public static func exponentialTail(
        clast: Double, tlast: Double, lambdaZ: Double, from s: Double, to e: Double
    ) -> Double {
        guard e > s else { return 0 }
        return clast / lambdaZ * exp(-lambdaZ * (s - tlast)) * -expm1(-lambdaZ * (e - s))
    }
}
