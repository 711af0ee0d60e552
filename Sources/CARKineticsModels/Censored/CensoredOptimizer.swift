import CARKineticsNumerics
import Foundation

/// A local minimum of the M3 objective on one curve family.
struct CensoredOptimum: Sendable {
    var curve: KineticCurve
    /// The curve's estimation vector followed by ln σ.
    var x: [Double]
    /// −2 ln L at x.
    var value: Double
    /// Why the iteration stopped.
    var termination: String
    var converged: Bool
    var iterations: Int
    var evaluations: Int

    var theta: [Double] { Array(x.dropLast()) }
    var sigma: Double { Foundation.exp(x[x.count - 1]) }
}

/// Minimises ``CensoredObjective`` from one start: Levenberg-damped Fisher scoring, then Newton polishing.
///
/// The M3 objective is not a sum of squares once censored terms are present, so the least-squares engine does
/// not apply. Each iteration solves (B + λ·diag B)·δ = −∇ with B the objective's positive semidefinite scoring
/// matrix (LAPACK Cholesky through `SmallLinearAlgebra`) and keeps the step when −2 ln L decreases; λ shrinks
/// after a step that achieves > 3/4 of the reduction B predicts, grows after a poor or failed one or a step longer
/// than 2 in any coordinate (a trust region in the metric of B). It stops when the scoring decrement ∇ᵀB⁻¹∇ is below 1e-12 (converged), when two
/// accepted steps running reduce −2 ln L, and B predicts they reduce it, by at most 1e-10 relative (converged; as
/// MINPACK's ftol), or when no damping gives
/// a reduction or the iteration limit is reached (not converged, with the reason). ``polish(_:objective:)`` then
/// takes Newton steps on the exact Hessian (central differences of the analytic gradient) while they reduce
/// the objective. Every outcome is a value with a termination reason; nothing traps.
enum CensoredOptimizer {
    static let maxIterations = 300
    /// Relative reduction of −2 ln L (actual and predicted) below which an accepted step counts as no progress.
    static let relativeTolerance = 1e-10
    /// Largest step in any coordinate of x (log scale for Cmax, Tmax and rates, logit for fb).
    static let maxStep = 2.0

    static func minimize(_ objective: CensoredObjective, start: [Double]) -> CensoredOptimum {
        let n = objective.dimension
        var x = start
        var gradient = [Double](repeating: 0, count: n)
        var scoring = [Double](repeating: 0, count: n * n)
        var evaluations = 0
        func evaluateAll(_ point: [Double]) -> Double {
            evaluations += 1
            return point.withUnsafeBufferPointer { xp in
                gradient.withUnsafeMutableBufferPointer { gp in
                    scoring.withUnsafeMutableBufferPointer { objective.evaluate(xp, gradient: gp, scoring: $0) }
                }
            }
        }
        var f = evaluateAll(x)
        func result(_ reason: String, converged: Bool, iterations: Int) -> CensoredOptimum {
            CensoredOptimum(
                curve: objective.curve, x: x, value: f, termination: reason, converged: converged,
                iterations: iterations, evaluations: evaluations)
        }
        guard f.isFinite, gradient.allSatisfy(\.isFinite) else {
            return result("no finite -2 ln L at the start", converged: false, iterations: 0)
        }
        var lambda = 1e-3
        var smallChanges = 0
        for iteration in 1...maxIterations {
            // Undamped scoring step: its decrement measures how far the optimum is in B's metric.
            var factor = scoring
            var step = gradient.map { -$0 }
            if SmallLinearAlgebra.solvePositiveDefinite(&factor, &step, order: n) {
                let decrement = -zip(gradient, step).reduce(0) { $0 + $1.0 * $1.1 }
                if decrement < 1e-12 {
                    return result("scoring decrement below 1e-12", converged: true, iterations: iteration - 1)
                }
            }
            var accepted = false
            while !accepted {
                var damped = scoring
                for j in 0..<n { damped[j + j * n] += lambda * Swift.max(scoring[j + j * n], 1e-10) }
                step = gradient.map { -$0 }
                guard SmallLinearAlgebra.solvePositiveDefinite(&damped, &step, order: n) else {
                    lambda = Swift.max(lambda * 10, 1e-8)
                    if lambda > 1e16 {
                        return result("scoring matrix not positive definite", converged: false, iterations: iteration)
                    }
                    continue
                }
                // A step of more than a factor e² in any rate, Cmax or Tmax leaves the start's basin: shorten it.
                if step.contains(where: { abs($0) > maxStep }) {
                    lambda = Swift.max(lambda * 4, 1e-8)
                    if lambda > 1e16 {
                        return result("no step within the trust region", converged: false, iterations: iteration)
                    }
                    continue
                }
                var predicted = 0.0
                for i in 0..<n {
                    var bStep = 0.0
                    for j in 0..<n { bStep += scoring[i + j * n] * step[j] }
                    predicted -= gradient[i] * step[i] + 0.5 * step[i] * bStep
                }
                let trial = zip(x, step).map { $0 + $1 }
                let trialValue = objective.value(trial)
                evaluations += 1
                if trialValue.isFinite && trialValue <= f {
                    let ratio = predicted > 0 ? (f - trialValue) / predicted : 0
                    if ratio > 0.75 {
                        lambda = Swift.max(lambda / 4, 1e-12)
                    } else if ratio < 0.25 {
                        lambda *= 2
                    }
                    let change = f - trialValue
                    x = trial
                    f = evaluateAll(x)
                    let scale = relativeTolerance * Swift.max(1, abs(f))
                    smallChanges = change <= scale && predicted <= scale ? smallChanges + 1 : 0
                    accepted = true
                } else {
                    lambda = Swift.max(lambda * 4, 1e-8)
                    if lambda > 1e16 {
                        return result(
                            "no damping of the scoring step reduces -2 ln L", converged: false, iterations: iteration)
                    }
                }
            }
            guard gradient.allSatisfy(\.isFinite) else {
                return result("non-finite gradient", converged: false, iterations: iteration)
            }
            if smallChanges >= 2 {
                return result(
                    "actual and predicted reductions of -2 ln L below 1e-10 relative twice running", converged: true,
                    iterations: iteration)
            }
        }
        return result("iteration limit (\(maxIterations))", converged: false, iterations: maxIterations)
    }

    /// Newton steps on the exact Hessian from a scoring optimum, while each reduces −2 ln L (at most 6); returns
    /// the point and the Hessian there.
    static func polish(
        _ optimum: CensoredOptimum, objective: CensoredObjective
    ) -> (
        optimum: CensoredOptimum, hessian: [Double]
    ) {
        let n = objective.dimension
        var optimum = optimum
        var hessian = objective.hessian(optimum.x)
        optimum.evaluations += 2 * n
        for _ in 0..<6 {
            let gradient = objective.valueAndGradient(optimum.x).gradient
            var factor = hessian
            var step = gradient.map { -$0 }
            guard SmallLinearAlgebra.solvePositiveDefinite(&factor, &step, order: n) else { break }
            let decrement = -zip(gradient, step).reduce(0) { $0 + $1.0 * $1.1 }
            guard decrement > 1e-20 else { break }
            let trial = zip(optimum.x, step).map { $0 + $1 }
            let value = objective.value(trial)
            optimum.evaluations += 2
            guard value.isFinite, value <= optimum.value else { break }
            optimum.x = trial
            optimum.value = value
            optimum.iterations += 1
            hessian = objective.hessian(trial)
            optimum.evaluations += 2 * n
            if decrement < 1e-14 { break }
        }
        return (optimum, hessian)
    }
}
