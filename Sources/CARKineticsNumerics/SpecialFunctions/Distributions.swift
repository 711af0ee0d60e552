import Foundation

/// The standard normal distribution: distribution function and quantiles, for Wald intervals, the
/// Mann–Whitney normal approximation and Kaplan–Meier confidence bands.
///
/// Φ(z) = ½·erfc(−z/√2), so both tails keep full relative precision (no 1 − Φ cancellation). The quantile
/// starts from Acklam's rational approximation (relative error < 1.2e-9) and takes two Halley steps on
/// Φ(z) − p, which brings it to the rounding of a `Double` (checked against R's `qnorm` to 1e-15).
public enum Normal {
    /// P(Z ≤ z).
    public static func cdf(_ z: Double) -> Double {
        0.5 * erfc(-z / 2.0.squareRoot())
    }

    /// P(Z > z), accurate in the far upper tail.
    public static func upperTail(_ z: Double) -> Double {
        0.5 * erfc(z / 2.0.squareRoot())
    }

    /// The z with Φ(z) = `probability`; −∞ at 0 and +∞ at 1.
    public static func quantile(_ probability: Double) -> Double {
        precondition((0...1).contains(probability), "probability must lie in [0, 1]")
        if probability == 0 { return -.infinity }
        if probability == 1 { return .infinity }
        if probability == 0.5 { return 0 }
        // Work in the lower tail; the upper tail by symmetry, so tiny upper-tail probabilities stay exact.
        let p = min(probability, 1 - probability)
        var z = acklam(p)
        for _ in 0..<2 {
            // Halley's method on f(z) = Φ(z) − p: f' = φ(z), f'' = −z·φ(z).
            let error = cdf(z) - p
            let density = exp(-0.5 * z * z) / (2 * Double.pi).squareRoot()
            guard density > 0 else { break }
            let u = error / density
            z -= u / (1 + 0.5 * z * u)
        }
        return probability < 0.5 ? z : -z
    }

    /// Acklam's rational approximation of the lower-tail quantile, 0 < p ≤ ½.
    private static func acklam(_ p: Double) -> Double {
        let a = [
            -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
            1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00,
        ]
        let b = [
            -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
            6.680131188771972e+01, -1.328068155288572e+01,
        ]
        let c = [
            -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
            -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00,
        ]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        if p < 0.02425 {
            let q = (-2 * log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let q = p - 0.5
        let r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }
}

/// The chi-square distribution's upper tail, for likelihood-ratio and log-rank tests.
///
/// P(χ²_k > x) = Q(k/2, x/2), the regularised upper incomplete gamma function
/// Q(a, x) = Γ(a, x)/Γ(a). For x < a + 1 it is 1 − P(a, x) with the series
/// P(a, x) = e^{−x} x^a / Γ(a + 1) · Σ_{n≥0} x^n / ((a+1)…(a+n)); otherwise the continued fraction
/// Γ(a, x) = e^{−x} x^a · 1/(x + 1 − a − 1·(1 − a)/(x + 3 − a − 2·(2 − a)/(x + 5 − a − …))) evaluated by the
/// modified Lentz method, so the small upper tails that matter for p-values keep full relative precision.
public enum ChiSquare {
    /// P(χ²_k > x) for k > 0 degrees of freedom; 1 for x ≤ 0, NaN for NaN.
    public static func upperTail(_ x: Double, degreesOfFreedom k: Double) -> Double {
        precondition(k > 0, "degrees of freedom must be positive")
        if x.isNaN { return .nan }
        if x <= 0 { return 1 }
        if x.isInfinite { return 0 }
        return regularizedUpperGamma(k / 2, x / 2)
    }

    /// Q(a, x) for a > 0, x ≥ 0.
    static func regularizedUpperGamma(_ a: Double, _ x: Double) -> Double {
        if x <= 0 { return 1 }
        let logFront = a * log(x) - x - lgamma(a)
        if x < a + 1 {
            var term = 1 / a
            var sum = term
            var n = 1.0
            while n < 100_000 {
                term *= x / (a + n)
                sum += term
                if abs(term) < abs(sum) * 1e-17 { break }
                n += 1
            }
            return max(0, 1 - exp(logFront) * sum)
        }
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        var i = 1.0
        while i < 100_000 {
            let an = -i * (i - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
            i += 1
        }
        return exp(logFront) * h
    }
}
