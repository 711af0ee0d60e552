import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

// The multi-start local optimisation behind every curve-model fit: screening runs from the grid of starts,
// full runs from the best of them, and the LAPACK-sized solvers reused across one subject's optimisations.
extension KineticFitter {
    /// The outcome of local optimisation on one curve family.
    struct Optimum {
        var curve: KineticCurve
        var theta: [Double]
        var ssr: Double
        var fit: NonlinearFit
        var iterations: Int
        var evaluations: Int
    }

    /// How many screened starts are refined to full convergence.
    static let refinedStarts = 2
    /// Evaluation budget of a screening run: enough to leave a start's basin, far less than convergence to
    /// 10 digits costs on a flat or kinked objective.
    static let screeningEvaluations = 25

    /// ``optimize(_:times:logs:starts:solvers:)`` with solvers of its own.
    func optimize(_ curve: KineticCurve, times: [Double], logs: [Double], starts: [[Double]]) -> Optimum? {
        var solvers = SolverCache()
        return optimize(curve, times: times, logs: logs, starts: starts, solvers: &solvers)
    }

    /// Solvers by problem shape, reused across the several optimisations of one subject (each solver sizes
    /// its LAPACK workspace by query when created).
    struct SolverCache {
        private struct Shape: Hashable {
            var parameters: Int
            var residuals: Int
        }

        private var solvers: [Shape: LevenbergMarquardt] = [:]

        mutating func take(
            parameters n: Int, residuals m: Int, options: LevenbergMarquardt.Options
        ) -> LevenbergMarquardt {
            guard var solver = solvers.removeValue(forKey: Shape(parameters: n, residuals: m)) else {
                return LevenbergMarquardt(parameterCount: n, residualCount: m, options: options)
            }
            solver.options = options
            return solver
        }

        mutating func give(_ solver: LevenbergMarquardt) {
            solvers[Shape(parameters: solver.parameterCount, residuals: solver.residualCount)] = solver
        }
    }

    /// Local optimisation from every start, keeping the lowest sum of squares. With more starts than
    /// ``refinedStarts``, each start first gets a short screening run; only the best screened points are then
    /// run to full convergence with the caller's options.
    func optimize(
        _ curve: KineticCurve, times: [Double], logs: [Double], starts: [[Double]], solvers: inout SolverCache
    ) -> Optimum? {
        let m = times.count
        let n = curve.parameterCount
        var solver = solvers.take(parameters: n, residuals: m, options: options)
        defer { solvers.give(solver) }
        var iterations = 0
        var evaluations = 0
        return times.withUnsafeBufferPointer { times in
            logs.withUnsafeBufferPointer { logs in
                withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { gradient in
                    guard let g = gradient.baseAddress else { return nil }
                    func run(_ start: [Double]) -> NonlinearFit {
                        let result = solver.minimize(
                            start: start,
                            residuals: { theta, residuals in
                                let curve = KineticCurve.Evaluator(curve, theta: theta)
                                for i in 0..<m { residuals[i] = logs[i] - curve.logValue(at: times[i], gradient: nil) }
                            },
                            jacobian: { theta, jacobian in
                                let curve = KineticCurve.Evaluator(curve, theta: theta)
                                for i in 0..<m {
                                    _ = curve.logValue(at: times[i], gradient: g)
                                    for j in 0..<n { jacobian[i + j * m] = -g[j] }
                                }
                            })
                        iterations += result.iterations
                        evaluations += result.evaluations
                        return result
                    }

                    var refine = starts
                    if starts.count > Self.refinedStarts {
                        var screening = options
                        screening.maxEvaluations = min(options.maxEvaluations, Self.screeningEvaluations)
                        screening.restarts = 0
                        solver.options = screening
                        solver.computesCovariance = false
                        let screened = starts.map { start -> (ssr: Double, theta: [Double]) in
                            let result = run(start)
                            return (result.ssr.isFinite ? result.ssr : .infinity, result.parameters)
                        }
                        solver.options = options
                        solver.computesCovariance = true
                        refine = screened.sorted { $0.ssr < $1.ssr }.prefix(Self.refinedStarts).map(\.theta)
                    }
                    var best: Optimum?
                    for start in refine {
                        let result = run(start)
                        guard result.ssr.isFinite else { continue }
                        if result.ssr < best?.ssr ?? .infinity {
                            best = Optimum(
                                curve: curve, theta: result.parameters, ssr: result.ssr, fit: result, iterations: 0,
                                evaluations: 0)
                        }
                    }
                    best?.iterations = iterations
                    best?.evaluations = evaluations
                    return best
                }
            }
        }
    }
}
