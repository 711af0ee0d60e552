import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// The Mann–Whitney U (Wilcoxon rank-sum) test of two independent samples.
public struct MannWhitneyTest: Sendable, Equatable {
    /// How the p-value was computed.
    public enum Method: String, Sendable, Equatable {
        /// The exact null distribution of U (no ties, both samples smaller than 50).
        case exact
        /// The normal approximation with tie and continuity corrections.
        case normal
    }

    /// U of the first sample: the number of pairs (x from sample 1, y from sample 2) with x > y, plus ½ per
    /// tie; equals R₁ − n₁(n₁ + 1)/2 with R₁ the sum of the first sample's mid-ranks in the pooled data.
    public var u: Double
    /// Two-sided p-value.
    public var p: Double
    /// The method of `p`.
    public var method: Method

    /// Tests `sample1` against `sample2` (both non-empty, all values finite).
    ///
    /// - Exact when there are no ties and n₁ < 50 and n₂ < 50 (R's `wilcox.test` rule; scipy's
    ///   `mannwhitneyu(method="exact")` gives the same): with F the null distribution of U,
    ///   p = min(1, 2·min(F(U), 1 − F(U − 1))). F comes from the counts c(u; m, n) of arrangements with
    ///   U = u, by the recurrence c(u; m, n) = c(u − n; m − 1, n) + c(u; m, n − 1) (the largest pooled value
    ///   belongs to sample 1 or to sample 2), all additions of non-negative numbers, so no cancellation.
    /// - Otherwise the normal approximation: with N = n₁ + n₂ and tᵢ the sizes of tied groups,
    ///   σ² = n₁n₂/12 · (N + 1 − Σ(tᵢ³ − tᵢ)/(N(N − 1))), z = (U − n₁n₂/2 − ½·sign(U − n₁n₂/2))/σ and
    ///   p = min(1, 2·P(Z > |z|)) — R's `wilcox.test(exact = NULL, correct = TRUE)` and scipy's
    ///   `mannwhitneyu(use_continuity=True, method="asymptotic")`. With σ = 0 (all values equal) p = 1.
    ///
    /// Note scipy's *default* `method="auto"` switches to the exact test only for n ≤ 8; R's rule is kept.
    public init(_ sample1: [Double], _ sample2: [Double]) {
        precondition(!sample1.isEmpty && !sample2.isEmpty, "both samples need values")
        precondition((sample1 + sample2).allSatisfy(\.isFinite), "values must be finite")
        let n1 = sample1.count
        let n2 = sample2.count
        let pooled = (sample1.map { ($0, true) } + sample2.map { ($0, false) }).sorted { $0.0 < $1.0 }
        // Mid-ranks, and the tie correction Σ(t³ − t).
        var rankSum1 = 0.0
        var tieSum = 0.0
        var start = 0
        while start < pooled.count {
            var end = start
            while end + 1 < pooled.count, pooled[end + 1].0 == pooled[start].0 { end += 1 }
            let midRank = Double(start + end + 2) / 2
            for k in start...end where pooled[k].1 { rankSum1 += midRank }
            let t = Double(end - start + 1)
            tieSum += t * t * t - t
            start = end + 1
        }
        let m = Double(n1)
        let n = Double(n2)
        u = rankSum1 - m * (m + 1) / 2
        if tieSum == 0 && n1 < 50 && n2 < 50 {
            method = .exact
            // U is an integer without ties; the rank sum is exact in Double.
            let observed = Int(u.rounded())
            let distribution = Self.exactDistribution(n1, n2)
            let total = distribution.reduce(0, +)
            let lowerTail = distribution[0...observed].reduce(0, +) / total
            let upperTail = observed == 0 ? 1 : 1 - distribution[0..<observed].reduce(0, +) / total
            p = min(1, 2 * min(lowerTail, upperTail))
        } else {
            method = .normal
            let total = m + n
            let variance = m * n / 12 * (total + 1 - tieSum / (total * (total - 1)))
            let centred = u - m * n / 2
            if variance <= 0 {
                p = 1
            } else {
                let correction = centred > 0 ? 0.5 : (centred < 0 ? -0.5 : 0)
                let z = (centred - correction) / variance.squareRoot()
                p = min(1, 2 * Normal.upperTail(abs(z)))
            }
        }
    }

    /// Counts of U = 0 … n₁n₂ over all C(n₁ + n₂, n₁) arrangements without ties.
    static func exactDistribution(_ n1: Int, _ n2: Int) -> [Double] {
        // counts[j] holds c(·; i, j) for the current i (rows i − 1 are overwritten in place as j grows).
        var counts: [[Double]] = (0...n2).map { _ in [1] } // i = 0: U = 0 whatever j
        for i in 1...n1 {
            var next: [[Double]] = [[1]] // j = 0: U = 0
            for j in 1...n2 {
                var row = [Double](repeating: 0, count: i * j + 1)
                // Largest value in sample 1: it exceeds all j values of sample 2 → U shifts by j.
                for (u, c) in counts[j].enumerated() { row[u + j] += c }
                // Largest value in sample 2: U unchanged.
                for (u, c) in next[j - 1].enumerated() { row[u] += c }
                next.append(row)
            }
            counts = next
        }
        return counts[n2]
    }
}
