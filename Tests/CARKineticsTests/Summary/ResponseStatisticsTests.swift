import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

// Reference values computed independently with R 4.2.2 (stats, survival 3.5.3) and Python (scipy 1.17.1,
// statsmodels 0.15.0, lifelines 0.30.3) by scripts/fixtures/response_reference.R / .py; numbers copied
// here at 17 significant digits. Firth references: no logistf here (not packaged for Debian, not on PyPI);
// they come from a direct numerical maximisation of ℓ + ½ ln det(XᵀWX) (Nelder–Mead then BFGS, scipy),
// independent of our Newton iteration, and agree with the firthmodels 0.8.2 package (coefficients to 1e-8,
// LR p of its lrt() to 1e-14; its Wald bse_ uses an augmented information and is not logistf's).

@Suite("Distributions")
struct ResponseDistributionTests {
    @Test("normal quantiles and chi-square tails agree with R's qnorm and pchisq")
    func againstR() {
        expectClose(Normal.quantile(0.975), 1.9599639845400536, relative: 1e-15, "qnorm(0.975)")
        expectClose(Normal.quantile(1e-10), -6.3613409024040557, relative: 1e-14, "qnorm(1e-10)")
        expectClose(Normal.quantile(0.3), -0.52440051270804067, relative: 1e-14, "qnorm(0.3)")
        expectClose(Normal.cdf(-9), 1.1285884059538408e-19, relative: 1e-13, "pnorm(-9)")
        expectClose(
            ChiSquare.upperTail(3.84, degreesOfFreedom: 1), 0.050043521248705224, relative: 1e-13, "pchisq(3.84, 1)")
        expectClose(
            ChiSquare.upperTail(50, degreesOfFreedom: 3), 7.9891792449514704e-11, relative: 1e-12, "pchisq(50, 3)")
        expectClose(
            ChiSquare.upperTail(0.5, degreesOfFreedom: 2), 0.77880078307140488, relative: 1e-14, "pchisq(0.5, 2)")
        expectClose(
            ChiSquare.upperTail(7.3, degreesOfFreedom: 5), 0.19926778992124203, relative: 1e-13, "pchisq(7.3, 5)")
        expectClose(
            ChiSquare.upperTail(200, degreesOfFreedom: 4), 3.7572767357810449e-42, relative: 1e-12, "pchisq(200, 4)")
    }
}

@Suite("Responder comparison")
struct ResponderComparisonTests {
    let responders = [12000.0, 45000, 8300, 150000, 67000, 23000]
    let nonResponders = [3000.0, 15000, 900, 7000, 11000]

    @Test("geometric mean ratio with the Welch 90% interval on ln values (R t.test, statsmodels)")
    func gmr() throws {
        let r = GeometricMeanRatio(responders, nonResponders)
        expectClose(r.geometricMean1, 31809.801449019607, relative: 1e-13, "GM responders")
        expectClose(r.geometricMean2, 4997.918267277107, relative: 1e-13, "GM non-responders")
        expectClose(r.ratio, 6.3646101732571472, relative: 1e-13, "GMR")
        // A pooled-variance interval (df = 9) or a z interval would miss these at 1e-3.
        expectClose(r.degreesOfFreedom, 8.5000666619786127, relative: 1e-12, "Welch–Satterthwaite df")
        expectClose(r.lower, 1.8324411175354161, relative: 1e-10, "lower 90%")
        expectClose(r.upper, 22.106174255689535, relative: 1e-10, "upper 90%")
        #expect(r.count1 == 6 && r.count2 == 5)
    }

    @Test("a group with one value has a ratio but no interval")
    func tooFew() {
        let r = GeometricMeanRatio([10], [5, 20])
        expectClose(r.ratio, 1, relative: 1e-15, "GMR 10 / 10")
        #expect(r.lower == nil && r.upper == nil)
    }

    @Test("Mann–Whitney exact p without ties (R wilcox.test, scipy exact)")
    func exactSmall() {
        let t = MannWhitneyTest(responders, nonResponders)
        #expect(t.method == .exact && t.u == 27)
        expectClose(t.p, 0.030303030303030304, relative: 1e-13, "p (2·2/66 permutations)")
    }

    @Test("Mann–Whitney exact up to 49 per group (R's rule; scipy's default would use the normal approximation)")
    func exactTwelveTen() {
        let a = [1.1, 2.5, 3.7, 4.2, 5.9, 6.1, 7.3, 8.8, 9.4, 10.2, 11.5, 12.9]
        let b = [0.4, 1.9, 2.2, 3.1, 3.3, 4.8, 5.2, 6.6, 7.1, 8.1]
        let t = MannWhitneyTest(a, b)
        #expect(t.method == .exact && t.u == 87)
        expectClose(t.p, 0.080421126860755351, relative: 1e-12, "exact p")
        // scipy's method="auto" (asymptotic here) gives 0.08057521395813547: not what we report.
        #expect(abs(t.p - 0.08057521395813547) > 1e-4)
    }

    @Test("Mann–Whitney with ties: normal approximation with tie and continuity corrections")
    func ties() {
        let t = MannWhitneyTest([1, 2, 2, 3, 5, 5, 8], [2, 3, 3, 4, 4, 6])
        #expect(t.method == .normal && t.u == 19)
        // Without the tie correction p = 0.83032…; without the continuity correction 0.77203… (scipy).
        expectClose(t.p, 0.82798135947847884, relative: 1e-12, "p")
        let centre = MannWhitneyTest([1, 2, 3, 4], [1.5, 2.5, 3.5, 2.5])
        #expect(centre.u == 8 && centre.p == 1)
    }

    @Test("Mann–Whitney with 55 and 60 values (no ties): normal approximation with continuity correction")
    func large() {
        let a: [Double] = [
            4331, 9737, 3514, 39946, 11266, 3567, 13193, 16955, 14411, 5971, 36746, 11966, 4354, 885, 24958, 7747, 7973,
            20823, 18421, 14675, 20312, 17714, 8730, 1108, 15060, 7661, 6934, 1862, 5023, 12307, 31530, 7312, 11940,
            7679, 2045, 5351, 5463, 7636, 24344, 17382, 6874, 6290, 16268, 14139, 4069, 3994, 11668, 17475, 7242, 19557,
            12066, 4394, 11397, 2619, 33963,
        ]
        let b: [Double] = [
            35611, 3404, 1730, 8688, 4294, 54264, 4726, 9796, 5054, 2337, 5936, 808, 21281, 5729, 43158, 7907, 2416,
            9052, 1931, 1403, 6578, 3155, 4920, 5294, 2726, 2783, 4293, 15964, 1071, 8901, 6856, 14230, 3626, 7115,
            6420, 2857, 16446, 15684, 9899, 24025, 8591, 1371, 2770, 1444, 3061, 2643, 5126, 1976, 5756, 2554, 28776,
            10064, 12212, 7217, 26428, 2603, 3098, 20584, 2564, 3994,
        ]
        let t = MannWhitneyTest(a, b)
        #expect(t.method == .normal && t.u == 2172.5)
        expectClose(t.p, 0.0034707234173401353, relative: 1e-11, "p")
    }

    @Test("the exact distribution sums to C(n1+n2, n1) and is symmetric")
    func distribution() {
        let counts = MannWhitneyTest.exactDistribution(4, 3)
        #expect(counts.count == 13 && counts.reduce(0, +) == 35)
        #expect(counts == counts.reversed())
        #expect(counts == [1, 1, 2, 3, 4, 4, 5, 4, 4, 3, 2, 1, 1])
    }
}

@Suite("Logistic regression")
struct LogisticRegressionTests {
    let x = [800.0, 1500, 2600, 4100, 5200, 7400, 9900, 12500, 18000, 26000, 39000, 61000].map { log($0) }
    let y = [0, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1].map { $0 == 1 }

    @Test("maximum likelihood: slope, Wald SE and CI, LR p (R glm, statsmodels Logit)")
    func ml() throws {
        let fit = try LogisticRegression.fit(x: x, y: y)
        #expect(fit.method == .ml && !fit.separated)
        expectClose(fit.intercept, -8.6123235208791051, relative: 1e-9, "intercept")
        expectClose(fit.slope, 0.95645740294386761, relative: 1e-9, "slope")
        expectClose(fit.slopeStandardError, 0.6288015454243956, relative: 1e-8, "SE")
        expectClose(fit.slopeLower, -0.27597097951107485, relative: 1e-8, "Wald lower")
        expectClose(fit.slopeUpper, 2.1888857853988095, relative: 1e-8, "Wald upper")
        expectClose(fit.likelihoodRatio, 3.1521126101558679, relative: 1e-10, "LR")
        expectClose(fit.likelihoodRatioP, 0.075828729802458292, relative: 1e-10, "LR p")
        expectClose(fit.oddsRatioPerDoubling, 1.9405389663092483, relative: 1e-9, "OR per doubling")
        expectClose(fit.logLikelihood, -6.74170986164141, relative: 1e-11, "log-likelihood")
    }

    @Test(
        "Firth on a completely separated set (ML does not exist); LR against logistf's penalised null (slope fixed at 0)"
    )
    func firthSeparated() throws {
        let fit = try LogisticRegression.fit(x: [1, 2, 3, 4, 5, 6], y: [false, false, false, true, true, true])
        #expect(fit.method == .firth && fit.separated)
        expectClose(fit.intercept, -3.951193736988457, relative: 1e-6, "intercept")
        expectClose(fit.slope, 1.1289124997575595, relative: 1e-6, "slope")
        expectClose(fit.slopeStandardError, 0.8549083440185701, relative: 1e-6, "SE")
        expectClose(fit.slopeLower, -0.5466770646016164, relative: 1e-5, "lower")
        expectClose(fit.slopeUpper, 2.8045020641167353, relative: 1e-6, "upper")
        expectClose(fit.likelihoodRatio, 3.857033144441164, relative: 1e-6, "penalised LR")
        expectClose(
            fit.likelihoodRatioP, 0.04953785295949724, relative: 1e-6, "p (firthmodels lrt: 0.04953785295949749)")
        expectClose(fit.logLikelihood, -1.2896806971802184, relative: 1e-8, "penalised log-likelihood")
    }

    @Test("Firth on a quasi-separated set (a tie at the threshold) is detected as separated")
    func firthQuasi() throws {
        let fit = try LogisticRegression.fit(
            x: [1, 2, 3, 3, 4, 5, 6], y: [false, false, false, true, true, true, true])
        #expect(fit.method == .firth && fit.separated)
        expectClose(fit.intercept, -3.2749908807928607, relative: 1e-6, "intercept")
        expectClose(fit.slope, 1.080069364238001, relative: 1e-6, "slope")
        expectClose(fit.slopeStandardError, 0.8327270371225954, relative: 1e-6, "SE")
        expectClose(fit.likelihoodRatio, 3.548219830068552, relative: 1e-6, "LR")
        expectClose(fit.likelihoodRatioP, 0.05960936952359232, relative: 1e-6, "p")
    }

    @Test("Firth forced on overlapping data shrinks the slope towards 0")
    func firthForced() throws {
        let fit = try LogisticRegression.fit(x: x, y: y, firth: true)
        #expect(fit.method == .firth && !fit.separated)
        expectClose(fit.intercept, -6.469193169949177, relative: 1e-6, "intercept")
        expectClose(fit.slope, 0.7197205742561353, relative: 1e-6, "slope")
        expectClose(fit.slopeStandardError, 0.5569693850404838, relative: 1e-6, "SE")
        expectClose(fit.likelihoodRatio, 2.440532826362686, relative: 1e-6, "LR")
        expectClose(fit.likelihoodRatioP, 0.11823605770553341, relative: 1e-6, "p")
    }

    @Test("one outcome only, or a constant covariate, is an error rather than a number")
    func degenerate() {
        #expect(throws: LogisticRegressionError.oneOutcomeOnly) {
            try LogisticRegression.fit(x: [1, 2, 3], y: [true, true, true])
        }
        #expect(throws: LogisticRegressionError.constantCovariate) {
            try LogisticRegression.fit(x: [2, 2, 2], y: [true, false, true])
        }
    }
}

@Suite("Kaplan–Meier and log-rank")
struct KaplanMeierTests {
    static let a = (
        times: [3.0, 7, 7, 14, 21, 28, 28, 35, 60, 90, 120, 180, 200, 365, 400],
        events: [1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1].map { $0 == 1 }
    )
    static let b = (
        times: [14.0, 28, 60, 60, 90, 180, 270, 365, 365, 500],
        events: [0, 1, 0, 1, 0, 0, 1, 0, 0, 0].map { $0 == 1 }
    )
    static let c = (times: [5.0, 9, 14, 14, 20, 28], events: [1, 1, 1, 1, 0, 1].map { $0 == 1 })

    @Test("estimate, Greenwood SE and log-log bands (R survfit conf.type = \"log-log\")")
    func bands() {
        let km = KaplanMeier(times: Self.a.times, events: Self.a.events)
        let se = [
            0.069006555934235422, 0.10127393670836667, 0.1335371402725393, 0.1335371402725393, 0.20695933859617893,
            0.20695933859617893, 0.25815052128882415, 0.25815052128882415, 0.34152846388213626, 0.44718567170139184,
            0.44718567170139184, 0.44718567170139184,
        ]
        let lower = [
            0.61264124377487184, 0.56391200570895161, 0.48790519572439356, 0.48790519572439356, 0.32982500726455988,
            0.32982500726455988, 0.24730003882205578, 0.24730003882205578, 0.15575706462823843, 0.086408076265193395,
            0.086408076265193395, 0.086408076265193395,
        ]
        let upper = [
            0.99033223665001691, 0.96488449591647152, 0.92887008878392718, 0.92887008878392718, 0.83092441347801049,
            0.83092441347801049, 0.76792175172619359, 0.76792175172619359, 0.69006083520427797, 0.60009863688856135,
            0.60009863688856135, 0.60009863688856135,
        ]
        #expect(km.steps.count == 13 && km.count == 15 && km.eventCount == 9)
        for (i, step) in km.steps.prefix(12).enumerated() {
            expectClose(step.standardErrorOfLog, se[i], relative: 1e-13, "Greenwood SE at \(step.time)")
            expectClose(step.lower, lower[i], relative: 1e-12, "lower at \(step.time)")
            expectClose(step.upper, upper[i], relative: 1e-12, "upper at \(step.time)")
        }
        #expect(km.steps[12].survival == 0 && km.steps[12].lower == nil && km.steps[12].upper == nil)
    }

    @Test("median with Brookmeyer–Crowley log-log limits and survival at 90/180/365 days (R and lifelines)")
    func medians() {
        let a = KaplanMeier(times: Self.a.times, events: Self.a.events)
        #expect(a.median == 120 && a.medianLower == 14 && a.medianUpper == .infinity)
        expectClose(a.survival(at: 90), 0.54476190476190467, relative: 1e-14, "S(90)")
        expectClose(a.survival(at: 180), 0.32685714285714285, relative: 1e-14, "S(180)")
        expectClose(a.survival(at: 365), 0.32685714285714285, relative: 1e-14, "S(365)")
        let b = KaplanMeier(times: Self.b.times, events: Self.b.events)
        #expect(b.median == .infinity && b.medianLower == 28 && b.medianUpper == .infinity)
        expectClose(b.survival(at: 365), 0.58333333333333326, relative: 1e-14, "S(365)")
        #expect(b.survival(at: 501) == nil)
        let c = KaplanMeier(times: Self.c.times, events: Self.c.events)
        #expect(c.median == 14 && c.medianLower == 5 && c.medianUpper == .infinity)
        #expect(c.survival(at: 90) == 0 && c.survival(at: 365) == 0)
    }

    @Test("R's midpoint rule on a step at exactly ½; lifelines takes the step's start and sets bands to 0 at Ŝ = 0")
    func conventions() {
        let uncensored = KaplanMeier(times: [10, 20, 30, 40], events: [true, true, true, true])
        #expect(uncensored.median == 25 && uncensored.medianLower == 10 && uncensored.medianUpper == .infinity)
        let endsAtHalf = KaplanMeier(times: [10, 20, 30, 40], events: [true, true, false, false])
        #expect(endsAtHalf.median == 30)
        let lifelines = KaplanMeier(times: [10, 20, 30, 40], events: [true, true, true, true], convention: .lifelines)
        #expect(lifelines.median == 20)
        let a = KaplanMeier(times: Self.a.times, events: Self.a.events, convention: .lifelines)
        #expect(a.median == 120 && a.medianLower == 14 && a.medianUpper == 400)
        let b = KaplanMeier(times: Self.b.times, events: Self.b.events, convention: .lifelines)
        #expect(b.median == .infinity && b.medianLower == 28 && b.medianUpper == .infinity)
        // Six uncensored times: Ŝ = 3/6 after the third. lifelines' exp(Σ ln) gives ½ + 1 ulp there, so it
        // reports the fourth time (14.88, as KaplanMeierFitter does); R the midpoint of the third and fourth.
        let six = [13.29, 13.99, 14.42, 14.88, 29.21, 29.37]
        let r6 = KaplanMeier(times: six, events: six.map { _ in true })
        #expect(r6.median == (14.42 + 14.88) / 2 && r6.medianLower == 13.29 && r6.medianUpper == .infinity)
        let l6 = KaplanMeier(times: six, events: six.map { _ in true }, convention: .lifelines)
        #expect(l6.median == 14.88 && l6.medianLower == 13.29 && l6.medianUpper == 29.37)
    }

    @Test("log-rank over two and three groups (R survdiff, lifelines multivariate_logrank_test)")
    func logRank() throws {
        let times = Self.a.times + Self.b.times + Self.c.times
        let events = Self.a.events + Self.b.events + Self.c.events
        let groups = Array(repeating: 0, count: 15) + Array(repeating: 1, count: 10) + Array(repeating: 2, count: 6)
        let three = try #require(try LogRankTest(times: times, events: events, groups: groups))
        #expect(three.degreesOfFreedom == 2)
        expectClose(three.chiSquare, 13.960901401987337, relative: 1e-12, "chi-square ABC")
        expectClose(three.p, 0.00092988400909954768, relative: 1e-11, "p ABC")
        let two = try #require(
            try LogRankTest(
                times: Array(times.prefix(25)), events: Array(events.prefix(25)), groups: Array(groups.prefix(25))))
        #expect(two.degreesOfFreedom == 1)
        expectClose(two.chiSquare, 3.1435269827181531, relative: 1e-12, "chi-square AB")
        expectClose(two.p, 0.076228801138061283, relative: 1e-11, "p AB")
        #expect(try LogRankTest(times: [1, 2], events: [true, false], groups: [0, 0]) == nil)
    }
}

@Suite("Response coding")
struct ResponseCodingTests {
    @Test("two-valued codings are recognised case-insensitively, responder side first")
    func recognised() throws {
        let yes = try ResponseCoding.infer(column: "R", values: ["No", "YES"], responderValues: [])
        #expect(yes.responders == ["YES"] && yes.nonResponders == ["No"])
        let bor = try ResponseCoding.infer(column: "BOR", values: ["SD", "CR", "PD", "PR"], responderValues: [])
        #expect(bor.responders == ["CR", "PR"] && bor.nonResponders == ["SD", "PD"])
        let ones = try ResponseCoding.infer(column: "R", values: ["0", "1"], responderValues: [])
        #expect(ones.isResponder("1") == true && ones.isResponder("0") == false && ones.isResponder("2") == nil)
        let nr = try ResponseCoding.infer(column: "R", values: ["Non-Responder", "Responder"], responderValues: [])
        #expect(nr.responders == ["Responder"])
    }

    @Test("a third value, an unknown pair or mixed families are errors listing the values; --responder decides")
    func ambiguous() throws {
        #expect(throws: ResponseError.unrecognisedCoding(column: "BOR", values: ["CR", "MR", "PD"])) {
            try ResponseCoding.infer(column: "BOR", values: ["CR", "MR", "PD"], responderValues: [])
        }
        #expect(throws: ResponseError.unrecognisedCoding(column: "R", values: ["yes", "0"])) {
            try ResponseCoding.infer(column: "R", values: ["yes", "0"], responderValues: [])
        }
        #expect(throws: ResponseError.unrecognisedCoding(column: "R", values: ["2", "1"])) {
            try ResponseCoding.infer(column: "R", values: ["2", "1"], responderValues: [])
        }
        let chosen = try ResponseCoding.infer(
            column: "BOR", values: ["CR", "MR", "PD"], responderValues: ["cr", "MR"])
        #expect(chosen.responders == ["CR", "MR"] && chosen.nonResponders == ["PD"])
        #expect(throws: ResponseError.responderValueNotFound(column: "BOR", value: "VGPR", values: ["CR", "PD"])) {
            try ResponseCoding.infer(column: "BOR", values: ["CR", "PD"], responderValues: ["VGPR"])
        }
    }
}
