import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

extension PopulationFitter {
    /// The gradient of the Laplace objective L(x) = Σ_i [F_i(η̂_i(x); x) + ln det H_i(η̂_i(x); x)] (constants
    /// dropped) at converged modes, by implicit differentiation through the modes rather than by re-solving them.
    ///
    /// With G_i(η, x) = F_i + ln det H_i and ∇_η F_i(η̂_i, x) = 0,
    /// dL_i/dx_j = ∂G_i/∂x_j + ∂(ln det H_i)/∂η · dη̂_i/dx_j,  dη̂_i/dx_j = −(∇²_ηη F_i)⁻¹ ∂(∇_η F_i)/∂x_j
    /// (the envelope theorem removes ∂F/∂η·dη̂/dx; the log-det term keeps its mode-dependence, which FOCE-I
    /// codes often drop). The partial derivatives are central differences at fixed η (step 1e-5·max(1, |x_j|))
    /// and at fixed x (step 1e-5 in η) of the analytic ∇_η F and of the expected-information H: they need no
    /// mode search, so the gradient is smooth wherever the modes are and costs 2(p + R) evaluations of F_i per
    /// subject instead of 2p mode searches. `modes` must be the modes at `x`.
    func laplaceGradient(
        _ x: [Double], layout: Layout, data: PopulationData, objective: SubjectObjective,
        modes: [SubjectMode]
    ) -> [Double] {
        let p = x.count
        let r = layout.r
        let subjects = data.subjects
        let rows = mapSubjects(subjects.count) { i in
            subjectLaplaceGradient(
                x, layout: layout, subject: subjects[i], terms: data.terms, objective: objective,
                mode: modes[i], randomCount: r)
        }
        var g = [Double](repeating: 0, count: p)
        for row in rows { for j in 0..<p { g[j] += row[j] } }
        return g.map { $0.isFinite ? $0 : .nan }
    }

    private func subjectLaplaceGradient(
        _ x: [Double], layout: Layout, subject: PopulationSubject,
        terms: [CovariateTerm], objective: SubjectObjective, mode: SubjectMode,
        randomCount r: Int
    ) -> [Double] {
        let p = x.count
        var work = [Double](repeating: 0, count: objective.workCount)
        var gradient = [Double](repeating: 0, count: r)
        var hessian = [Double](repeating: 0, count: r * r)
        // F, ∇_η F and ln det H at (η, x).
        func parts(_ eta: [Double], _ y: [Double]) -> (Double, [Double], Double) {
            let point = layout.point(y)
            let base = objective.baseParameters(subject, point: point, terms: terms)
            let f = eta.withUnsafeBufferPointer { e in
                gradient.withUnsafeMutableBufferPointer { g in
                    hessian.withUnsafeMutableBufferPointer { h in
                        work.withUnsafeMutableBufferPointer { w in
                            objective.evaluate(
                                subject, base: base, eta: e, point: point, gradient: g, hessian: h, work: w)
                        }
                    }
                }
            }
            var factor = hessian
            var logDet = Double.nan
            if r == 0 {
                logDet = 0
            } else if SmallLinearAlgebra.cholesky(&factor, order: r) {
                logDet = 0
                for k in 0..<r { logDet += 2 * Foundation.log(factor[k + k * r]) }
            }
            return (f, gradient, logDet)
        }
        // A mode that missed its tolerance is not a stationary point, so the envelope argument does not hold:
        // difference that subject's Laplace term with its mode re-solved instead.
        guard mode.converged else {
            return subjectDifferenceGradient(
                x, layout: layout, subject: subject, terms: terms, objective: objective,
                mode: mode)
        }
        let eta = mode.eta
        // Column j at fixed η: (∂(F + ln det H)/∂x_j, ∂(∇_η F)/∂x_j).
        let inX = CentralDifferences.columns(at: x, relativeStep: 1e-5) { y in
            let (f, g, d) = parts(eta, y)
            return [f + d] + g
        }
        var total = inX.map { $0[0] }
        guard r > 0 else { return total }
        // Column b at fixed x: (∂ ln det H/∂η_b, ∂(∇_η F)/∂η_b) — the exact ∇²_ηη F from the analytic gradient.
        let inEta = CentralDifferences.columns(at: eta, relativeStep: 1e-5) { e in
            let (_, g, d) = parts(e, x)
            return [d] + g
        }
        let logDetSlope = inEta.map { $0[0] }
        var exact = inEta.flatMap { $0.dropFirst() }
        CentralDifferences.symmetrise(&exact, order: r)
        // w = (∇²F)⁻¹ ∂ ln det H/∂η, so the mode term of dL/dx_j is −wᵀ ∂(∇_η F)/∂x_j. Where the exact Hessian is
        // not positive definite (a mode on a kink of F), the expected-information H stands in.
        var w = logDetSlope
        var system = exact
        guard SmallLinearAlgebra.solvePositiveDefinite(&system, &w, order: r) else {
            // Not a strict local minimum (or a mode on a residual kink): implicit differentiation does not apply.
            return subjectDifferenceGradient(
                x, layout: layout, subject: subject, terms: terms, objective: objective,
                mode: mode)
        }
        for j in 0..<p {
            var s = 0.0
            for a in 0..<r { s += w[a] * inX[j][1 + a] }
            total[j] -= s
        }
        return total
    }

    /// Central differences (step 1e-4·max(1, |x_j|)) of one subject's Laplace term, its mode re-solved from
    /// `mode` at each shifted point: the fallback where implicit differentiation does not apply.
    private func subjectDifferenceGradient(
        _ x: [Double], layout: Layout, subject: PopulationSubject,
        terms: [CovariateTerm], objective: SubjectObjective,
        mode: SubjectMode
    ) -> [Double] {
        func value(_ y: [Double]) -> Double {
            let point = layout.point(y)
            let base = objective.baseParameters(subject, point: point, terms: terms)
            let shifted = objective.mode(subject, base: base, point: point, start: mode.eta)
            return shifted.objective.isFinite ? shifted.laplace : .infinity
        }
        return CentralDifferences.columns(at: x, relativeStep: 1e-4) { [value($0)] }.map { $0[0] }
    }
}
