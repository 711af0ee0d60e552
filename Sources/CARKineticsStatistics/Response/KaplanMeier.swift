import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// The Kaplan–Meier estimate of a survival function from right-censored times, with Greenwood's variance,
/// log-log confidence bands and the median with its Brookmeyer–Crowley interval.
public struct KaplanMeier: Sendable, Equatable {
    /// Which program's conventions the median, its interval and Ŝ past the last observed time follow where
    /// they differ.
    public enum Convention: String, Sendable, Equatable, CaseIterable {
        /// R survival 3.x `quantile.survfit` (midpoint on a step at exactly ½; bands undefined where Ŝ = 0).
        case r
        /// lifelines 0.30 `median_survival_time_` / `median_survival_times(confidence_interval_)`: the first
        /// time the curve is ≤ ½, bands of 0 where Ŝ = 0, and Ŝ carried forward past the last observed time.
        case lifelines
    }

    /// The estimate at one distinct observed time (an event or a censoring time).
    public struct Step: Sendable, Equatable {
        /// The time.
        public var time: Double
        /// Subjects at risk just before `time` (times ≥ `time`).
        public var atRisk: Int
        /// Events at `time`.
        public var events: Int
        /// Censorings at `time`.
        public var censored: Int
        /// Ŝ(time) = Π_{tⱼ ≤ time} (nⱼ − dⱼ)/nⱼ.
        public var survival: Double
        /// Greenwood's standard error of ln Ŝ: √Σ_{tⱼ ≤ time} dⱼ/(nⱼ(nⱼ − dⱼ)); +∞ once Ŝ = 0.
        public var standardErrorOfLog: Double
        /// Lower log-log confidence limit of S(time); nil where Ŝ is 0 or 1 (the transform is undefined).
        /// Under the lifelines convention, lifelines' values (1 where Ŝ = 1, 0 where Ŝ = 0).
        public var lower: Double?
        /// Upper log-log confidence limit of S(time); nil where Ŝ is 0 or 1.
        public var upper: Double?
    }

    /// Subjects.
    public var count: Int
    /// Subjects with an event.
    public var eventCount: Int
    /// One step per distinct time, ascending.
    public var steps: [Step]
    /// Two-sided level of the bands and the median's interval.
    public var confidenceLevel: Double
    /// The convention of the median, its limits and Ŝ past the follow-up.
    public var convention: Convention
    /// The median: +∞ when the curve does not fall to ½ (not reached).
    public var median: Double
    /// Lower limit of the median's interval (where the lower band falls to ½); +∞ when it does not.
    public var medianLower: Double
    /// Upper limit of the median's interval (where the upper band falls to ½); +∞ when it does not.
    public var medianUpper: Double

    /// Estimates S(t) from `times` (finite) and whether each ended in an event (`true`) or was censored.
    ///
    /// - Estimate: Ŝ(t) = Π_{tⱼ ≤ t} (nⱼ − dⱼ)/nⱼ over the distinct times, nⱼ at risk, dⱼ events
    ///   (a censoring at an event time counts as at risk at that time).
    /// - Greenwood: Var(ln Ŝ(t)) = Σ_{tⱼ ≤ t} dⱼ/(nⱼ(nⱼ − dⱼ)).
    /// - Log-log band (R `survfit(conf.type = "log-log")`, lifelines' default "exponential Greenwood"):
    ///   with g = ln(−ln Ŝ) and SE(g) = SE(ln Ŝ)/|ln Ŝ|, the limits exp(−exp(g ± z·SE(g))), z = z(1 − α/2).
    /// - Median and its interval (Brookmeyer & Crowley 1982, in R's form — the set of t whose band contains
    ///   ½): for a curve c (Ŝ, the lower or the upper band) let F = 1 − c, the start (0, F = 0) prepended and
    ///   points where c is undefined or repeats skipped. With tol = √ε_double (R's `tolerance`), the quantile
    ///   is the first time where F + tol ≥ ½; when F lies within tol of ½ there, it is the midpoint of that
    ///   time and the next time F changes (the last observed time when it never changes again) — the rule
    ///   that makes the median of uncensored data the sample median. A curve that never reaches ½ gives +∞
    ///   (R: NA; lifelines: inf). This is R survival's `quantile.survfit`; lifelines'
    ///   `median_survival_time_` differs only when Ŝ is exactly ½ on a step (it takes the step's start).
    ///
    /// With `convention: .lifelines` the median and its limits are computed as lifelines 0.30 computes them,
    /// floating-point evaluation included, because there the answer on a step at exactly ½ depends on it:
    /// S_L = exp(Σ (ln(n − d) − ln n)); bands exp(−exp(ln(−v) ∓ z·√G/v)) with v = ln S_L and G the Greenwood
    /// sum with its infinite term (d = n) replaced by 0, NaN bands (where S_L = 1) set to 1, so where Ŝ = 0 both
    /// bands are 0; each quantity is the first time its curve is ≤ ½ (+∞ if the curve ends above ½). On a
    /// step at exactly ½, S_L is ½ or ½ ± 1 ulp, so lifelines reports that step's time or the next event's.
    public init(times: [Double], events: [Bool], confidenceLevel: Double = 0.95, convention: Convention = .r) {
        precondition(times.count == events.count, "one event flag per time")
        precondition(times.allSatisfy(\.isFinite), "times must be finite")
        precondition(confidenceLevel > 0 && confidenceLevel < 1, "confidence level must lie in (0, 1)")
        self.confidenceLevel = confidenceLevel
        self.convention = convention
        count = times.count
        eventCount = events.filter { $0 }.count
        let z = Normal.quantile(1 - (1 - confidenceLevel) / 2)
        let order = times.indices.sorted { times[$0] < times[$1] }
        var steps: [Step] = []
        var atRisk = times.count
        var survival = 1.0
        var greenwood = 0.0
        // lifelines' evaluation (used only for the median under `.lifelines`).
        var logEstimate = 0.0
        var greenwoodFinite = 0.0
        var lifelinesCurves: [(time: Double, survival: Double, lower: Double, upper: Double)] = []
        var k = 0
        while k < order.count {
            let time = times[order[k]]
            var d = 0
            var c = 0
            while k < order.count, times[order[k]] == time {
                if events[order[k]] { d += 1 } else { c += 1 }
                k += 1
            }
            if d > 0 {
                survival *= Double(atRisk - d) / Double(atRisk)
                greenwood += d == atRisk ? .infinity : Double(d) / (Double(atRisk) * Double(atRisk - d))
                logEstimate += log(Double(atRisk - d)) - log(Double(atRisk))
                if d < atRisk { greenwoodFinite += Double(d) / (Double(atRisk) * Double(atRisk - d)) }
            }
            if convention == .lifelines {
                let estimate = exp(logEstimate)
                let v = log(estimate)
                let spread = z * greenwoodFinite.squareRoot() / v
                func band(_ x: Double) -> Double { x.isNaN ? 1 : x }
                lifelinesCurves.append(
                    (time, estimate, band(exp(-exp(log(-v) - spread))), band(exp(-exp(log(-v) + spread)))))
            }
            var lower: Double?
            var upper: Double?
            if survival > 0 && survival < 1 {
                let logS = log(survival)
                let g = log(-logS)
                let spread = z * greenwood.squareRoot() / abs(logS)
                lower = exp(-exp(g + spread))
                upper = exp(-exp(g - spread))
            }
            if let last = lifelinesCurves.last {
                lower = last.lower
                upper = last.upper
            }
            steps.append(
                Step(
                    time: time, atRisk: atRisk, events: d, censored: c, survival: survival,
                    standardErrorOfLog: greenwood.squareRoot(), lower: lower, upper: upper))
            atRisk -= d + c
        }
        self.steps = steps
        let lastTime = steps.last?.time ?? 0
        switch convention {
        case .r:
            median = Self.quantileTime(steps.map { ($0.time, $0.survival) }, lastTime: lastTime)
            medianLower = Self.quantileTime(steps.map { ($0.time, $0.lower) }, lastTime: lastTime)
            medianUpper = Self.quantileTime(steps.map { ($0.time, $0.upper) }, lastTime: lastTime)
        case .lifelines:
            func first(_ curve: [Double]) -> Double {
                guard let last = curve.last, last <= 0.5, let i = curve.firstIndex(where: { $0 <= 0.5 }) else {
                    return .infinity
                }
                return lifelinesCurves[i].time
            }
            median = first(lifelinesCurves.map(\.survival))
            medianLower = first(lifelinesCurves.map(\.lower))
            medianUpper = first(lifelinesCurves.map(\.upper))
        }
    }

    /// Ŝ(t): 1 before the first time, the last step's value at or before t. Past the last observed time the
    /// estimate is undefined unless the curve has reached 0: nil under the R convention (R's
    /// `summary(times =)` drops such times), the last value under lifelines' (`predict` carries it forward).
    public func survival(at t: Double) -> Double? {
        guard let last = steps.last else { return nil }
        if t > last.time && last.survival > 0 && convention == .r { return nil }
        return steps.last(where: { $0.time <= t })?.survival ?? 1
    }

    /// The time where `curve` falls to ½, by R's `findq` rule (see the initialiser); +∞ when it does not.
    static func quantileTime(_ curve: [(Double, Double?)], lastTime: Double, probability: Double = 0.5) -> Double {
        let tolerance = Double.ulpOfOne.squareRoot()
        var x: [Double] = [0]
        var y: [Double] = [0]
        for (time, value) in curve {
            guard let value else { continue }
            let f = 1 - value
            if y.contains(f) { continue }
            x.append(time)
            y.append(f)
        }
        // R tests the highest level against ½ without the tolerance before locating it with the tolerance.
        guard let highest = y.max(), highest >= probability,
            let first = y.firstIndex(where: { $0 + tolerance >= probability })
        else { return .infinity }
        if let second = y.firstIndex(where: { $0 - tolerance >= probability }) {
            return (x[first] + x[second]) / 2
        }
        if let lastLevel = y.last, abs(probability - lastLevel) < tolerance {
            return (x[first] + lastTime) / 2
        }
        return .infinity
    }
}

/// The log-rank test of equal survival across k groups.
public struct LogRankTest: Sendable, Equatable {
    /// Observed events per group.
    public var observed: [Double]
    /// Expected events per group under equal hazards: Σⱼ dⱼ·n_gj/nⱼ.
    public var expected: [Double]
    /// The chi-square statistic.
    public var chiSquare: Double
    /// k − 1 (the rank of the variance matrix; groups without anyone at risk at an event time reduce it).
    public var degreesOfFreedom: Int
    /// P(χ²_df > chiSquare).
    public var p: Double

    /// Tests `groups` (index 0..<k per subject) with their `times` and `events`.
    ///
    /// At each distinct event time tⱼ with nⱼ at risk and dⱼ events (n_gj, d_gj in group g):
    /// E_g = Σⱼ dⱼ·n_gj/nⱼ and V_gh = Σⱼ dⱼ(nⱼ − dⱼ)/(nⱼ − 1)·(n_gj/nⱼ)(δ_gh − n_hj/nⱼ) (hypergeometric variance,
    /// terms with nⱼ = 1 are 0). χ² = (O − E)ᵀV⁻(O − E) over the first k − 1 groups, solved by linear least
    /// squares on V (pivoted QR; a rank-deficient V gives the basic solution, and df = its rank) — as R's
    /// `survdiff(rho = 0)` and lifelines' `multivariate_logrank_test`.
    /// - Returns: nil with fewer than two groups or no events.
    public init?(times: [Double], events: [Bool], groups: [Int]) throws(LeastSquaresError) {
        precondition(
            times.count == events.count && times.count == groups.count, "one time, event and group per subject")
        guard let k = groups.max().map({ $0 + 1 }), k >= 2, events.contains(true) else { return nil }
        var observed = [Double](repeating: 0, count: k)
        var expected = observed
        var variance = Matrix(rows: k, columns: k)
        let eventTimes = Set(times.indices.filter { events[$0] }.map { times[$0] }).sorted()
        for t in eventTimes {
            var atRisk = [Double](repeating: 0, count: k)
            var died = atRisk
            for i in times.indices where times[i] >= t {
                atRisk[groups[i]] += 1
                if times[i] == t && events[i] { died[groups[i]] += 1 }
            }
            let n = atRisk.reduce(0, +)
            let d = died.reduce(0, +)
            for g in 0..<k {
                observed[g] += died[g]
                expected[g] += d * atRisk[g] / n
            }
            guard n > 1 else { continue }
            let factor = d * (n - d) / (n - 1)
            for g in 0..<k {
                for h in 0..<k {
                    variance[g, h] += factor * atRisk[g] / n * ((g == h ? 1 : 0) - atRisk[h] / n)
                }
            }
        }
        self.observed = observed
        self.expected = expected
        let m = k - 1
        let difference = (0..<m).map { observed[$0] - expected[$0] }
        let reduced = Matrix(rows: m, columns: m) { i, j in variance[i, j] }
        let solution = try LinearLeastSquares.solve(design: reduced, response: difference)
        chiSquare = zip(difference, solution.coefficients).map(*).reduce(0, +)
        degreesOfFreedom = solution.rank
        p = solution.rank > 0 ? ChiSquare.upperTail(chiSquare, degreesOfFreedom: Double(solution.rank)) : .nan
    }
}
