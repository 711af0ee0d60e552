import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

@Suite("Descriptive statistics")
struct DescriptiveStatisticsTests {
    @Test("even count: every statistic against hand-computed values")
    func evenCount() {
        let s = DescriptiveStatistics([1, 2, 4, 8])
        #expect(s.count == 4 && s.missing == 0 && s.nonPositive == 0 && s.nonFinite == 0)
        expectClose(s.mean, 3.75, relative: 1e-15, "mean")
        // Σ(x − 3.75)² = 7.5625 + 3.0625 + 0.0625 + 18.0625 = 28.75; sd = sqrt(28.75/3)
        expectClose(s.standardDeviation, (28.75 / 3).squareRoot(), relative: 1e-15, "sd")
        expectClose(s.cvPercent, 100 * (28.75 / 3).squareRoot() / 3.75, relative: 1e-15, "cv")
        // ln x = ln2·(0,1,2,3): geometric mean 2^1.5; s² = (ln 2)²·5/3
        expectClose(s.geometricMean, pow(2, 1.5), relative: 1e-14, "geometric mean")
        let s2 = log(2.0) * log(2.0) * 5 / 3
        expectClose(s.geometricCVPercent, 100 * (exp(s2) - 1).squareRoot(), relative: 1e-13, "geometric CV")
        expectClose(s.geometricCVPercent, 110.78004775341984, relative: 1e-12, "geometric CV (numpy)")
        // even count: median = mean of 2 and 4; type 7: h = 0.75 → 1.75, h = 2.25 → 5
        #expect(s.median == 3)
        #expect(s.firstQuartile == 1.75)
        #expect(s.thirdQuartile == 5)
        #expect(s.minimum == 1 && s.maximum == 8)
    }

    @Test("odd count with a zero: zero counted and left out of geometric statistics only")
    func oddCountWithZero() {
        let s = DescriptiveStatistics([0, 3, 5, 10, 2])
        #expect(s.count == 5 && s.nonPositive == 1)
        expectClose(s.mean, 4, relative: 1e-15, "mean")
        expectClose(s.standardDeviation, (58.0 / 4).squareRoot(), relative: 1e-15, "sd")
        // geometric over 3, 5, 10, 2 only: (300)^(1/4)
        expectClose(s.geometricMean, pow(300, 0.25), relative: 1e-14, "geometric mean")
        expectClose(s.geometricCVPercent, 78.70676095363487, relative: 1e-12, "geometric CV")
        #expect(s.median == 3 && s.firstQuartile == 2 && s.thirdQuartile == 5)
        #expect(s.minimum == 0 && s.maximum == 10)
    }

    @Test("single value: location statistics only")
    func singleValue() {
        let s = DescriptiveStatistics([7.5])
        #expect(s.count == 1)
        #expect(s.mean == 7.5 && s.median == 7.5 && s.minimum == 7.5 && s.maximum == 7.5)
        #expect(s.firstQuartile == 7.5 && s.thirdQuartile == 7.5)
        expectClose(s.geometricMean, 7.5, relative: 1e-15, "geometric mean")
        #expect(s.standardDeviation == nil && s.cvPercent == nil && s.geometricCVPercent == nil)
    }

    @Test("missing values are counted and skipped")
    func missingValues() {
        let s = DescriptiveStatistics([nil, 4, nil, 6])
        #expect(s.count == 2 && s.missing == 2)
        #expect(s.mean == 5 && s.median == 5)
        expectClose(s.standardDeviation, 2.0.squareRoot(), relative: 1e-15, "sd")
        expectClose(s.geometricMean, 24.0.squareRoot(), relative: 1e-15, "geometric mean")
    }

    @Test("all missing: counts only")
    func allMissing() {
        let s = DescriptiveStatistics([nil, nil, nil])
        #expect(s.count == 0 && s.missing == 3)
        #expect(s.mean == nil && s.standardDeviation == nil && s.geometricMean == nil && s.median == nil)
        #expect(s.minimum == nil && s.maximum == nil && s.firstQuartile == nil && s.thirdQuartile == nil)
    }

    @Test("only zeros: no geometric statistics, arithmetic ones still there, CV of zero mean absent")
    func onlyZeros() {
        let s = DescriptiveStatistics([0, 0])
        #expect(s.nonPositive == 2 && s.geometricMean == nil && s.geometricCVPercent == nil)
        #expect(s.mean == 0 && s.standardDeviation == 0 && s.cvPercent == nil)
    }

    @Test("NaN and infinity are counted separately and never used")
    func nonFinite() {
        let s = DescriptiveStatistics([1, .nan, 3, .infinity])
        #expect(s.nonFinite == 2 && s.count == 2 && s.missing == 0)
        #expect(s.mean == 2 && s.maximum == 3)
    }

    @Test("large offset does not cost digits in the SD")
    func largeOffset() {
        let s = DescriptiveStatistics([1e9 + 1, 1e9 + 2, 1e9 + 3])
        #expect(s.mean == 1e9 + 2)
        expectClose(s.standardDeviation, 1, relative: 1e-12, "sd")
    }

    @Test("type 7 quantiles at other probabilities")
    func quantiles() {
        let sorted = [10.0, 20, 30, 40, 50, 60]
        // h = 5·0.1 = 0.5 → 15; h = 5·0.9 = 4.5 → 55; p = 0 and 1 give the extremes
        #expect(DescriptiveStatistics.quantile(sorted: sorted, probability: 0.1) == 15)
        expectClose(DescriptiveStatistics.quantile(sorted: sorted, probability: 0.9), 55, relative: 1e-15, "p=0.9")
        #expect(DescriptiveStatistics.quantile(sorted: sorted, probability: 0) == 10)
        #expect(DescriptiveStatistics.quantile(sorted: sorted, probability: 1) == 60)
        #expect(DescriptiveStatistics.quantile(sorted: [], probability: 0.5) == nil)
    }
}

@Suite("Compensated sum")
struct CompensatedSumTests {
    @Test("keeps the small terms a naive sum loses")
    func smallTerms() {
        let values = [1e16] + Array(repeating: 1.0, count: 1000) + [-1e16]
        #expect(CompensatedSum(values).value == 1000)
    }
}
