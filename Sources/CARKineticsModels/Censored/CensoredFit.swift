import CARKineticsData
import CARKineticsNumerics
import Foundation

// Per-subject fits with BLQ samples as censored observations (Beal's M3): the least-squares fit first, then the
// censored likelihood maximised from every local optimum the least-squares multi-start reached, with the same
// boundary sub-models and Tmax pinning. Rules and measured figures: docs/fitting.md, "Censored BLQ samples (M3)".
extension KineticFitter {
    /// Fits quantified samples (`times`, `values` > 0) and BLQ samples (`censoredTimes` with their `limits`, the
    /// LLOQ of each) by maximum likelihood with residual error additive on ln C and σ estimated: −2 ln L =
    /// Σ_quantified [ln(2πσ²) + (ln y − ln f)²/σ²] − 2·Σ_BLQ ln Φ((ln LLOQ − ln f)/σ).
    ///
    /// Samples at t < 0, non-finite ones and limits ≤ 0 are ignored. Without a usable BLQ sample the result is
    /// the least-squares fit (the maximum-likelihood fit then, with σ² = ssr/n). The model `expansion` (a linear
    /// regression over the rising samples) has no censored form: its fit leaves BLQ samples out and says so.
    /// The result has ``KineticFit/blqMethod`` `m3`, ``KineticFit/minus2LogLikelihood``, ``KineticFit/sigma``
    /// and ``KineticFit/censoredCount``; AIC and BIC come from −2 ln L with σ counted, n = all samples used.
    ///
    /// - Throws: ``SampleArrayError/lengthMismatch(times:values:)`` when `times` and `values`, or
    ///   `censoredTimes` and `limits`, differ in length: nothing is paired up or dropped to make them fit.
    public func fit(
        times: [Double], values: [Double], censoredTimes: [Double], limits: [Double]
    ) throws(SampleArrayError) -> KineticFit {
        guard times.count == values.count else { throw .lengthMismatch(times: times.count, values: values.count) }
        guard censoredTimes.count == limits.count else {
            throw .lengthMismatch(times: censoredTimes.count, values: limits.count)
        }
        return fitCensoredSamples(times: times, values: values, censoredTimes: censoredTimes, limits: limits)
    }

    /// ``fit(times:values:censoredTimes:limits:)`` for arrays of equal length built in this module.
    func fitCensoredSamples(
        times: [Double], values: [Double], censoredTimes: [Double], limits: [Double]
    ) -> KineticFit {
        var quantified: [(Double, Double)] = []
        for (time, value) in zip(times, values) where time >= 0 && value > 0 && time.isFinite && value.isFinite {
            quantified.append((time, Foundation.log(value)))
        }
        quantified.sort { $0.0 < $1.0 }
        var censored: [(Double, Double)] = []
        for (time, limit) in zip(censoredTimes, limits) where time >= 0 && limit > 0 && time.isFinite && limit.isFinite
        {
            censored.append((time, Foundation.log(limit)))
        }
        censored.sort { $0.0 < $1.0 }
        let t = quantified.map(\.0)
        let y = quantified.map(\.1)
        let samples = CensoredSamples(
            times: t, logs: y, censoredTimes: censored.map(\.0), logLimits: censored.map(\.1))
        func m3(_ model: KineticModel) -> KineticFit {
            guard model != .expansion else {
                var fit = ExpansionRate.fit(times: t, logs: y)
                if !censored.isEmpty {
                    fit.note = [fit.note, "M3 has no form for the expansion regression: BLQ samples not used"]
                        .compactMap { $0 }.joined(separator: "; ")
                } else {
                    fit.blqMethod = .m3
                }
                return fit
            }
            return fitCensored(model, times: t, logs: y, samples: samples)
        }
        return model == .auto ? fitAuto(m3) : m3(model)
    }

    /// Persistence rates (per day) and slow fractions of the extra stein starts of a censored fit.
    static let censoredBetaGrid = [0.002, 0.01, 0.05]
    static let censoredFractionGrid = [0.01, 0.05]

    /// The M3 fit of one curve model: least squares for the starts, then the censored likelihood.
    func fitCensored(
        _ model: KineticModel, times t: [Double], logs y: [Double], samples: CensoredSamples
    )
        -> KineticFit
    {
        var candidates: [LocalOptimum] = []
        var leastSquares = fitCurveModel(model, times: t, logs: y, candidates: &candidates)
        leastSquares.blqMethod = .m3
        guard leastSquares.status.hasEstimates, let first = candidates.first else { return leastSquares }
        // Contraction-only curves see nothing before the observed peak, censored samples included.
        let window = first.curve.hasExpansion ? samples : samples.from(first.curve.fixedTmax)
        guard window.censoredCount > 0 else { return leastSquares }

        var iterations = leastSquares.iterations
        var evaluations = leastSquares.evaluations
        var best: CensoredOptimum?
        var boundary: String?
        var kink: Double?
        let flatNote = "beta -> 0 (no decline in the persistence phase)"
        let monoNote = "fb -> 0 (no persistence phase; the same curve as expansion-monoexp)"
        func run(_ curve: KineticCurve, theta: [Double], note: String?) {
            let objective = CensoredObjective(curve: curve, samples: window)
            let optimum = CensoredOptimizer.minimize(
                objective, start: theta + [objective.startingLogSigma(theta: theta)])
            iterations += optimum.iterations
            evaluations += optimum.evaluations
            guard optimum.value.isFinite else { return }
            // Ties go to the earlier (better least-squares) start, as in the least-squares fit.
            if optimum.value < best?.value ?? .infinity {
                best = optimum
                boundary = note
                kink = curve.estimatesTmax || !curve.hasExpansion ? nil : curve.fixedTmax
            }
        }
        func note(_ curve: KineticCurve) -> String? {
            guard model == .stein else { return nil }
            switch curve.decline {
            case .biExponential: return nil
            case .biExponentialFlat: return flatNote
            case .monoExponential: return monoNote
            }
        }
        for candidate in candidates { run(candidate.curve, theta: candidate.theta, note: note(candidate.curve)) }
        guard let found = best else { return leastSquares }
        /// The estimation vector of `curve` at the natural-scale parameters of the best optimum so far.
        func start(_ curve: KineticCurve, from optimum: CensoredOptimum) -> [Double] {
            let p = optimum.curve.parameters(theta: optimum.theta)
            return curve.theta(
                logCmax: optimum.x[0], tmax: p.tmax, rho: p.rho ?? StartGrid.risingSlope(times: t, logs: y),
                alpha: p.alpha, beta: p.beta ?? Swift.min(0.005, p.alpha / 2), fraction: p.fraction ?? 0.01)
        }
        if model == .stein {
            // The persistence phase from a grid: least squares sees only the quantified samples, so its optima can
            // sit at β → 0 (or fb → 0), where ∂/∂ln β vanishes and a local M3 run cannot leave; censored late
            // samples can still call for a decline.
            let p = found.curve.parameters(theta: found.theta)
            let curve = KineticCurve(
                hasExpansion: true, decline: .biExponential,
                fixedTmax: found.curve.estimatesTmax ? nil : found.curve.fixedTmax)
            for beta in Self.censoredBetaGrid where beta < p.alpha / 2 {
                for fraction in Self.censoredFractionGrid {
                    let start = curve.theta(
                        logCmax: found.x[0], tmax: p.tmax, rho: p.rho ?? StartGrid.risingSlope(times: t, logs: y),
                        alpha: p.alpha, beta: beta, fraction: fraction)
                    run(curve, theta: start, note: nil)
                }
            }
            // The boundaries from the censored optimum: M3 may reach them where least squares did not.
            let fixed = found.curve.estimatesTmax ? nil : found.curve.fixedTmax
            for decline in [KineticCurve.Decline.biExponentialFlat, .monoExponential]
            where decline != found.curve.decline {
                let curve = KineticCurve(hasExpansion: true, decline: decline, fixedTmax: fixed)
                run(curve, theta: start(curve, from: found), note: note(curve))
            }
        }
        // Tmax on a sample time (quantified or censored) is a kink of the objective: pin it and refit.
        if let current = best, current.curve.estimatesTmax {
            let tmax = current.curve.parameters(theta: current.theta).tmax
            if let sample = window.times.first(where: { abs($0 - tmax) <= 1e-5 * $0 }) {
                let declines: [KineticCurve.Decline] =
                    model == .stein ? [.biExponential, .biExponentialFlat, .monoExponential] : [current.curve.decline]
                for decline in declines {
                    let curve = KineticCurve(hasExpansion: true, decline: decline, fixedTmax: sample)
                    run(curve, theta: start(curve, from: current), note: note(curve))
                }
            }
        }
        guard let chosen = best else { return leastSquares }
        let objective = CensoredObjective(curve: chosen.curve, samples: window)
        var (optimum, hessian) = CensoredOptimizer.polish(chosen, objective: objective)
        iterations += optimum.iterations - chosen.iterations
        evaluations += optimum.evaluations - chosen.evaluations
        optimum.iterations = iterations
        optimum.evaluations = evaluations
        var limit: BoundaryLimit?
        if optimum.curve.decline != .monoExponential, let last = window.times.last,
            let numerical = Self.numericalBoundary(optimum.curve.parameters(theta: optimum.theta), span: last)
        {
            boundary = numerical.status
            limit = numerical.limit
        }
        var fit = Self.censoredReport(
            model, optimum, hessian: &hessian, samples: window, boundary: boundary, limit: limit)
        if let kink {
            let text =
                "tmax is at the sample time \(kink) d, where the objective has a kink: no standard error for tmax"
            fit.note = [text, fit.note].compactMap { $0 }.joined(separator: "; ")
        }
        return fit
    }

    /// The reported fit of a censored optimum: natural-scale estimates, standard errors from the observed
    /// information and Wald 95% limits.
    ///
    /// Covariance of x = (θ, ln σ): 2·H⁻¹, H the Hessian of −2 ln L (the observed information is H/2). Standard
    /// errors by the delta method; limits θ ± 1.96·SE on the estimation scale (log for rates, Cmax and Tmax,
    /// logit for fb) mapped back — the normal quantile, as for any maximum-likelihood estimate, where least
    /// squares uses Student's t on n − p degrees of freedom.
    static func censoredReport(
        _ model: KineticModel, _ optimum: CensoredOptimum, hessian: inout [Double], samples: CensoredSamples,
        boundary: String?, limit: BoundaryLimit? = nil
    ) -> KineticFit {
        let curve = optimum.curve
        let theta = optimum.theta
        let n = optimum.x.count
        var covariance: [Double]?
        var factor = hessian
        if SmallLinearAlgebra.cholesky(&factor, order: n) {
            var inverse = [Double](repeating: 0, count: n * n)
            var ok = true
            for j in 0..<n where ok {
                var column = [Double](repeating: 0, count: n)
                column[j] = 2
                ok = SmallLinearAlgebra.solveWithFactor(factor, &column, order: n, transposeOnly: false)
                for i in 0..<n { inverse[i + j * n] = column[i] }
            }
            if ok { covariance = inverse }
        }
        var estimates = Self.estimates(
            model, curve: curve, theta: theta, quantile: 1.959963984540054,
            covariance: covariance.map { c in { i, j in c[i + j * n] } })
        var ssr = 0.0
        let evaluator = theta.withUnsafeBufferPointer { KineticCurve.Evaluator(curve, theta: $0) }
        for i in samples.times.indices where !samples.censored[i] {
            let r = samples.logs[i] - evaluator.logValue(at: samples.times[i], gradient: nil)
            ssr += r * r
        }
        let status: FitStatus
        if !optimum.converged {
            status = .notConverged(optimum.termination)
        } else if let boundary {
            status = .boundary(boundary)
        } else {
            status = .converged
        }
        let k = Double(model.parameterCount + 1)
        let used = Double(samples.times.count)
        var parameters = curve.parameters(theta: theta)
        Self.apply(limit, parameters: &parameters, estimates: &estimates)
        var fit = KineticFit(
            model: model.rawValue, status: status, sampleCount: samples.quantifiedCount, estimates: estimates,
            curve: parameters, ssr: ssr, residualStandardDeviation: nil,
            aic: optimum.value + 2 * k, bic: optimum.value + k * Foundation.log(used),
            iterations: optimum.iterations, evaluations: optimum.evaluations,
            note: covariance == nil
                ? "no standard errors: the Hessian of -2 ln L is not positive definite at the optimum (some parameters are not identifiable from these samples)"
                : nil)
        fit.blqMethod = .m3
        fit.minus2LogLikelihood = optimum.value
        fit.sigma = optimum.sigma
        fit.censoredCount = samples.censoredCount
        return fit
    }
}
