import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// Hand-computed values for every rule of issue 2 and each edge it lists.
@Suite struct NCARulesTests {
    /// 0,1,2,4,8,12 h with 0,4,8,4,1,0.25: rises linearly, then falls by 4× every 4 days from day 4.
    let basic = makeProfile([(0, 0), (1, 4), (2, 8), (4, 4), (8, 1), (12, 0.25)])

    @Test func cmaxTmaxClastTlast() {
        let r = NCA.analyze(basic)
        #expect(r.cmax == .value(8))
        #expect(r.tmax == .value(2))
        #expect(r.clast == .value(0.25))
        #expect(r.tlast == .value(12))
        #expect(r.quantifiableCount == 5)
    }

    @Test func auclastLinear() {
        // 0.5·4 + (4+8)/2 + 2·(8+4)/2 + 4·(4+1)/2 + 4·(1+0.25)/2 = 2 + 6 + 12 + 10 + 2.5
        let r = NCA.analyze(basic, options: NCAOptions(aucMethod: .linear))
        #expect(r.auclast == .value(32.5))
    }

    @Test func auclastLinearUpLogDown() {
        // rising segments linear (2 + 6); falling ones Δt(c1−c2)/ln(c1/c2)
        let expected = 2 + 6 + 2 * 4 / log(2.0) + 4 * 3 / log(4.0) + 4 * 0.75 / log(4.0)
        let r = NCA.analyze(basic)
        expectClose(r.auclast.number, expected, relative: 1e-14, "auclast")
    }

    @Test func lambdaZExactExponential() throws {
        let r = NCA.analyze(basic)
        let fit = try r.lambdaZ.get()
        #expect(fit.points == 3)
        expectClose(fit.lambdaZ, log(4.0) / 4, relative: 1e-12, "lambda_z")
        expectClose(fit.halfLife, 2, relative: 1e-12, "half_life")
        expectClose(fit.adjustedR2, 1, relative: 1e-12, "r2adj")
        #expect(fit.timeFirst == 4 && fit.timeLast == 12)
        let auclast = try #require(r.auclast.number)
        expectClose(r.aucinfObserved.number, auclast + 0.25 / (log(4.0) / 4), relative: 1e-13, "aucinf_obs")
    }

    @Test func intervalEndInterpolatedLinear() {
        // [0,3]: C(3) = 6 on the 8→4 segment: 2 + 6 + (8+6)/2
        let r = NCA.analyze(basic, options: NCAOptions(aucMethod: .linear, intervals: [interval(0, 3)]))
        #expect(r.intervals[0].auc == .value(15))
        #expect(r.intervals[0].aucExtrapolated == .value(15))
        #expect(r.intervals[0].end == .interpolated)
        #expect(r.intervals[0].quantifiableSamples == 2)
    }

    @Test func intervalEndInterpolatedLog() {
        // log interpolation on the falling segment: C(3) = 8·(1/2)^(1/2); area by the log rule
        let c3 = 8 * sqrt(0.5)
        let expected = 2 + 6 + (8 - c3) / log(8 / c3)
        let r = NCA.analyze(basic, options: NCAOptions(intervals: [interval(0, 3)]))
        expectClose(r.intervals[0].auc.number, expected, relative: 1e-14, "auc_0_3")
    }

    @Test func windowStartAndEndInterpolatedOnRise() {
        // [0.5, 1.5]: C(0.5) = 2, C(1.5) = 6 → 0.5·(2+4)/2 + 0.5·(4+6)/2
        let r = NCA.analyze(basic, options: NCAOptions(intervals: [interval(0.5, 1.5)]))
        #expect(r.intervals[0].auc == .value(4))
    }

    @Test func windowEndingExactlyOnASample() {
        let r = NCA.analyze(
            basic, options: NCAOptions(aucMethod: .linear, intervals: [interval(1, 2), interval(0, 4)]))
        #expect(r.intervals[0].auc == .value(6))
        #expect(r.intervals[0].end == .observed)
        #expect(r.intervals[1].auc == .value(20))
        #expect(r.intervals[1].end == .observed)
    }

    @Test func windowAfterTlastStopsThereAndExtrapolatesWithLambdaZ() throws {
        let r = NCA.analyze(
            basic, options: NCAOptions(aucMethod: .linear, intervals: [interval(0, 28), interval(20, 28)]))
        let lambda = log(4.0) / 4
        #expect(r.intervals[0].auc == .value(32.5))
        #expect(r.intervals[0].end == .extrapolated)
        expectClose(
            r.intervals[0].aucExtrapolated.number, 32.5 + 0.25 / lambda * (1 - exp(-lambda * 16)), relative: 1e-13,
            "auc_0_28_extrap")
        // window entirely after Tlast: nothing observed, the tail from 20 to 28 only
        #expect(r.intervals[1].auc == .value(0))
        expectClose(
            r.intervals[1].aucExtrapolated.number, 0.25 / lambda * (exp(-lambda * 8) - exp(-lambda * 16)),
            relative: 1e-13, "auc_20_28_extrap")
    }

    @Test func blqRuleDefaultFirstKeepMiddleDropLastKeep() {
        let p = makeProfile([(0, nil), (1, nil), (2, 5), (3, nil), (4, 10), (5, 2), (6, nil), (7, nil)])
        let r = NCA.analyze(p, options: NCAOptions(aucMethod: .linear))
        // curve 0:0 1:0 2:5 4:10 5:2 6:0 7:0 → 0 + 2.5 + 15 + 6
        #expect(r.auclast == .value(23.5))
        #expect(r.aucall == .value(24.5))
        #expect(r.tmax == .value(4))
        #expect(r.tlast == .value(5))
        #expect(r.tlag == .value(1))
        #expect(r.belowLimitCount == 5)
        #expect(
            r.treatments == [
                .belowLimitAsZero(.first), .belowLimitAsZero(.first), .quantifiable, .belowLimitDropped(.middle),
                .quantifiable, .quantifiable, .belowLimitAsZero(.last), .belowLimitAsZero(.last),
            ])
    }

    @Test func blqRuleChangeable() {
        let p = makeProfile([(0, nil), (1, nil), (2, 5), (3, nil), (4, 10), (5, 2), (6, nil)])
        let keepMiddle = NCA.analyze(
            p, options: NCAOptions(aucMethod: .linear, blqRule: BLQRule(first: .keep, middle: .keep, last: .drop)))
        // 0 + 2.5 + 2.5 + 5 + 6; the trailing BLQ is dropped, so AUCall = AUClast
        #expect(keepMiddle.auclast == .value(16))
        #expect(keepMiddle.aucall == .value(16))
        let dropFirst = NCA.analyze(
            p, options: NCAOptions(aucMethod: .linear, blqRule: BLQRule(first: .drop, middle: .drop, last: .keep)))
        // leading BLQs gone: C(0) = 0 anchor, straight line to (2, 5): 5 + 15 + 6
        #expect(dropFirst.auclast == .value(26))
    }

    @Test func allBLQ() {
        let r = NCA.analyze(
            makeProfile([(-1, nil), (1, nil), (7, nil), (28, nil)]), options: NCAOptions(intervals: [interval(0, 28)]))
        #expect(r.cmax == .value(0))
        #expect(r.tmax.number == nil && r.tlast.number == nil && r.clast.number == nil)
        #expect(r.auclast == .value(0))
        #expect(r.intervals[0].auc == .value(0))
        #expect(r.intervals[0].aucExtrapolated == .value(0))
        #expect(r.aucinfObserved == .value(0))
        #expect((try? r.lambdaZ.get()) == nil)
        #expect(r.notes == ["no quantifiable level"])
    }

    @Test func onlyMissingValuesIsNotComputable() {
        let r = NCA.analyze(makeProfile([(1, .nan), (2, .nan)]))
        #expect(r.cmax.reason == "no samples after infusion")
        #expect(r.auclast.number == nil)
        #expect(r.missingCount == 2)
    }

    @Test func oneQuantifiablePoint() {
        let r = NCA.analyze(
            makeProfile([(0, nil), (7, 100), (14, nil)]), options: NCAOptions(intervals: [interval(0, 28)]))
        #expect(r.cmax == .value(100))
        #expect(r.tmax == .value(7))
        #expect(r.tlast == .value(7))
        #expect(r.auclast == .value(350))
        #expect(r.intervals[0].auc == .value(350))
        #expect(r.intervals[0].aucExtrapolated.number == nil)
        #expect(r.lambdaZ == .failure(.tooFewPoints(0, needed: 3)))
        #expect(r.aucinfObserved.number == nil)
    }

    @Test func dropoutBeforeDay28() throws {
        // exponential decline with half-life 2 d from day 2; last sample day 12
        let p = makeProfile([(0, 0), (2, 100), (4, 50), (8, 12.5), (12, 3.125)])
        let r = NCA.analyze(p, options: NCAOptions(intervals: [interval(0, 28)]))
        let lambda = log(2.0) / 2
        let expectedLast = 100 + 2 * 50 / log(2.0) + 4 * 37.5 / log(4.0) + 4 * 9.375 / log(4.0)
        expectClose(r.auclast.number, expectedLast, relative: 1e-13, "auclast")
        expectClose(r.intervals[0].auc.number, expectedLast, relative: 1e-13, "auc_0_28 stops at Tlast")
        expectClose(try r.lambdaZ.get().lambdaZ, lambda, relative: 1e-12, "lambda_z")
        expectClose(
            r.intervals[0].aucExtrapolated.number, expectedLast + 3.125 / lambda * (1 - exp(-lambda * 16)),
            relative: 1e-13, "extrap")
        #expect(r.intervals[0].end == .extrapolated)
    }

    @Test func peakAtLastSample() {
        let r = NCA.analyze(
            makeProfile([(0, 0), (7, 10), (14, 20)]), options: NCAOptions(intervals: [interval(0, 28)]))
        #expect(r.tmax == .value(14))
        #expect(r.tlast == .value(14))
        #expect(r.auclast == .value(140))
        #expect(r.intervals[0].auc == .value(140))
        #expect(r.intervals[0].aucExtrapolated.number == nil)
        #expect(r.lambdaZ == .failure(.tooFewPoints(0, needed: 3)))
    }

    @Test func positiveBaselineIsTheObservedTimeZeroLevel() {
        // baseline is the maximum: Tmax = 0; λz uses the three later points
        let r = NCA.analyze(makeProfile([(0, 50), (1, 40), (2, 20), (4, 10)]), options: NCAOptions(aucMethod: .linear))
        #expect(r.cmax == .value(50))
        #expect(r.tmax == .value(0))
        #expect(r.auclast == .value(45 + 30 + 30))
        #expect((try? r.lambdaZ.get())?.points == 3)
        #expect(r.tlag == .value(0))
    }

    @Test func noTimeZeroSampleStartsFromZero() {
        let r = NCA.analyze(makeProfile([(1, 10), (3, 30)]), options: NCAOptions(aucMethod: .linear))
        // (0,0) anchor: 0.5·10 + 2·(10+30)/2
        #expect(r.auclast == .value(45))
        #expect(r.tlag == .value(0))
    }

    @Test func preInfusionLevelCarriedToZero() {
        let p = makeProfile([(-7, 1000), (-1, 20), (1, 40), (2, 80), (4, 60)])
        let r = NCA.analyze(p, options: NCAOptions(aucMethod: .linear))
        // C(0) = 20 (last pre-infusion); pre-infusion rows are not observations for Cmax
        #expect(r.cmax == .value(80))
        #expect(r.auclast == .value(30 + 60 + 140))
        #expect(
            r.treatments == [
                .preInfusionIgnored, .preInfusionCarriedToZero, .quantifiable, .quantifiable, .quantifiable,
            ])
    }

    @Test func preInfusionBLQCarriesZeroAndIsIgnoredWhenTimeZeroSampled() {
        let blq = NCA.analyze(makeProfile([(-1, nil), (1, 40), (2, 80)]), options: NCAOptions(aucMethod: .linear))
        #expect(blq.auclast == .value(20 + 60))
        let sampled = NCA.analyze(makeProfile([(-1, 500), (0, 10), (1, 40)]), options: NCAOptions(aucMethod: .linear))
        #expect(sampled.auclast == .value(25))
        #expect(sampled.treatments.first == .preInfusionIgnored)
    }

    @Test func missingValueIsExcluded() {
        let withMissing = NCA.analyze(makeProfile([(0, 0), (1, 4), (1.5, .nan), (2, 8), (4, 4), (8, 1), (12, 0.25)]))
        let without = NCA.analyze(basic)
        #expect(withMissing.auclast == without.auclast)
        #expect(withMissing.lambdaZ == without.lambdaZ)
        #expect(withMissing.missingCount == 1)
        #expect(withMissing.treatments[2] == .missing)
    }

    @Test(arguments: [1e-300, 1e300])
    func extremeMagnitudesScale(factor: Double) throws {
        let scaled = makeProfile([
            (0, 0), (1, 4 * factor), (2, 8 * factor), (4, 4 * factor), (8, factor), (12, 0.25 * factor),
        ])
        for method in AUCMethod.allCases {
            let options = NCAOptions(aucMethod: method)
            let r = NCA.analyze(scaled, options: options)
            let base = NCA.analyze(basic, options: options)
            expectClose(r.cmax.number, 8 * factor, relative: 1e-15, "cmax")
            expectClose(r.auclast.number, try #require(base.auclast.number) * factor, relative: 1e-13, "auclast")
            expectClose(
                r.aucinfObserved.number, try #require(base.aucinfObserved.number) * factor, relative: 1e-13, "aucinf")
            for k in r.intervals.indices {
                expectClose(
                    r.intervals[k].aucExtrapolated.number,
                    try #require(base.intervals[k].aucExtrapolated.number) * factor, relative: 1e-13, "interval")
            }
            expectClose(try r.lambdaZ.get().lambdaZ, log(4.0) / 4, relative: 1e-12, "lambda_z")
        }
    }

    @Test func tiedCmaxTakesFirst() {
        let r = NCA.analyze(makeProfile([(0, 0), (3, 9), (5, 9), (7, 1)]))
        #expect(r.tmax == .value(3))
    }

    @Test func lambdaZPrefersMostPointsWithinTolerance() throws {
        // exact exponential after the peak: every candidate has adjusted R² = 1 → all 5 points
        let exact = makeProfile([(0, 0), (1, 100), (2, 50), (3, 25), (4, 12.5), (5, 6.25), (6, 3.125)])
        #expect(try NCA.analyze(exact).lambdaZ.get().points == 5)
        // the first post-peak point is far off the line: the last three/four are better by more than 1e-4
        let bent = makeProfile([(0, 0), (1, 100), (2, 90), (3, 25), (4, 12.5), (5, 6.25), (6, 3.125)])
        let fit = try NCA.analyze(bent).lambdaZ.get()
        #expect(fit.points == 4)
        expectClose(fit.lambdaZ, log(2.0), relative: 1e-12, "lambda_z")
    }

    @Test func lambdaZRejectsRisingTail() {
        let r = NCA.analyze(makeProfile([(0, 0), (1, 100), (2, 5), (3, 6), (4, 7)]))
        #expect(r.lambdaZ == .failure(.noDecline))
        #expect(r.notes == ["λz: no terminal regression with a negative slope"])
    }
}
