import Foundation
import Testing

@testable import CARKineticsStatistics

@Suite("VPC statistics: bins and nearest-rank percentiles")
struct PredictiveCheckTests {
    /// Times and values (nil = BLQ) from `scripts/fixtures/pop_vpc_statistics.py` (numpy, seed 7): three bins
    /// under the report's binning rule, percentiles by numpy's `inverted_cdf` with BLQ as −∞.
    static let times = [
        1.1813, 1.2602, 1.2249, 1.0653, 1.087, 1.2533, 1.0015, 1.2382, 1.2312, 1.1357, 1.0879, 1.0807, 1.0739, 1.1291,
        1.1463, 1.1605, 1.2887, 1.2299, 1.1804, 1.2868, 7.2368, 7.1762, 7.6738, 7.0483, 7.0392, 7.5664, 7.5128,
        31.6687, 30.5169, 30.0565, 29.9875, 28.9901, 28.0472, 28.7696, 30.7681, 28.8024, 29.4781, 28.0149, 31.3202,
        28.6178,
    ]
    static let values: [Double?] = [
        132.727, 165.747, 158.188, nil, 160.155, 577.566, nil, 350.508, 167.227, nil, 1097.09, 318.066, nil, 159.895,
        264.196, 122.881, 293.803, 138.862, 289.237, 625.482, nil, 181.842, nil, 168.556, nil, nil, 121.974, 364.587,
        466.483, nil, nil, 283.412, nil, nil, 134.655, 521.659, 295.717, 106.995, 102.66, 115.562,
    ]

    @Test("Bins, centres, percentiles and BLQ fractions against numpy")
    func againstNumpy() {
        let bins = PredictiveCheck.bins(times: Self.times)
        #expect(bins.times == [1.17045, 7.2368, 29.4781])
        #expect(bins.index == (0..<40).map { $0 < 20 ? 0 : $0 < 27 ? 1 : 2 })
        let s = PredictiveCheck.statistics(Self.values, index: bins.index, binCount: 3)
        let ninf = -Double.infinity
        #expect(s == [ninf, 160.155, 625.482, 0.2, ninf, ninf, 181.842, 4.0 / 7, ninf, 115.562, 521.659, 4.0 / 13])
    }

    /// Counts 5, 1, 5 under the binning rule; the straggler at 2.2 is nearer day 1 than day 5 on ln(1 + t)
    /// (|ln 3.2 − ln 2| = 0.47 < |ln 6 − ln 3.2| = 0.63) and joins it.
    @Test("A straggler bin joins its nearer neighbour on ln(1 + t)")
    func straggler() {
        let bins = PredictiveCheck.bins(times: [1, 1, 1, 1, 1, 2.2, 5, 5, 5, 5, 5])
        #expect(bins.index == [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
        #expect(bins.times == [1, 5])
        // Without stragglers nothing merges: counts 5, 4 (threshold 3).
        #expect(PredictiveCheck.bins(times: [1, 1, 1, 1, 1, 5, 5, 5, 5]).times == [1, 5])
    }

    @Test("Nominal bins: one per distinct nominal time; rows without one left out")
    func nominal() {
        let bins = PredictiveCheck.bins(times: [0.9, 1.2, 6.5, 7.4, 3], nominal: [1, 1, 7, 7, nil])
        #expect(bins.times == [1, 7])
        #expect(bins.index == [0, 0, 1, 1, nil])
    }

    /// Replicate k multiplies every value by (k + 1): over 40 replicates the 2.5th, 50th and 97.5th percentiles of the
    /// simulated median are the ⌈0.025·40⌉ = 1st, 20th and ⌈0.975·40⌉ = 39th multiples of the observed median.
    @Test("Intervals over replicates by nearest rank; sparse bins left out")
    func intervals() {
        let observed: [Double?] = [10, 20, 30, 40, 50, nil, 5, 6]
        let bins = PredictiveCheck.bins(times: [1, 1, 1, 1, 1, 1, 40, 41], nominal: [1, 1, 1, 1, 1, 1, 40, 40])
        let result = PredictiveCheck.compute(observed: observed, bins: bins, replicates: 40) { k in
            observed.map { $0.map { $0 * Double(k + 1) } }
        }
        // The nominal bin at day 40 has 2 samples (< 3) and is left out.
        #expect(result.count == 1)
        let bin = result[0]
        #expect(bin.count == 6)
        // Six samples, one BLQ: 5th percentile = 1st smallest = BLQ; median = 3rd = 20; 95th = 6th = 50.
        #expect(bin.observed == [nil, 20, 50])
        #expect(bin.observedBelow == 1.0 / 6)
        #expect(bin.simulated[1] == PredictiveCheck.Interval(lower: 20, median: 400, upper: 780))
        #expect(bin.simulated[0] == PredictiveCheck.Interval(lower: nil, median: nil, upper: nil))
        #expect(bin.simulatedBelow == PredictiveCheck.Interval(lower: 1.0 / 6, median: 1.0 / 6, upper: 1.0 / 6))
    }
}
