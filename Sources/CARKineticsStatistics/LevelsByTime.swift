import CARKineticsData
import Foundation

/// A cohort's levels summarised per time point: the median profile and a 90% band (5th to 95th percentile)
/// drawn over the individual profiles in the report.
///
/// Time points are the nominal times when the caller has them (e.g. `NFRLT`), otherwise the actual times
/// binned: the distinct times t ≥ 0 are gathered from the smallest, a bin starting at time s takes every time up
/// to s + 0.15·(1 + s) and the next time starts a new bin (so day 7 ± 0.5 and day 28 ± 2 stay whole while days 1,
/// 3, 7 and 14 stay apart, and no bin is wider than 15 % of 1 + its start); a bin is placed at the median of the
/// subjects' times in it.
/// A subject counts once per time point (its first sample there). Levels below quantification (BLQ, or a
/// measured 0) rank below every quantified level; missing values are left out. Percentiles are by nearest rank
/// (the ⌈p·n⌉-th smallest value, R's quantile type 1), so each one is an observed level or "below
/// quantification", never an interpolation between a level and a BLQ sample. A time point with fewer than
/// `minimumCount` subjects is left out.
public enum LevelsByTime {
    /// One time point.
    public struct Point: Sendable, Equatable {
        /// Time (nominal, or the median of the binned actual times).
        public var time: Double
        /// Subjects with a level at this time point.
        public var count: Int
        /// Subjects below quantification at this time point.
        public var belowQuantification: Int
        /// The 5th percentile, median and 95th percentile; nil = below quantification.
        public var p05: Double?
        /// The median; nil = below quantification.
        public var median: Double?
        /// The 95th percentile; nil = below quantification.
        public var p95: Double?
    }

    /// A bin of actual times starting at s reaches to s + binWidth·(1 + s).
    public static let binWidth = 0.15

    /// The bin starts for `times` (any order): each is the smallest time not within the bin before it.
    public static func binStarts(_ times: [Double]) -> [Double] {
        var starts: [Double] = []
        for time in Set(times.filter { $0 >= 0 && $0.isFinite }).sorted() {
            if let last = starts.last, time <= last + binWidth * (1 + last) { continue }
            starts.append(time)
        }
        return starts
    }

    /// The per-time summary of `subjects`, each a list of (time, level) with level nil for below quantification
    /// (missing samples are not passed). `nominal` says whether the times are nominal (grouped by value) or
    /// actual (binned); times below 0 are left out either way.
    public static func summarise(
        _ subjects: [[(time: Double, level: Double?)]], nominal: Bool, minimumCount: Int = 3
    ) -> [Point] {
        // key → (times seen, levels)
        var times: [Int: [Double]] = [:]
        var levels: [Int: [Double?]] = [:]
        var nominalKeys: [Double: Int] = [:]
        let starts = nominal ? [] : binStarts(subjects.flatMap { $0.map(\.time) })
        func bin(_ time: Double) -> Int {
            // The last start at or before `time`.
            var low = 0
            var high = starts.count
            while low < high {
                let middle = (low + high) / 2
                if starts[middle] <= time { low = middle + 1 } else { high = middle }
            }
            return max(0, low - 1)
        }
        for samples in subjects {
            var seen = Set<Int>()
            for sample in samples where sample.time >= 0 && sample.time.isFinite {
                let key: Int
                if nominal {
                    if let known = nominalKeys[sample.time] {
                        key = known
                    } else {
                        key = nominalKeys.count
                        nominalKeys[sample.time] = key
                    }
                } else {
                    key = bin(sample.time)
                }
                guard seen.insert(key).inserted else { continue }
                times[key, default: []].append(sample.time)
                levels[key, default: []].append(sample.level.flatMap { $0 > 0 && $0.isFinite ? $0 : nil })
            }
        }
        var points: [Point] = []
        for (key, values) in levels where values.count >= minimumCount {
            let below = values.filter { $0 == nil }.count
            let sorted = values.compactMap { $0 }.sorted()
            func percentile(_ p: Double) -> Double? {
                let rank = max(1, Int((p * Double(values.count)).rounded(.up)))
                // The first `below` ranks are below quantification.
                return rank <= below ? nil : sorted[rank - below - 1]
            }
            let at = (times[key] ?? []).sorted()
            let time = nominal ? at[0] : DescriptiveStatistics.quantile(sorted: at, probability: 0.5) ?? at[0]
            points.append(
                Point(
                    time: time, count: values.count, belowQuantification: below, p05: percentile(0.05),
                    median: percentile(0.5), p95: percentile(0.95)))
        }
        return points.sorted { $0.time < $1.time }
    }
}
