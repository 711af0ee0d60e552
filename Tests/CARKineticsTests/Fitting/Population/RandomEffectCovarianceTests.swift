import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNumerics

/// −2 ln p(η | Ω) for a block-diagonal Ω given by its Cholesky factor (``RandomEffectCovariance``): value,
/// η-gradient and η-Hessian against the closed form of a 2×2 block written out by hand, θ-gradients against
/// central differences, and the reported SDs and correlations with their gradients.
@Suite struct RandomEffectCovarianceTests {
    /// Evaluates the prior with every output requested.
    static func prior(
        _ pattern: RandomEffectCovariance, eta: [Double], diagonal: [Double], lower: [Double]
    ) -> (value: Double, gradient: [Double], hessian: [Double], theta: [Double]) {
        let r = pattern.count
        var gradient = [Double](repeating: 0, count: r)
        var hessian = [Double](repeating: 0, count: r * r)
        var theta = [Double](repeating: 0, count: pattern.parameterCount)
        let value = eta.withUnsafeBufferPointer { e in
            gradient.withUnsafeMutableBufferPointer { g in
                hessian.withUnsafeMutableBufferPointer { h in
                    theta.withUnsafeMutableBufferPointer { t in
                        pattern.minus2LogDensity(
                            eta: e, diagonal: diagonal, lower: lower, etaGradient: g, etaHessian: h, thetaGradient: t)
                    }
                }
            }
        }
        return (value, gradient, hessian, theta)
    }

    /// A 2×2 block with SDs a, b and correlation ρ: L = [[a, 0], [ρb, b√(1 − ρ²)]], and by hand
    /// −2 ln p = 2 ln 2π + ln(a²b²(1 − ρ²)) + (η₁²/a² − 2ρη₁η₂/(ab) + η₂²/b²)/(1 − ρ²),
    /// gradient 2Ω⁻¹η, Hessian 2Ω⁻¹ with Ω⁻¹ = [[1/a², −ρ/(ab)], [−ρ/(ab), 1/b²]]/(1 − ρ²).
    @Test func twoByTwoBlockMatchesTheClosedForm() {
        let (a, b, rho) = (0.7, 0.2, -0.6)
        let eta = [0.5, -0.15]
        let pattern = RandomEffectCovariance(count: 2, blocks: [[0, 1]])
        #expect(pattern.parameterCount == 3)
        let diagonal = [a, b * (1 - rho * rho).squareRoot()]
        let lower = [rho * b]
        let got = Self.prior(pattern, eta: eta, diagonal: diagonal, lower: lower)
        let d = 1 - rho * rho
        let quadratic =
            (eta[0] * eta[0] / (a * a) - 2 * rho * eta[0] * eta[1] / (a * b) + eta[1] * eta[1] / (b * b)) / d
        let expected = 2 * Foundation.log(2 * Double.pi) + Foundation.log(a * a * b * b * d) + quadratic
        #expect(isClose(got.value, expected, relative: 1e-14, absolute: 1e-13), "\(got.value) vs \(expected)")
        let inverse = [1 / (a * a * d), -rho / (a * b * d), -rho / (a * b * d), 1 / (b * b * d)]
        let gradient = [
            2 * (inverse[0] * eta[0] + inverse[2] * eta[1]), 2 * (inverse[1] * eta[0] + inverse[3] * eta[1]),
        ]
        for q in 0..<2 { #expect(isClose(got.gradient[q], gradient[q], relative: 1e-13), "∂/∂η\(q)") }
        for q in 0..<4 { #expect(isClose(got.hessian[q], 2 * inverse[q], relative: 1e-13), "H[\(q)]") }
        // The reported SDs and correlation are a, b and ρ.
        let reported = pattern.reported(diagonal: diagonal, lower: lower)
        #expect(reported.map(\.first) == [0, 1, 0] && reported.map(\.second) == [0, 1, 1])
        #expect(isClose(reported[0].value, a, relative: 1e-15))
        #expect(isClose(reported[1].value, b, relative: 1e-15))
        #expect(isClose(reported[2].value, rho, relative: 1e-14))
    }

    /// A diagonal Ω is the same function whether it is declared without blocks or reached as a block whose
    /// off-diagonals are 0; without blocks it is exactly ln(2πω²) + η²/ω² per effect, as before blocks existed.
    @Test func diagonalIsTheBlockWithZeroOffDiagonals() {
        let eta = [0.3, -0.8, 0.1]
        let omega = [0.4, 0.9, 0.25]
        let diagonal = Self.prior(RandomEffectCovariance(count: 3), eta: eta, diagonal: omega, lower: [])
        var old = 0.0
        for q in 0..<3 {
            old += Foundation.log(2 * Double.pi * omega[q] * omega[q]) + eta[q] * eta[q] / (omega[q] * omega[q])
        }
        #expect(diagonal.value == old)
        let block = Self.prior(
            RandomEffectCovariance(count: 3, blocks: [[2, 0]]), eta: eta, diagonal: omega, lower: [0])
        #expect(isClose(block.value, diagonal.value, relative: 1e-14))
        for q in 0..<3 { #expect(isClose(block.gradient[q], diagonal.gradient[q], relative: 1e-14)) }
        for q in 0..<9 { #expect(isClose(block.hessian[q], diagonal.hessian[q], relative: 1e-14, absolute: 1e-15)) }
        for q in 0..<3 { #expect(isClose(block.theta[q], diagonal.theta[q], relative: 1e-13)) }
    }

    /// Gradients in η and θ against central differences: a 3×3 block (with its effects not adjacent) beside an
    /// independent effect, and two blocks of two.
    @Test(arguments: [[[0, 1, 3]], [[0, 2], [1, 3]]])
    func gradientsMatchCentralDifferences(blocks: [[Int]]) {
        let pattern = RandomEffectCovariance(count: 4, blocks: blocks)
        let eta = [0.4, -0.3, 0.7, 0.2]
        let theta0 =
            [Foundation.log(0.6), Foundation.log(0.3), Foundation.log(0.8), Foundation.log(0.45)]
            + Array([0.2, -0.1, 0.15].prefix(pattern.lowerCount))
        func split(_ theta: [Double]) -> ([Double], [Double]) {
            (theta[0..<4].map { Foundation.exp($0) }, Array(theta[4...]))
        }
        let (diagonal, lower) = split(theta0)
        let got = Self.prior(pattern, eta: eta, diagonal: diagonal, lower: lower)
        func value(_ e: [Double], _ theta: [Double]) -> Double {
            let (d, l) = split(theta)
            return Self.prior(pattern, eta: e, diagonal: d, lower: l).value
        }
        let h = 1e-6
        for q in 0..<4 {
            var plus = eta
            var minus = eta
            plus[q] += h
            minus[q] -= h
            let numeric = (value(plus, theta0) - value(minus, theta0)) / (2 * h)
            #expect(isClose(got.gradient[q], numeric, relative: 1e-7, absolute: 1e-8), "∂/∂η\(q)")
            // The Hessian from differences of the analytic gradient.
            let gp = Self.prior(pattern, eta: plus, diagonal: diagonal, lower: lower).gradient
            let gm = Self.prior(pattern, eta: minus, diagonal: diagonal, lower: lower).gradient
            for a in 0..<4 {
                #expect(
                    isClose(got.hessian[a + q * 4], (gp[a] - gm[a]) / (2 * h), relative: 1e-7, absolute: 1e-7),
                    "H[\(a), \(q)]")
            }
        }
        for j in theta0.indices {
            var plus = theta0
            var minus = theta0
            plus[j] += h
            minus[j] -= h
            let numeric = (value(eta, plus) - value(eta, minus)) / (2 * h)
            #expect(isClose(got.theta[j], numeric, relative: 1e-7, absolute: 1e-8), "∂/∂θ\(j)")
        }
        // Reported SDs (log scale) and correlations: gradients against differences of the values.
        let reported = pattern.reported(diagonal: diagonal, lower: lower)
        #expect(reported.count == 4 + pattern.lowerCount)
        for (n, row) in reported.enumerated() {
            for j in theta0.indices {
                var plus = theta0
                var minus = theta0
                plus[j] += h
                minus[j] -= h
                let (dp, lp) = split(plus)
                let (dm, lm) = split(minus)
                var vp = pattern.reported(diagonal: dp, lower: lp)[n].value
                var vm = pattern.reported(diagonal: dm, lower: lm)[n].value
                if row.first == row.second { (vp, vm) = (Foundation.log(vp), Foundation.log(vm)) }
                #expect(
                    isClose(row.gradient[j], (vp - vm) / (2 * h), relative: 1e-7, absolute: 1e-9),
                    "reported \(n), θ\(j)")
            }
        }
        // The reported values are √Ω_kk and Ω_kl/√(Ω_kk Ω_ll) of Ω = LLᵀ.
        let omega = pattern.matrix(diagonal: diagonal, lower: lower)
        for row in reported {
            let (k, l) = (row.first, row.second)
            let expected =
                k == l
                ? omega[k + k * 4].squareRoot() : omega[k + l * 4] / (omega[k + k * 4] * omega[l + l * 4]).squareRoot()
            #expect(isClose(row.value, expected, relative: 1e-14))
        }
    }

    /// A model linear in η with two correlated random effects (C = a + b·t, random a and b in one block) and
    /// additive error: the posterior is Gaussian, so the Laplace objective is the exact marginal
    /// −2 ln N(y; a + b·t, σ²I + ZΩZᵀ), Z = [1, t] — computed here directly from that 3×3 covariance.
    @Test func laplaceIsExactForALinearModelWithABlock() throws {
        let model = PopulationModel(
            structure: try .formula("C = a + b*t", parameters: ["a", "b"]), random: ["a", "b"],
            error: .additive, blocks: [["a", "b"]])
        let times = [0.0, 1, 2.5]
        let values = [1.2, 2.9, 4.1]
        let subject = PopulationSubject(
            id: "1", times: times, values: values, censored: [false, false, false], columns: [], design: [])
        let (a, b, sigma) = (1.0, 1.3, 0.4)
        let (sdA, sdB, rho) = (0.7, 0.5, 0.6)
        let point = PopulationPoint(
            mu: [a, b], beta: [], omega: [sdA, sdB * (1 - rho * rho).squareRoot()], sigma: [sigma],
            lower: [rho * sdB])
        let objective = SubjectObjective(model: model)
        #expect(objective.covariance.blocks == [[0, 1]])
        let mode = objective.mode(subject, base: [a, b], point: point, start: [0, 0])
        #expect(mode.converged)
        let omega = [sdA * sdA, rho * sdA * sdB, rho * sdA * sdB, sdB * sdB]
        var v = [Double](repeating: 0, count: 9)
        for i in 0..<3 {
            for j in 0..<3 {
                let zi = [1, times[i]]
                let zj = [1, times[j]]
                var s = i == j ? sigma * sigma : 0
                for p in 0..<2 { for q in 0..<2 { s += zi[p] * omega[p + q * 2] * zj[q] } }
                v[i + j * 3] = s
            }
        }
        var residual = zip(times, values).map { $1 - a - b * $0 }
        let r0 = residual
        #expect(SmallLinearAlgebra.solvePositiveDefinite(&v, &residual, order: 3))
        var logDet = 0.0
        for k in 0..<3 { logDet += 2 * Foundation.log(v[k + k * 3]) }
        let quadratic = zip(r0, residual).reduce(0) { $0 + $1.0 * $1.1 }
        let exact = 3 * Foundation.log(2 * Double.pi) + logDet + quadratic
        #expect(abs(mode.laplace - exact) <= 1e-10, "\(mode.laplace) vs \(exact)")
        // The same data with the correlation ignored is a different likelihood (the test can tell).
        let diagonal = SubjectObjective(
            model: PopulationModel(
                structure: model.structure, random: ["a", "b"], error: .additive))
        let independent = diagonal.mode(
            subject, base: [a, b], point: PopulationPoint(mu: [a, b], beta: [], omega: [sdA, sdB], sigma: [sigma]),
            start: [0, 0])
        #expect(abs(independent.laplace - exact) > 0.01)
    }

    /// AGQ and importance sampling of the marginal likelihood of Theoph subject 9 (the most skewed posterior)
    /// with a correlated 2×2 Ω (ρ = −0.5), against a brute-force trapezoid integral over ±12 posterior SDs.
    @Test func marginalWithABlockMatchesBruteForce() throws {
        let (_, subject, diagonalPoint, diagonalModel) = try SubjectObjectiveTests.theophSubject(random: ["lKa", "lCl"])
        var model = diagonalModel
        model.blocks = [["lKa", "lCl"]]
        let objective = SubjectObjective(model: model)
        var point = diagonalPoint
        let rho = -0.5
        let (sdKa, sdCl) = (point.omega[0], point.omega[1])
        point.omega = [sdKa, sdCl * (1 - rho * rho).squareRoot()]
        point.lower = [rho * sdCl]
        let base = objective.baseParameters(subject, point: point, terms: [])
        let mode = objective.mode(subject, base: base, point: point, start: [0, 0])
        #expect(mode.converged)
        let brute = SubjectObjectiveTests.bruteForce(objective, subject, point, mode: mode, points: 301, width: 12)
        let agq = MarginalLikelihood(objective: objective)
            .adaptiveGaussHermite(subject, base: base, point: point, mode: mode, rule: GaussHermite(count: 30))
        #expect(abs(agq - brute) <= 1e-8, "AGQ \(agq) vs brute force \(brute)")
        #expect(abs(mode.laplace - brute) < 1 && abs(mode.laplace - brute) > 1e-4)
        let sampled = MarginalLikelihood(objective: objective)
            .importanceSampling(subject, base: base, point: point, mode: mode, draws: 20_000, seed: 7)
        #expect(abs(sampled.value - brute) <= 4 * sampled.variance.squareRoot() + 1e-9)
        // The correlation matters: the independent Ω's marginal differs by more than the quadrature error.
        let diagonalObjective = SubjectObjective(model: diagonalModel)
        let diagonalMode = diagonalObjective.mode(subject, base: base, point: diagonalPoint, start: [0, 0])
        let diagonalAGQ = MarginalLikelihood(objective: diagonalObjective)
            .adaptiveGaussHermite(
                subject, base: base, point: diagonalPoint, mode: diagonalMode, rule: GaussHermite(count: 30))
        #expect(abs(diagonalAGQ - agq) > 0.05)
    }
}
