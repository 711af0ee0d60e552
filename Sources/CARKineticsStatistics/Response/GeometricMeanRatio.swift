import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// Geometric means of two groups and their ratio with a Welch t confidence interval.
public struct GeometricMeanRatio: Sendable, Equatable {
    /// Values in the first group (responders).
    public var count1: Int
    /// Values in the second group (non-responders).
    public var count2: Int
    /// exp(mean ln x) of the first group; nil without values.
    public var geometricMean1: Double?
    /// exp(mean ln x) of the second group; nil without values.
    public var geometricMean2: Double?
    /// geometricMean1 / geometricMean2; nil when either group is empty.
    public var ratio: Double?
    /// Lower limit of the ratio's interval; nil unless both groups have ≥ 2 values and some spread.
    public var lower: Double?
    /// Upper limit of the ratio's interval.
    public var upper: Double?
    /// The Welch–Satterthwaite degrees of freedom used for the t quantile.
    public var degreesOfFreedom: Double?
    /// Two-sided confidence level of the interval, e.g. 0.90.
    public var confidenceLevel: Double

    /// Compares `group1` with `group2` on the log scale; every value must be finite and > 0 (callers filter).
    ///
    /// With Lᵢ = ln x over each group, means L̄₁, L̄₂ and variances s₁², s₂² (n − 1 denominators):
    /// - ratio = exp(L̄₁ − L̄₂) = GM₁/GM₂;
    /// - SE = √(s₁²/n₁ + s₂²/n₂) (Welch: variances not assumed equal);
    /// - ν = SE⁴ / ((s₁²/n₁)²/(n₁ − 1) + (s₂²/n₂)²/(n₂ − 1)) (Welch–Satterthwaite, not rounded);
    /// - limits exp(L̄₁ − L̄₂ ∓ t(1 − α/2, ν)·SE), α = 1 − `confidenceLevel`.
    ///
    /// This is the interval of R's `t.test(log(x1), log(x2), var.equal = FALSE, conf.level = 0.90)` and of
    /// statsmodels' `CompareMeans.tconfint_diff(usevar="unequal")`, back-transformed. The interval needs
    /// n₁, n₂ ≥ 2 and SE > 0 (ν is 0/0 when both groups are constant); otherwise it is left out.
    public init(_ group1: [Double], _ group2: [Double], confidenceLevel: Double = 0.90) {
        precondition(confidenceLevel > 0 && confidenceLevel < 1, "confidence level must lie in (0, 1)")
        precondition((group1 + group2).allSatisfy { $0.isFinite && $0 > 0 }, "values must be finite and positive")
        self.confidenceLevel = confidenceLevel
        count1 = group1.count
        count2 = group2.count
        let logs1 = group1.map { log($0) }
        let logs2 = group2.map { log($0) }
        let (mean1, sd1) = DescriptiveStatistics.meanAndStandardDeviation(logs1)
        let (mean2, sd2) = DescriptiveStatistics.meanAndStandardDeviation(logs2)
        geometricMean1 = mean1.map { exp($0) }
        geometricMean2 = mean2.map { exp($0) }
        guard let mean1, let mean2 else { return }
        let difference = mean1 - mean2
        ratio = exp(difference)
        guard let sd1, let sd2 else { return }
        let v1 = sd1 * sd1 / Double(count1)
        let v2 = sd2 * sd2 / Double(count2)
        let variance = v1 + v2
        guard variance > 0 else { return }
        let nu = variance * variance / (v1 * v1 / Double(count1 - 1) + v2 * v2 / Double(count2 - 1))
        let t = StudentT.quantile(1 - (1 - confidenceLevel) / 2, degreesOfFreedom: nu)
        let half = t * variance.squareRoot()
        degreesOfFreedom = nu
        lower = exp(difference - half)
        upper = exp(difference + half)
    }
}
