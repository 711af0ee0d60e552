import CARKineticsNumerics
import Foundation

/// The statistics of a visual predictive check (VPC): per time bin, the observed 5th, 50th and 95th percentiles
/// and fraction below the limit, and the same statistics of data sets simulated from the model, summarised over
/// the replicates by their median and 95% interval.
///
/// Rules (docs/report.md):
/// - **Bins**: nominal times when given (each distinct value one bin; observations without one are left out),
///   otherwise the actual times binned as for the report's median profiles (``LevelsByTime/binStarts(_:)``: a
///   bin starting at s takes every time up to s + 0.15·(1 + s)), and then a bin with fewer samples than 3 and
///   than a fifth of the median bin joins its nearer neighbour on ln(1 + t) (smallest first); a bin is placed
///   at its nominal time or at the median (R type 7) of its observations' times. Every observation in a bin
///   counts (not one per subject). Bins with fewer than `minimumCount` observations are left out.
/// - **Percentiles** by nearest rank (the ⌈p·n⌉-th smallest, R type 1, numpy `inverted_cdf`), with samples
///   below the limit ranked below every quantified value: a percentile is an observed value or "below the
///   limit" (nil), never an interpolation between a level and a BLQ sample. The same rule gives the 2.5th, 50th
///   and 97.5th percentiles of each statistic over the replicates.
public enum PredictiveCheck {
    /// A statistic over the simulated replicates: median and 95% interval (nil = below the limit).
    public struct Interval: Sendable, Equatable {
        public var lower: Double?
        public var median: Double?
        public var upper: Double?
    }

    /// One time bin.
    public struct Bin: Sendable, Equatable {
        /// Nominal time, or the median of the observations' times.
        public var time: Double
        /// Observations in the bin (quantified and below the limit).
        public var count: Int
        /// Observed 5th, 50th and 95th percentiles (nil = below the limit).
        public var observed: [Double?]
        /// Observed fraction below the limit.
        public var observedBelow: Double
        /// The simulated percentiles (same order as ``observed``) over the replicates.
        public var simulated: [Interval]
        /// The simulated fraction below the limit over the replicates.
        public var simulatedBelow: Interval
    }

    /// The percentiles a VPC draws.
    public static let probabilities = [0.05, 0.5, 0.95]

    /// The bin of each observation (nil: left out) and each bin's time.
    /// - Parameters:
    ///   - times: actual times, one per observation.
    ///   - nominal: nominal times, one per observation (nil where a row has none); nil = bin the actual times.
    public static func bins(times: [Double], nominal: [Double?]? = nil) -> (index: [Int?], times: [Double]) {
        if let nominal {
            let distinct = Array(Set(nominal.compactMap { $0 }.filter(\.isFinite))).sorted()
            let key = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
            return (nominal.map { $0.flatMap { key[$0] } }, distinct)
        }
        let starts = LevelsByTime.binStarts(times)
        // Observation indices per bin, in time order.
        var groups = [[Int]](repeating: [], count: starts.count)
        for (j, t) in times.enumerated() where t >= 0 && t.isFinite && !starts.isEmpty {
            // The last start at or before t.
            var low = 0
            var high = starts.count
            while low < high {
                let middle = (low + high) / 2
                if starts[middle] <= t { low = middle + 1 } else { high = middle }
            }
            groups[max(0, low - 1)].append(j)
        }
        groups.removeAll { $0.isEmpty }
        func centre(_ group: [Int]) -> Double {
            DescriptiveStatistics.quantile(sorted: group.map { times[$0] }.sorted(), probability: 0.5) ?? 0
        }
        // Stragglers (a sample taken days off schedule) would make bins of one or two samples, whose percentiles
        // are noise: a bin smaller than a fifth of the median bin (and than 3) joins its nearer neighbour on
        // ln(1 + t), smallest first, so every sample still counts.
        let sizes = groups.map(\.count).sorted()
        let typical = sizes.isEmpty ? 0 : sizes[(sizes.count - 1) / 2]
        let threshold = max(3, Int((0.2 * Double(typical)).rounded(.up)))
        while groups.count > 1,
            let small = groups.indices.filter({ groups[$0].count < threshold }).min(by: {
                groups[$0].count < groups[$1].count
            })
        {
            let here = Foundation.log1p(centre(groups[small]))
            let before = small > 0 ? abs(here - Foundation.log1p(centre(groups[small - 1]))) : .infinity
            let after = small + 1 < groups.count ? abs(Foundation.log1p(centre(groups[small + 1])) - here) : .infinity
            let target = before <= after ? small - 1 : small + 1
            groups[target] = (groups[target] + groups[small]).sorted { times[$0] < times[$1] }
            groups.remove(at: small)
        }
        var index = [Int?](repeating: nil, count: times.count)
        for (b, group) in groups.enumerated() { for j in group { index[j] = b } }
        return (index, groups.map(centre))
    }

    /// The ⌈p·n⌉-th smallest of `sorted` (ascending, −∞ for below the limit), nil for −∞ or no values.
    public static func nearestRank(sorted: [Double], probability p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = min(sorted.count, max(1, Int((p * Double(sorted.count)).rounded(.up))))
        let value = sorted[rank - 1]
        return value == -.infinity ? nil : value
    }

    /// Per bin: the percentiles of ``probabilities`` and the fraction below the limit of `values` (nil = below
    /// the limit), as [p05, p50, p95, fraction] with −∞ for a percentile below the limit; empty bins get NaN.
    static func statistics(_ values: [Double?], index: [Int?], binCount: Int) -> [Double] {
        var groups = [[Double]](repeating: [], count: binCount)
        for (value, bin) in zip(values, index) {
            guard let bin else { continue }
            groups[bin].append(value ?? -.infinity)
        }
        var out: [Double] = []
        out.reserveCapacity(4 * binCount)
        for var group in groups {
            guard !group.isEmpty else {
                out += [.nan, .nan, .nan, .nan]
                continue
            }
            group.sort()
            for p in probabilities { out.append(nearestRank(sorted: group, probability: p) ?? -.infinity) }
            out.append(Double(group.filter { $0 == -.infinity }.count) / Double(group.count))
        }
        return out
    }

    /// The VPC of `observed` against `replicates` simulated data sets.
    /// - Parameters:
    ///   - observed: the observations (nil = below the limit), in the order of `simulate`'s output.
    ///   - bins: from ``bins(times:nominal:)`` over the same observations.
    ///   - replicates: number of simulated data sets (≥ 1).
    ///   - minimumCount: bins with fewer observations are left out.
    ///   - simulate: replicate k's values (nil = below the limit), same order and length as `observed`; called
    ///     once per k, possibly from several threads.
    public static func compute(
        observed: [Double?], bins: (index: [Int?], times: [Double]), replicates: Int, minimumCount: Int = 3,
        simulate: @Sendable (Int) -> [Double?]
    ) -> [Bin] {
        let binCount = bins.times.count
        let index = bins.index
        let observedStatistics = statistics(observed, index: index, binCount: binCount)
        let simulated = parallelMap(count: max(1, replicates), chunks: 16) { k in
            statistics(simulate(k), index: index, binCount: binCount)
        }
        var counts = [Int](repeating: 0, count: binCount)
        for bin in index { if let bin { counts[bin] += 1 } }
        var result: [Bin] = []
        for b in 0..<binCount where counts[b] >= minimumCount {
            func interval(_ s: Int) -> Interval {
                let values = simulated.map { $0[4 * b + s] }.filter { !$0.isNaN }.sorted()
                return Interval(
                    lower: nearestRank(sorted: values, probability: 0.025),
                    median: nearestRank(sorted: values, probability: 0.5),
                    upper: nearestRank(sorted: values, probability: 0.975))
            }
            let o = observedStatistics[(4 * b)..<(4 * b + 4)].map { $0 }
            result.append(
                Bin(
                    time: bins.times[b], count: counts[b], observed: o[0..<3].map { $0 == -.infinity ? nil : $0 },
                    observedBelow: o[3], simulated: (0..<3).map(interval), simulatedBelow: interval(3)))
        }
        return result
    }
}
