import CARKinetics
import Foundation
import Testing

/// Runs the solver on a residual function written with plain arrays (test convenience; the solver itself
/// only sees buffers).
private func fit(
    start: [Double], residualCount m: Int, options: LevenbergMarquardt.Options = .default,
    residuals: @escaping ([Double]) -> [Double], jacobian: (([Double]) -> [[Double]])? = nil
) -> NonlinearFit {
    var solver = LevenbergMarquardt(parameterCount: start.count, residualCount: m, options: options)
    let n = start.count
    let jac: ((UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Void)? = jacobian.map { rows in
        { b, out in
            let j = rows(Array(b))
            for i in 0..<m { for k in 0..<n { out[i + k * m] = j[i][k] } }
        }
    }
    return solver.minimize(
        start: start,
        residuals: { b, out in
            let r = residuals(Array(b))
            for i in 0..<m { out[i] = r[i] }
        },
        jacobian: jac)
}

@Suite("Levenberg–Marquardt: Moré–Garbow–Hillstrom test functions")
struct LevenbergMarquardtMGHTests {
    @Test("Rosenbrock from (−1.2, 1) reaches (1, 1) exactly")
    func rosenbrock() {
        let result = fit(
            start: [-1.2, 1], residualCount: 2,
            residuals: { x in [10 * (x[1] - x[0] * x[0]), 1 - x[0]] },
            jacobian: { x in [[-20 * x[0], 10], [-1, 0]] })
        #expect(result.termination == .zeroResidual)
        #expect(abs(result.parameters[0] - 1) < 1e-12 && abs(result.parameters[1] - 1) < 1e-12, "\(result.parameters)")
    }

    @Test("Freudenstein–Roth from (0.5, −2) stops at the documented local minimum, ssr 48.9842536792")
    func freudensteinRoth() {
        let result = fit(
            start: [0.5, -2], residualCount: 2,
            residuals: { x in
                [-13 + x[0] + ((5 - x[1]) * x[1] - 2) * x[1], -29 + x[0] + ((x[1] + 1) * x[1] - 14) * x[1]]
            },
            jacobian: { x in
                [[1, (10 - 3 * x[1]) * x[1] - 2], [1, (3 * x[1] + 2) * x[1] - 14]]
            })
        #expect(result.converged)
        #expect(abs(result.ssr - 48.98425367924) < 1e-8, "\(result.ssr)")
        #expect(
            abs(result.parameters[0] - 11.41277899) < 1e-6 && abs(result.parameters[1] + 0.8968052) < 1e-6,
            "\(result.parameters)")
    }

    @Test("Powell singular: the Jacobian is singular at the minimum 0; the iterate still tends to 0")
    func powellSingular() {
        let s5 = 5.0.squareRoot()
        let s10 = 10.0.squareRoot()
        let result = fit(
            start: [3, -1, 0, 1], residualCount: 4,
            residuals: { x in
                [
                    x[0] + 10 * x[1], s5 * (x[2] - x[3]), (x[1] - 2 * x[2]) * (x[1] - 2 * x[2]),
                    s10 * (x[0] - x[3]) * (x[0] - x[3]),
                ]
            },
            jacobian: { x in
                let a = x[1] - 2 * x[2]
                let c = x[0] - x[3]
                return [[1, 10, 0, 0], [0, 0, s5, -s5], [0, 2 * a, -4 * a, 0], [2 * s10 * c, 0, 0, -2 * s10 * c]]
            })
        #expect(result.converged, "\(result.termination)")
        #expect(result.ssr < 1e-30, "\(result.ssr)")
        #expect(result.parameters.allSatisfy { abs($0) < 1e-7 }, "\(result.parameters)")
        #expect(result.covariance == nil) // m == n: no residual degrees of freedom
    }

    @Test("Box three-dimensional from (0, 10, 20) reaches (1, 10, 1)")
    func box3D() {
        let t = (1...10).map { 0.1 * Double($0) }
        let result = fit(
            start: [0, 10, 20], residualCount: 10,
            residuals: { x in t.map { exp(-$0 * x[0]) - exp(-$0 * x[1]) - x[2] * (exp(-$0) - exp(-10 * $0)) } },
            jacobian: { x in t.map { [-$0 * exp(-$0 * x[0]), $0 * exp(-$0 * x[1]), -(exp(-$0) - exp(-10 * $0))] } })
        #expect(result.converged)
        #expect(result.ssr < 1e-28, "\(result.ssr)")
        #expect(zip(result.parameters, [1.0, 10, 1]).allSatisfy { abs($0 - $1) < 1e-10 }, "\(result.parameters)")
    }

    @Test("Brown badly scaled from (1, 1) reaches (10⁶, 2·10⁻⁶)")
    func brownBadlyScaled() {
        let result = fit(
            start: [1, 1], residualCount: 3,
            residuals: { x in [x[0] - 1e6, x[1] - 2e-6, x[0] * x[1] - 2] },
            jacobian: { x in [[1, 0], [0, 1], [x[1], x[0]]] })
        #expect(result.converged)
        #expect(
            abs(result.parameters[0] / 1e6 - 1) < 1e-12 && abs(result.parameters[1] / 2e-6 - 1) < 1e-12,
            "\(result.parameters)")
    }
}

@Suite("Levenberg–Marquardt: statistics, termination and robustness")
struct LevenbergMarquardtBehaviourTests {
    static let xs: [Double] = [1, 2, 3, 4, 5, 6, 7]
    static let ys: [Double] = [2.9, 5.2, 6.8, 9.1, 11.2, 12.8, 15.1]

    @Test("a straight line fitted by LM has the closed-form OLS estimates, SEs and covariance")
    func linearModelCovariance() throws {
        let x = Self.xs
        let y = Self.ys
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n
        let my = y.reduce(0, +) / n
        let sxx = x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        let sxy = zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        let slope = sxy / sxx
        let intercept = my - slope * mx
        let ssr = zip(x, y).reduce(0) { $0 + pow($1.1 - intercept - slope * $1.0, 2) }
        let s2 = ssr / (n - 2)
        let seSlope = (s2 / sxx).squareRoot()
        let seIntercept = (s2 * (1 / n + mx * mx / sxx)).squareRoot()
        let covInterceptSlope = -mx * s2 / sxx

        let result = fit(
            start: [100, -50], residualCount: x.count,
            residuals: { b in zip(x, y).map { $1 - b[0] - b[1] * $0 } },
            jacobian: { _ in x.map { [-1, -$0] } })
        #expect(result.converged)
        expectClose(result.parameters[0], intercept, relative: 1e-12, "intercept")
        expectClose(result.parameters[1], slope, relative: 1e-12, "slope")
        expectClose(result.ssr, ssr, relative: 1e-10, "ssr")
        expectClose(result.residualStandardDeviation, s2.squareRoot(), relative: 1e-10, "residual SD")
        let se = try #require(result.standardErrors)
        expectClose(se[0], seIntercept, relative: 1e-10, "SE intercept")
        expectClose(se[1], seSlope, relative: 1e-10, "SE slope")
        let covariance = try #require(result.covariance)
        expectClose(covariance[0, 1], covInterceptSlope, relative: 1e-10, "cov(intercept, slope)")
        expectClose(covariance[1, 0], covInterceptSlope, relative: 1e-10, "cov(slope, intercept)")
    }

    @Test("central differences reach the NIST Misra1a certified values to 6+ digits")
    func centralDifferences() throws {
        let problem = try NISTNonlinearProblem(name: "Misra1a")
        let model = try #require(NISTModel.named("Misra1a"))
        let lsq = NISTLeastSquares(problem: problem, model: model)
        for start in [problem.start1, problem.start2] {
            var solver = LevenbergMarquardt(parameterCount: 2, residualCount: problem.y.count)
            let result = solver.minimize(start: start, residuals: lsq.residuals, jacobian: nil)
            #expect(result.converged)
            let lre = zip(result.parameters, problem.certifiedParameters).map(logRelativeError).min() ?? 0
            #expect(lre >= 6, "\(result.parameters)")
            let seLRE =
                zip(result.standardErrors ?? [], problem.certifiedStandardDeviations).map(logRelativeError).min() ?? 0
            #expect(seLRE >= 4, "\(String(describing: result.standardErrors))")
        }
    }

    @Test("a reused solver gives bit-identical fits")
    func reuse() throws {
        let problem = try NISTNonlinearProblem(name: "Chwirut2")
        let model = try #require(NISTModel.named("Chwirut2"))
        let lsq = NISTLeastSquares(problem: problem, model: model)
        var solver = LevenbergMarquardt(parameterCount: 3, residualCount: problem.y.count)
        let first = solver.minimize(start: problem.start1, residuals: lsq.residuals, jacobian: lsq.jacobian)
        _ = solver.minimize(start: problem.start2, residuals: lsq.residuals, jacobian: nil)
        let again = solver.minimize(start: problem.start1, residuals: lsq.residuals, jacobian: lsq.jacobian)
        #expect(first.parameters == again.parameters)
        #expect(first.standardErrors == again.standardErrors)
        #expect(first.evaluations == again.evaluations && first.iterations == again.iterations)
    }

    @Test("non-finite residuals at the start are a status, not a crash")
    func nonFiniteStart() {
        let result = fit(
            start: [-1], residualCount: 3,
            residuals: { b in [1, 2, 3].map { $0 - b[0].squareRoot() } },
            jacobian: { b in [[-0.5 / b[0].squareRoot()], [-0.5 / b[0].squareRoot()], [-0.5 / b[0].squareRoot()]] })
        #expect(result.termination == .nonFiniteStart)
        #expect(!result.converged)
        #expect(result.parameters == [-1])
        #expect(result.covariance == nil && result.standardErrors == nil)
        #expect(result.ssr.isNaN)
    }

    @Test("a non-finite Jacobian is a status, not a crash")
    func nonFiniteJacobian() {
        let result = fit(
            start: [2], residualCount: 3,
            residuals: { b in [1, 2, 3].map { $0 - b[0] } },
            jacobian: { _ in [[-1], [.nan], [-1]] })
        #expect(result.termination == .nonFiniteJacobian)
        #expect(!result.converged)
        #expect(result.parameters == [2])
        expectClose(result.ssr, 2, relative: 1e-15, "ssr at the start")
        #expect(result.standardErrors == nil)
    }

    @Test("non-finite residuals at trial points shrink the step and the fit still converges")
    func nonFiniteTrialPoints() {
        // y = √b · x: from b = 0.01 the first full step overshoots into b < 0, where the model is NaN.
        let x: [Double] = [1, 2, 3, 4]
        let y = x.map { 3 * $0 + 0.01 * $0 * $0 }
        let result = fit(
            start: [0.01], residualCount: 4,
            residuals: { b in zip(x, y).map { $1 - b[0].squareRoot() * $0 } },
            jacobian: { b in x.map { [-0.5 * $0 / b[0].squareRoot()] } })
        #expect(result.converged, "\(result.termination)")
        let best = zip(x, y).reduce(0) { $0 + $1.0 * $1.1 } / x.reduce(0) { $0 + $1 * $1 }
        expectClose(result.parameters[0], best * best, relative: 1e-12, "b")
    }

    @Test("a tiny evaluation limit ends with evaluationLimit and converged == false")
    func evaluationLimit() throws {
        let problem = try NISTNonlinearProblem(name: "MGH09")
        let model = try #require(NISTModel.named("MGH09"))
        let lsq = NISTLeastSquares(problem: problem, model: model)
        let startSSR = problem.start1.withUnsafeBufferPointer { b in
            var r = [Double](repeating: 0, count: problem.y.count)
            r.withUnsafeMutableBufferPointer { lsq.residuals(b, $0) }
            return r.reduce(0) { $0 + $1 * $1 }
        }
        var solver = LevenbergMarquardt(
            parameterCount: 4, residualCount: problem.y.count, options: .init(maxEvaluations: 5))
        let result = solver.minimize(start: problem.start1, residuals: lsq.residuals, jacobian: lsq.jacobian)
        #expect(result.termination == .evaluationLimit)
        #expect(!result.converged)
        #expect(result.evaluations == 5)
        #expect(result.ssr.isFinite && result.ssr < startSSR) // accepted steps only ever lower the ssr
    }

    @Test("an exactly fitting model ends with zeroResidual")
    func zeroResidual() {
        let result = fit(
            start: [0, 0], residualCount: 3,
            residuals: { b in [1, 2, 3].map { b[0] + b[1] * $0 - (2 + 0.5 * $0) } },
            jacobian: { _ in [[1, 1], [1, 2], [1, 3]] })
        #expect(result.termination == .zeroResidual)
        #expect(result.parameters == [2, 0.5])
        #expect(result.standardErrors == [0, 0])
    }

    @Test("a loose gradient tolerance ends with gradient")
    func gradientTermination() {
        let result = fit(
            start: [1], residualCount: 3, options: .init(gradientTolerance: 0.5),
            residuals: { b in [1, 2, 4].map { b[0] - $0 } },
            jacobian: { _ in [[1], [1], [1]] })
        #expect(result.termination == .gradient)
    }

    @Test("fewer residuals than parameters is reported as underdetermined")
    func underdetermined() {
        let result = fit(
            start: [1, 2, 3], residualCount: 2,
            residuals: { b in [b[0] - 1, b[1] - b[2]] })
        #expect(result.termination == .underdetermined)
        #expect(!result.converged)
        #expect(result.evaluations == 0)
    }
}
