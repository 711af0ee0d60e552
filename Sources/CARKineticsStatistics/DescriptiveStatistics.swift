import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// Descriptive statistics of one parameter over the subjects of one group.
///
/// Definitions (domain reference §7):
/// - `mean` is the arithmetic mean; `sd` the sample standard deviation (divisor n − 1);
///   `cvPercent` = 100·sd/mean.
/// - `geometricMean` = exp(mean of ln x) and `geometricCVPercent` = 100·sqrt(exp(s²) − 1), s the
///   sample SD of ln x, both over the values x > 0 only. Values ≤ 0 cannot enter them and are
///   counted in ``nonPositive``.
/// - `median`, `q1`, `q3` are sample quantiles by Hyndman & Fan type 7 (R's default `quantile`
///   type): with the n sorted values x₁…xₙ and h = (n − 1)·p, Q(p) = x₍⌊h⌋+1₎ + (h − ⌊h⌋)·(x₍⌊h⌋+2₎ − x₍⌊h⌋+1₎).
///   For p = 0.5 this is the middle value of an odd count and the mean of the two middle values of
///   an even count.
///
/// Availability: a statistic that needs more values than there are is `nil`. mean, median, min,
/// max, q1, q3 need one value; sd and cvPercent need two (cvPercent also a non-zero mean);
/// geometricMean needs one positive value and geometricCVPercent two.
///
/// Missing and non-finite input: `nil` entries are counted in ``missing``. NaN and ±∞ are not
/// measurements; they are never used in any statistic and are counted separately in
/// ``nonFinite`` so a caller can report or reject them (``CohortSummary`` rejects them).
///
/// Numerics: sums are Neumaier-compensated and the variance uses the corrected two-pass formula
/// Σ(x − x̄)² − (Σ(x − x̄))²/n, so results are accurate to a few ulps for well-conditioned data and
/// do not lose digits when the mean is large relative to the spread.
public struct DescriptiveStatistics: Sendable, Equatable {
    /// Finite values used (n).
    public var count: Int
    /// `nil` entries in the input.
    public var missing: Int
    /// NaN or infinite entries in the input, left out of every statistic.
    public var nonFinite: Int
    /// Finite values ≤ 0, left out of the geometric statistics.
    public var nonPositive: Int
    /// Arithmetic mean.
    public var mean: Double?
    /// Sample standard deviation (divisor n − 1).
    public var standardDeviation: Double?
    /// 100·SD/mean.
    public var cvPercent: Double?
    /// exp(mean ln x) over x > 0.
    public var geometricMean: Double?
    /// 100·sqrt(exp(s²) − 1), s the sample SD of ln x over x > 0.
    public var geometricCVPercent: Double?
    /// Median (type 7, p = 0.5).
    public var median: Double?
    /// Smallest value.
    public var minimum: Double?
    /// Largest value.
    public var maximum: Double?
    /// First quartile (type 7, p = 0.25).
    public var firstQuartile: Double?
    /// Third quartile (type 7, p = 0.75).
    public var thirdQuartile: Double?

    /// Computes the statistics of `values`; `nil` means missing.
    public init(_ values: [Double?]) {
        var finite: [Double] = []
        finite.reserveCapacity(values.count)
        var missing = 0
        var nonFinite = 0
        for value in values {
            guard let value else {
                missing += 1
                continue
            }
            if value.isFinite { finite.append(value) } else { nonFinite += 1 }
        }
        self.missing = missing
        self.nonFinite = nonFinite
        count = finite.count

        let (mean, sd) = Self.meanAndStandardDeviation(finite)
        self.mean = mean
        standardDeviation = sd
        if let mean, let sd, mean != 0 { cvPercent = 100 * sd / mean } else { cvPercent = nil }

        let logs = finite.filter { $0 > 0 }.map { Foundation.log($0) }
        nonPositive = finite.count - logs.count
        let (logMean, logSD) = Self.meanAndStandardDeviation(logs)
        geometricMean = logMean.map { Foundation.exp($0) }
        // expm1 keeps digits when s is small (exp(s²) − 1 ≈ s²).
        geometricCVPercent = logSD.map { 100 * Foundation.expm1($0 * $0).squareRoot() }

        let sorted = finite.sorted()
        minimum = sorted.first
        maximum = sorted.last
        median = Self.quantile(sorted: sorted, probability: 0.5)
        firstQuartile = Self.quantile(sorted: sorted, probability: 0.25)
        thirdQuartile = Self.quantile(sorted: sorted, probability: 0.75)
    }

    /// Sample quantile by Hyndman & Fan type 7 (R's default) of already sorted finite values;
    /// `nil` for an empty array. `probability` must lie in [0, 1].
    public static func quantile(sorted: [Double], probability: Double) -> Double? {
        precondition((0...1).contains(probability), "quantile probability must lie in [0, 1]")
        guard !sorted.isEmpty else { return nil }
        let h = Double(sorted.count - 1) * probability
        let lower = Int(h.rounded(.down))
        let fraction = h - Double(lower)
        guard lower + 1 < sorted.count, fraction > 0 else { return sorted[lower] }
        return sorted[lower] + fraction * (sorted[lower + 1] - sorted[lower])
    }

    static func meanAndStandardDeviation(_ values: [Double]) -> (Double?, Double?) {
        guard !values.isEmpty else { return (nil, nil) }
        let n = Double(values.count)
        let mean = CompensatedSum(values).value / n
        guard values.count >= 2 else { return (mean, nil) }
        var squares = CompensatedSum()
        var deviations = CompensatedSum()
        for value in values {
            let d = value - mean
            squares.add(d * d)
            deviations.add(d)
        }
        let variance = max(0, squares.value - deviations.value * deviations.value / n) / (n - 1)
        return (mean, variance.squareRoot())
    }
}

/// Neumaier's compensated summation: the running error of each addition is carried separately,
/// so the sum is accurate to about one ulp independently of the number of terms.
struct CompensatedSum {
    private var sum = 0.0
    private var compensation = 0.0

    init() {}

    init<S: Sequence>(_ values: S) where S.Element == Double {
        for value in values { add(value) }
    }

    mutating func add(_ value: Double) {
        let t = sum + value
        if abs(sum) >= abs(value) {
            compensation += (sum - t) + value
        } else {
            compensation += (value - t) + sum
        }
        sum = t
    }

    var value: Double { sum + compensation }
}
