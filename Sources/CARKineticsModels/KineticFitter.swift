import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// Fits a ``KineticModel`` to one subject's samples by least squares on the natural-log scale.
///
/// Input is the quantifiable samples at t ≥ 0 (BLQ, missing and pre-infusion rows are not used). Each model
/// is estimated on a transformed scale where every parameter vector is valid (see `KineticCurve`), from the
/// systematic multi-start of `StartGrid` (every start screened by a short run, the best two refined to full
/// convergence); the best local optimum is kept. For `stein`, the two boundaries of its parameter space —
/// β → 0 (no decline in the persistence phase) and fb → 0 (no persistence phase) — are fitted as their own
/// sub-models, because an optimum there is reached only in the limit: when a boundary fit is at least as good,
/// it is reported, with the status saying so. When the optimum has Tmax on a sample time — a kink of the
/// objective, where steps in Tmax stall — Tmax is pinned there and the rest refitted. The mono-exponential
/// decline (`expansion-monoexp`, `monoexp`, and stein's fb → 0 sub-model) is linear on the log scale once Tmax is
/// fixed, so its global optimum is found exactly (`MonoexpProfile`); stein starts from it and never ends above
/// it. Optima on a boundary are written as their limits. Rules: docs/fitting.md.
public struct KineticFitter: Sendable {
    public var model: KineticModel
    public var options: LevenbergMarquardt.Options

    /// Solver settings for kinetic fits: the library defaults with an evaluation limit suited to six parameters
    /// and a few dozen samples (the NIST-grade default of 20,000 only lets a stalled start burn time).
    public static let defaultOptions: LevenbergMarquardt.Options = {
        var options = LevenbergMarquardt.Options.default
        options.maxEvaluations = 2_000
        return options
    }()

    public init(model: KineticModel = .stein, options: LevenbergMarquardt.Options = KineticFitter.defaultOptions) {
        self.model = model
        self.options = options
    }

    /// Fits the samples (times in days, values > 0), `values[i]` measured at `times[i]`, in any order; samples
    /// with t < 0 or a non-positive or non-finite value are not used (``KineticFit/sampleCount`` counts the
    /// samples used).
    ///
    /// - Throws: ``SampleArrayError/lengthMismatch(times:values:)`` when the arrays differ in length: no sample
    ///   is paired up with another's time or dropped to make them fit.
    public func fit(times: [Double], values: [Double]) throws(SampleArrayError) -> KineticFit {
        guard times.count == values.count else { throw .lengthMismatch(times: times.count, values: values.count) }
        return fitSamples(times: times, values: values)
    }

    /// ``fit(times:values:)`` for arrays of equal length built in this module.
    func fitSamples(times: [Double], values: [Double]) -> KineticFit {
        var t: [Double] = []
        var y: [Double] = []
        // Filter before sorting: a NaN time would break the sort's ordering and scramble the valid samples.
        for (time, value) in zip(times, values).filter({ $0.0 >= 0 && $0.1 > 0 && $0.1.isFinite && $0.0.isFinite })
            .sorted(by: { $0.0 < $1.0 })
        {
            t.append(time)
            y.append(Foundation.log(value))
        }
        var fit: KineticFit
        switch model {
        case .auto: fit = fitAuto { fitCurveModel($0, times: t, logs: y) }
        case .expansion: fit = ExpansionRate.fit(times: t, logs: y)
        default: fit = fitCurveModel(model, times: t, logs: y)
        }
        let notes = Self.samplingNotes(fit, span: SamplingSpan(times: t))
        if !notes.isEmpty {
            fit.note = ([fit.note].compactMap { $0 } + notes).joined(separator: "; ")
        }
        return fit
    }

    /// `auto`: stein against expansion-monoexp by AIC; when neither can be fitted, the contraction-only
    /// `monoexp`, then the rising-phase `expansion` — the most a sparse profile supports. `fitModel` fits one
    /// model (least squares, or M3 for censored fits).
    func fitAuto(_ fitModel: (KineticModel) -> KineticFit) -> KineticFit {
        func annotated(_ fit: KineticFit, _ reason: String) -> KineticFit {
            var fit = fit
            fit.note = (["auto: " + reason] + [fit.note].compactMap { $0 }).joined(separator: "; ")
            return fit
        }
        let stein = fitModel(.stein)
        let simple = fitModel(.expansionMonoexp)
        switch (stein.status.hasEstimates, simple.status.hasEstimates) {
        case (true, true):
            guard let steinAIC = stein.aic, let simpleAIC = simple.aic else { return stein }
            let (a, b) = (formatAIC(steinAIC), formatAIC(simpleAIC))
            return steinAIC < simpleAIC
                ? annotated(stein, "stein AIC \(a) < expansion-monoexp AIC \(b)")
                : annotated(simple, "expansion-monoexp AIC \(b) <= stein AIC \(a)")
        case (true, false):
            return annotated(stein, "expansion-monoexp not fitted (\(simple.status))")
        case (false, true):
            return annotated(simple, "stein not fitted (\(stein.status))")
        case (false, false):
            for fallback in [KineticModel.monoexp, .expansion] {
                let fit = fitModel(fallback)
                if fit.status.hasEstimates {
                    return annotated(
                        fit, "stein and expansion-monoexp not fitted (\(simple.status)); \(fallback.rawValue) used")
                }
            }
            return annotated(simple, "no model could be fitted")
        }
    }

    private func formatAIC(_ value: Double) -> String {
        String(format: "%.4g", value)
    }

    func fitCurveModel(_ model: KineticModel, times: [Double], logs: [Double]) -> KineticFit {
        var candidates: [LocalOptimum] = []
        return fitCurveModel(model, times: times, logs: logs, candidates: &candidates)
    }

    /// ``fitCurveModel(_:times:logs:)`` that also hands back every local optimum it reached (curve family and
    /// estimation vector), best first: the starts of the censored (M3) fit, `Censored/`.
    func fitCurveModel(
        _ model: KineticModel, times: [Double], logs: [Double], candidates: inout [LocalOptimum]
    ) -> KineticFit {
        guard var curve = model.curve else { return ExpansionRate.fit(times: times, logs: logs) }
        var t = times
        var y = logs
        if !curve.hasExpansion {
            // Contraction-only models start at the observed peak.
            guard let peak = y.indices.max(by: { y[$0] < y[$1] }) else {
                return Self.unfitted(model, .tooFewSamples(have: 0, need: model.minimumSamples), count: 0)
            }
            curve.fixedTmax = t[peak]
            t = Array(t[peak...])
            y = Array(y[peak...])
        }
        guard t.count >= model.minimumSamples else {
            return Self.unfitted(model, .tooFewSamples(have: t.count, need: model.minimumSamples), count: t.count)
        }
        if curve.hasExpansion, let peak = y.indices.max(by: { y[$0] < y[$1] }), peak == 0 {
            return Self.unfitted(
                model, .notIdentifiable("the first quantifiable sample is the peak, so expansion cannot be estimated"),
                count: t.count)
        }
        var solvers = SolverCache()
        // The exact global optimum of the mono-exponential decline (expansion-monoexp, stein's fb → 0 sub-model,
        // monoexp) by its linear structure: see `MonoexpProfile`.
        let exact: MonoexpProfile.Optimum? =
            switch model {
            case .monoexp: MonoexpProfile.monoexp(tmax: curve.fixedTmax, times: t, logs: y)
            case .expansionMonoexp, .stein: MonoexpProfile.expansionMonoexp(times: t, logs: y)
            default: nil
            }
        /// The mono-exponential curve at the exact optimum (Tmax pinned when it is a sample time) and its start.
        func exactStart(_ optimum: MonoexpProfile.Optimum) -> (curve: KineticCurve, theta: [Double]) {
            let monoCurve =
                curve.hasExpansion
                ? KineticCurve(
                    hasExpansion: true, decline: .monoExponential, fixedTmax: optimum.atSample ? optimum.tmax : nil)
                : curve
            return (
                monoCurve,
                monoCurve.theta(
                    logCmax: optimum.logCmax, tmax: optimum.tmax, rho: optimum.rho, alpha: optimum.alpha, beta: 0,
                    fraction: 0)
            )
        }
        var best: Optimum
        if model != .stein, let exact, case (let monoCurve, let theta) = exactStart(exact),
            let polished = optimize(monoCurve, times: t, logs: y, starts: [theta], solvers: &solvers)
        {
            // The global optimum is known: one run polishes it and yields the covariance.
            best = polished
        } else {
            var starts = StartGrid.starts(curve: curve, times: t, logs: y).map(\.theta)
            if model == .stein, let exact {
                starts += StartGrid.subModelStarts(curve: curve, from: exact)
            }
            guard let found = optimize(curve, times: t, logs: y, starts: starts, solvers: &solvers) else {
                return Self.unfitted(model, .notConverged("no start gave a finite sum of squares"), count: t.count)
            }
            best = found
        }
        // M3 hook: every optimum reached below is recorded for the censored fit's multi-start.
        candidates.append(LocalOptimum(curve: best.curve, theta: best.theta, ssr: best.ssr))
        var boundary: String?
        var kink: Double? = best.curve.hasExpansion && !best.curve.estimatesTmax ? best.curve.fixedTmax : nil
        var iterations = best.iterations
        var evaluations = best.evaluations
        /// Refits `alternative` from `start` (by default, the best curve so far); keeps it when its sum of squares
        /// is not larger.
        func consider(_ alternative: KineticCurve, boundaryNote: String?, start explicit: [Double]? = nil) {
            let p = best.curve.parameters(theta: best.theta)
            let start =
                explicit
                ?? alternative.theta(
                    logCmax: best.theta[0], tmax: p.tmax, rho: p.rho ?? StartGrid.risingSlope(times: t, logs: y),
                    alpha: p.alpha, beta: p.beta ?? min(0.005, p.alpha / 2), fraction: p.fraction ?? 0.01)
            guard let candidate = optimize(alternative, times: t, logs: y, starts: [start], solvers: &solvers) else {
                return
            }
            iterations += candidate.iterations
            evaluations += candidate.evaluations
            // M3 hook
            candidates.append(LocalOptimum(curve: candidate.curve, theta: candidate.theta, ssr: candidate.ssr))
            if candidate.ssr <= best.ssr {
                best = candidate
                boundary = boundaryNote
                kink = alternative.estimatesTmax || !alternative.hasExpansion ? nil : alternative.fixedTmax
            }
        }
        let flatNote = "beta -> 0 (no decline in the persistence phase)"
        let monoNote = "fb -> 0 (no persistence phase; the same curve as expansion-monoexp)"
        if model == .stein {
            // The boundaries of the parameter space are reached only in the limit: fit them as sub-models.
            // fb → 0 is expansion-monoexp, whose global optimum is exact: stein never ends above it.
            let flat = KineticCurve(hasExpansion: true, decline: .biExponentialFlat)
            consider(flat, boundaryNote: flatNote)
            if let exact {
                // Last, so that a tie (a β → 0 fit whose fb vanished) goes to the simpler curve.
                let (monoCurve, theta) = exactStart(exact)
                consider(monoCurve, boundaryNote: monoNote, start: theta)
            } else {
                consider(KineticCurve(hasExpansion: true, decline: .monoExponential), boundaryNote: monoNote)
            }
        }
        // An optimum with Tmax on a sample time sits on a kink of the objective, where the optimiser's steps in
        // Tmax stall: pin Tmax there and refit the smooth remaining problem (with the boundary sub-models).
        if curve.estimatesTmax, model == .stein || best.curve.estimatesTmax {
            let tmax = best.curve.parameters(theta: best.theta).tmax
            if let sample = t.first(where: { abs($0 - tmax) <= 1e-5 * $0 }) {
                // The mono-exponential decline pinned there cannot beat its exact global optimum, already
                // considered.
                let declines: [(KineticCurve.Decline, String?)] =
                    model == .stein
                    ? [(.biExponential, nil), (.biExponentialFlat, flatNote)]
                        + (exact == nil ? [(.monoExponential, monoNote)] : [])
                    : [(curve.decline, nil)]
                for (decline, note) in declines {
                    consider(KineticCurve(hasExpansion: true, decline: decline, fixedTmax: sample), boundaryNote: note)
                }
            }
        }
        best.iterations = iterations
        best.evaluations = evaluations
        candidates.sort { $0.ssr < $1.ssr } // M3 hook: best first
        var limit: BoundaryLimit?
        if best.curve.decline != .monoExponential, let tLast = t.last,
            let numerical = Self.numericalBoundary(best.curve.parameters(theta: best.theta), span: tLast)
        {
            boundary = numerical.status
            limit = numerical.limit
        }
        var fit = report(model, best, sampleCount: t.count, boundary: boundary, limit: limit)
        if let kink {
            let note =
                "tmax is at the sample time \(kink) d, where the objective has a kink: no standard error for tmax"
            fit.note = [note, fit.note].compactMap { $0 }.joined(separator: "; ")
        }
        return fit
    }

    /// A boundary of stein's parameter space that an interior optimum reaches to working precision; its
    /// parameters are then written as the limit, not as the number where the optimiser stopped (β = 2e-222 is
    /// β = 0, and its half-life is infinite, not 3e221 days).
    enum BoundaryLimit: Sendable, Equatable {
        /// β → 0: `beta` = 0, the persistence half-life infinite.
        case flatPersistence
        /// fb → 0: the expansion-monoexp curve; `fb` = 0, `beta` and the persistence half-life empty.
        case noPersistence
        /// fb → 1: a single exponential decline at β; `fb` = 1, `alpha` and the contraction half-life empty.
        case noContraction
    }

    /// Names the boundary an interior optimum sits on to working precision: the persistence phase does not
    /// decline over the observed span, carries no weight (or all of it), or has the contraction rate.
    static func numericalBoundary(_ p: CurveParameters, span: Double) -> (status: String, limit: BoundaryLimit?)? {
        let negligible = 1e-9
        // fb → 0 first: without a persistence phase its rate means nothing (the β → 0 sub-model can reach it too).
        if let fraction = p.fraction, fraction < negligible {
            return ("fb -> 0 (no persistence phase; the same curve as expansion-monoexp)", .noPersistence)
        }
        if let beta = p.beta, beta * span < negligible {
            return ("beta -> 0 (no decline in the persistence phase)", .flatPersistence)
        }
        if let fraction = p.fraction, 1 - fraction < negligible {
            return ("fb -> 1 (no contraction phase; a single exponential decline at beta)", .noContraction)
        }
        if let beta = p.beta, (p.alpha - beta) < negligible * p.alpha {
            return ("alpha -> beta (a single exponential decline)", nil)
        }
        return nil
    }
}
