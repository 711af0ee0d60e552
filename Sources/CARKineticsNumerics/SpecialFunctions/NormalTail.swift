import Foundation

/// The standard normal distribution's log-CDF and inverse Mills ratio, finite and accurate in both tails, for
/// censored (M3) likelihood terms of population and per-subject fits.
///
/// `ln Φ(z)`: for `z ≥ −30`, `Φ(z) = ½·erfc(−z/√2)` (erfc keeps full relative precision in the lower tail, where
/// `1 − erf` would cancel; for large positive z, `ln Φ = log1p(−½·erfc(z/√2))`). Below −30 erfc would underflow
/// near z ≈ −38, so the asymptotic series is used:
/// `Φ(z) = φ(z)/(−z) · (1 − 1/z² + 3/z⁴ − 15/z⁶ + 105/z⁸ − …)`, whose truncation error at |z| ≥ 30 is below 1e-13
/// relative. A prediction far above the limit therefore costs a large finite penalty, never −∞.
package enum NormalTail {
    package static let logSqrtTwoPi = 0.91893853320467274178

    /// ln φ(z).
    @inline(__always)
    package static func logDensity(_ z: Double) -> Double { -0.5 * z * z - logSqrtTwoPi }

    /// ln Φ(z).
    package static func logCDF(_ z: Double) -> Double {
        if z.isNaN { return .nan }
        if z >= 0 { return Foundation.log1p(-0.5 * Foundation.erfc(z / 2.squareRoot())) }
        if z >= -30 { return Foundation.log(0.5 * Foundation.erfc(-z / 2.squareRoot())) }
        return logDensity(z) - Foundation.log(-z) + Foundation.log(asymptoticSeries(z))
    }

    /// The inverse Mills ratio φ(z)/Φ(z) (the derivative of ln Φ).
    package static func millsRatio(_ z: Double) -> Double {
        if z.isNaN { return .nan }
        if z >= -30 { return Foundation.exp(logDensity(z) - logCDF(z)) }
        return -z / asymptoticSeries(z)
    }

    /// 1 − 1/z² + 3/z⁴ − 15/z⁶ + 105/z⁸ − 945/z¹⁰ (the asymptotic factor Φ(z)·(−z)/φ(z) for z → −∞).
    private static func asymptoticSeries(_ z: Double) -> Double {
        let u = 1 / (z * z)
        return 1 + u * (-1 + u * (3 + u * (-15 + u * (105 - 945 * u))))
    }
}
