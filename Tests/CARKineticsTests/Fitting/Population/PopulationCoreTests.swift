import Foundation
import Testing
@testable import CARKinetics

/// ∫₀^∞ e^(z·u − u²/2) du by Simpson's rule on a grid scaled to the integrand's decay length 1/(|z| + 1).
private func tailIntegral(_ z: Double) -> Double {
    let scale = 1 / (abs(z) + 1)
    let n = 20_000
    let upper = 60.0
    let h = upper / Double(n)
    func f(_ v: Double) -> Double { let u = v * scale; return Foundation.exp(z * u - u * u / 2) * scale }
    var s = f(0) + f(upper)
    for k in 1..<n { s += (k % 2 == 1 ? 4 : 2) * f(Double(k) * h) }
    return s * h / 3
}

/// ln Φ(z) independently: Φ(z) = φ(z)·∫₀^∞ e^(zu − u²/2) du for z < 0; 1 − the same upper tail for z ≥ 0.
private func referenceLogCDF(_ z: Double) -> Double {
    let logPhi = -z * z / 2 - 0.5 * Foundation.log(2 * Double.pi)
    if z < 0 { return logPhi + Foundation.log(tailIntegral(z)) }
    return Foundation.log1p(-Foundation.exp(logPhi) * tailIntegral(-z))
}

@Suite struct NormalTailTests {
    @Test(arguments: [-80.0, -45, -31, -29, -12, -3, -0.5, 0, 1, 4, 9])
    func logCDFMatchesDirectIntegration(z: Double) {
        let expected = referenceLogCDF(z)
        let actual = NormalTail.logCDF(z)
        #expect(abs(actual - expected) <= 1e-10 * max(1, abs(expected)), "z = \(z): \(actual) vs \(expected)")
        // A prediction 80 SDs above the limit costs a large finite penalty, not −∞.
        #expect(actual.isFinite)
    }

    @Test(arguments: [-70.0, -30.5, -29.5, -5, 0, 2, 6])
    func millsRatioIsTheDerivativeOfLogCDF(z: Double) {
        let h = 1e-5 * max(1, abs(z))
        let derivative = (NormalTail.logCDF(z + h) - NormalTail.logCDF(z - h)) / (2 * h)
        #expect(isClose(NormalTail.millsRatio(z), derivative, relative: 1e-7, absolute: 1e-14))
    }
}

@Suite struct GaussHermiteTests {
    @Test func threeNodesAreTheClosedForm() {
        let rule = GaussHermite(count: 3)
        let root = (1.5).squareRoot(), pi = Double.pi.squareRoot()
        for (x, e) in zip(rule.nodes, [-root, 0, root]) { #expect(abs(x - e) <= 1e-14) }
        for (w, e) in zip(rule.weights, [pi / 6, 2 * pi / 3, pi / 6]) { #expect(abs(w - e) <= 1e-14) }
    }

    @Test(arguments: [10, 31, 60])
    func evenMomentsAreExact(n: Int) {
        let rule = GaussHermite(count: n)
        // ∫ x^(2k) e^(−x²) dx = Γ(k + ½), exact for 2k ≤ 2n − 1.
        for k in 0..<min(n, 12) {
            let sum = zip(rule.nodes, rule.weights).reduce(0.0) { $0 + $1.1 * Foundation.pow($1.0, Double(2 * k)) }
            let exact = Foundation.tgamma(Double(k) + 0.5)
            #expect(isClose(sum, exact, relative: 1e-11), "n = \(n), k = \(k)")
        }
    }
}

/// Subject-level objective checks on Theoph subject data and simulated Stein subjects.
@Suite struct SubjectObjectiveTests {
    static func theophSubject(random: [String]) throws -> (SubjectObjective, PopulationSubject, PopulationPoint, PopulationModel) {
        var model = try TheophReference.model()
        model.random = random
        let data = try TheophReference.data(model: model)
        let omega = random.map { $0 == "lKa" ? TheophReference.omegaKa : TheophReference.omegaCl }
        let point = PopulationPoint(mu: [TheophReference.lKe, TheophReference.lKa, TheophReference.lCl], beta: [],
                                    omega: omega, sigma: [TheophReference.sigma])
        // Subject 9 has the largest conditional mode of lKa in nlme's fit: the least Gaussian posterior.
        let subject = try #require(data.subjects.first { $0.id == "9" })
        return (SubjectObjective(model: model), subject, point, model)
    }

    /// −2 ln ∫ e^(−F(η)/2) dη by the trapezoid rule on a fixed box of ±`width` posterior SDs around the mode.
    static func bruteForce(_ objective: SubjectObjective, _ subject: PopulationSubject, _ point: PopulationPoint,
                           mode: SubjectMode, points: Int, width: Double) -> Double {
        let r = objective.randomCount
        let base = objective.baseParameters(subject, point: point, terms: [])
        var work = [Double](repeating: 0, count: objective.workCount)
        // Posterior SDs from the inverse Hessian diagonal: H_ℓ⁻¹ = 2·H_F⁻¹.
        var sd = [Double](repeating: 0, count: r)
        for k in 0..<r {
            var e = [Double](repeating: 0, count: r)
            e[k] = 1
            _ = SmallLinearAlgebra.solveWithFactor(mode.cholesky, &e, order: r, transposeOnly: false)
            sd[k] = (2 * e[k]).squareRoot()
        }
        func f(_ eta: [Double]) -> Double {
            eta.withUnsafeBufferPointer { e in
                work.withUnsafeMutableBufferPointer { w in
                    objective.evaluate(subject, base: base, eta: e, point: point, gradient: nil, hessian: nil, work: w)
                }
            }
        }
        var terms: [Double] = []
        var logCell = 0.0
        for k in 0..<r { logCell += Foundation.log(2 * width * sd[k] / Double(points - 1)) }
        var index = [Int](repeating: 0, count: r)
        let total = Int(Foundation.pow(Double(points), Double(r)))
        for _ in 0..<total {
            var eta = mode.eta
            var logWeight = 0.0
            for k in 0..<r {
                eta[k] += sd[k] * width * (2 * Double(index[k]) / Double(points - 1) - 1)
                if index[k] == 0 || index[k] == points - 1 { logWeight += Foundation.log(0.5) }
            }
            terms.append(logWeight - f(eta) / 2)
            var k = 0
            while k < r {
                index[k] += 1
                if index[k] < points { break }
                index[k] = 0
                k += 1
            }
        }
        return -2 * (logCell + logSumExp(terms))
    }

    @Test(arguments: [["lKa"], ["lKa", "lCl"]])
    func adaptiveQuadratureMatchesBruteForce(random: [String]) throws {
        let (objective, subject, point, _) = try Self.theophSubject(random: random)
        let base = objective.baseParameters(subject, point: point, terms: [])
        let mode = objective.mode(subject, base: base, point: point, start: [Double](repeating: 0, count: random.count))
        #expect(mode.converged)
        let brute = Self.bruteForce(objective, subject, point, mode: mode, points: random.count == 1 ? 4001 : 301, width: 12)
        // Measured: 1-D, AGQ30 is 2.4e-6 from the grid, AGQ60 1e-10; 2-D, AGQ30 6e-13 (Laplace 0.86 and 0.35 off).
        let nodes = random.count == 1 ? 60 : 30
        let agq = MarginalLikelihood(objective: objective)
            .adaptiveGaussHermite(subject, base: base, point: point, mode: mode, rule: GaussHermite(count: nodes))
        #expect(abs(agq - brute) <= 1e-8, "AGQ \(agq) vs brute force \(brute)")
        // Laplace is an approximation: close, but not to quadrature precision on this skewed posterior.
        #expect(abs(mode.laplace - brute) < 1)
        #expect(abs(mode.laplace - brute) > 1e-4)
        // Importance sampling agrees within its own Monte Carlo error.
        let sampled = MarginalLikelihood(objective: objective)
            .importanceSampling(subject, base: base, point: point, mode: mode, draws: 20_000, seed: 7)
        #expect(abs(sampled.value - brute) <= 4 * sampled.variance.squareRoot() + 1e-9)
        #expect(sampled.variance.squareRoot() < 0.02)
    }

    /// A model linear in η with additive error: the posterior is Gaussian, so Laplace is exact, and the marginal
    /// is y ~ N(a·1 + b·t, σ²I + ω²·11ᵀ) — computed here in closed form (Sherman–Morrison).
    @Test func laplaceIsExactForALinearGaussianModel() throws {
        let model = PopulationModel(structure: try .formula("C = a + b*t", parameters: ["a", "b"]), random: ["a"],
                                    error: .additive)
        let subject = PopulationSubject(id: "1", times: [0, 1, 2.5], values: [1.2, 2.9, 4.1], censored: [false, false, false],
                                        columns: [], design: [])
        let (a, b, omega, sigma) = (1.0, 1.3, 0.7, 0.4)
        let point = PopulationPoint(mu: [a, b], beta: [], omega: [omega], sigma: [sigma])
        let objective = SubjectObjective(model: model)
        let mode = objective.mode(subject, base: [a, b], point: point, start: [0])
        let r = zip(subject.times, subject.values).map { $1 - a - b * $0 }
        let n = 3.0, s2 = sigma * sigma, w2 = omega * omega
        let sum = r.reduce(0, +), sumSquares = r.reduce(0) { $0 + $1 * $1 }
        let quadratic = (sumSquares - w2 / (s2 + n * w2) * sum * sum) / s2
        let logDet = n * Foundation.log(s2) + Foundation.log(1 + n * w2 / s2)
        let exact = n * Foundation.log(2 * Double.pi) + logDet + quadratic
        #expect(abs(mode.laplace - exact) <= 1e-10)
    }

    /// The analytic gradient of F against central differences, for every error model, with M3 terms.
    @Test(arguments: ResidualError.allCases)
    func gradientMatchesFiniteDifferences(error: ResidualError) throws {
        let model = PopulationModel(structure: .stein, error: error)
        let profile = try #require(SteinPopulationSimulator().simulate(subjects: 3, seed: 11).last)
        let data = try PopulationData.make(profiles: [profile], groupColumns: ["dose"], model: model)
        let subject = data.subjects[0]
        #expect(subject.censoredCount > 0)
        let sigma: [Double] = switch error {
        case .logAdditive: [0.5]
        case .additive: [300]
        case .proportional: [0.4]
        case .combined: [50, 0.3]
        }
        let mu = [Foundation.log(20_000), Foundation.log(9), Foundation.log(0.9), Foundation.log(0.16), Foundation.log(0.004), Foundation.log(0.01 / 0.99)]
        let point = PopulationPoint(mu: mu, beta: [], omega: [1, 0.3, 0.35, 0.5, 0.6, 0.8], sigma: sigma)
        let objective = SubjectObjective(model: model)
        let eta = [0.3, -0.1, 0.2, 0.25, -0.3, 0.4]
        var work = [Double](repeating: 0, count: objective.workCount)
        var gradient = [Double](repeating: 0, count: 6)
        var hessian = [Double](repeating: 0, count: 36)
        func f(_ e: [Double]) -> Double {
            e.withUnsafeBufferPointer { ep in
                work.withUnsafeMutableBufferPointer { w in
                    objective.evaluate(subject, base: mu, eta: ep, point: point, gradient: nil, hessian: nil, work: w)
                }
            }
        }
        _ = eta.withUnsafeBufferPointer { ep in
            work.withUnsafeMutableBufferPointer { w in
                gradient.withUnsafeMutableBufferPointer { g in
                    hessian.withUnsafeMutableBufferPointer { h in
                        objective.evaluate(subject, base: mu, eta: ep, point: point, gradient: g, hessian: h, work: w)
                    }
                }
            }
        }
        for k in 0..<6 {
            let h = 1e-6
            var plus = eta, minus = eta
            plus[k] += h
            minus[k] -= h
            let numeric = (f(plus) - f(minus)) / (2 * h)
            #expect(isClose(gradient[k], numeric, relative: 1e-6, absolute: 1e-6), "\(error) ∂F/∂η\(k): \(gradient[k]) vs \(numeric)")
        }
    }

    /// An M3 term equals −2 ln of the residual density integrated up to the limit, by direct quadrature.
    @Test(arguments: [ResidualError.logAdditive, .additive, .combined])
    func censoredTermIsTheIntegratedDensity(error: ResidualError) throws {
        let model = PopulationModel(structure: try .formula("C = a*exp(-k*t)", parameters: ["a", "k"]), random: [],
                                    error: error)
        let (a, k, limit) = (50.0, 0.2, 12.0)
        let sigma: [Double] = error == .logAdditive ? [0.6] : error == .additive ? [4] : [3, 0.2]
        let point = PopulationPoint(mu: [a, k], beta: [], omega: [], sigma: sigma)
        let objective = SubjectObjective(model: model)
        var work = [Double](repeating: 0, count: objective.workCount)
        for t in [1.0, 5, 12] {
            let subject = PopulationSubject(id: "1", times: [t], values: [limit], censored: [true], columns: [], design: [])
            let value = [Double]().withUnsafeBufferPointer { e in
                work.withUnsafeMutableBufferPointer { w in
                    objective.evaluate(subject, base: [a, k], eta: e, point: point, gradient: nil, hessian: nil, work: w)
                }
            }
            let f = a * Foundation.exp(-k * t)
            // Density of the observation on its error scale, integrated by Simpson's rule from far below to the limit.
            let (mean, sd, upper): (Double, Double, Double) = switch error {
            case .logAdditive: (Foundation.log(f), sigma[0], Foundation.log(limit))
            case .combined: (f, (sigma[0] * sigma[0] + sigma[1] * sigma[1] * f * f).squareRoot(), limit)
            default: (f, sigma[0], limit)
            }
            let lower = mean - 40 * sd, n = 200_000
            let h = (upper - lower) / Double(n)
            func density(_ x: Double) -> Double { Foundation.exp(-0.5 * ((x - mean) / sd) * ((x - mean) / sd)) / (sd * (2 * Double.pi).squareRoot()) }
            var s = density(lower) + density(upper)
            for j in 1..<n { s += (j % 2 == 1 ? 4 : 2) * density(lower + Double(j) * h) }
            let probability = s * h / 3
            #expect(abs(value - -2 * Foundation.log(probability)) <= 1e-8 * max(1, abs(value)), "\(error), t = \(t)")
        }
    }
}

@Suite struct PopulationDataTests {
    static func profiles(_ rows: [(String, String, String)]) -> [Profile] {
        rows.enumerated().map { i, row in
            Profile(subject: row.0, groups: [row.1, row.2],
                    observations: [Observation(time: 1, measurement: .value(10), line: 2 + 2 * i),
                                   Observation(time: 2, measurement: .belowLimit(lloq: 5), line: 3 + 2 * i)])
        }
    }

    @Test func continuousCovariatesAreLogRatiosToTheMedianAndCategoriesAreIndicators() throws {
        let model = PopulationModel(structure: .stein, covariates: [
            CovariateEffect(parameter: "cmax", column: "dose"), CovariateEffect(parameter: "alpha", column: "arm")])
        let data = try PopulationData.make(
            profiles: Self.profiles([("A", "1", "x"), ("B", "4", "y"), ("C", "2", "z"), ("D", "8", "x")]),
            groupColumns: ["dose", "arm"], model: model)
        #expect(data.terms.map(\.name) == ["cmax_dose", "alpha_arm_y", "alpha_arm_z"])
        #expect(data.terms[0].reference == 3)  // median of 1, 2, 4, 8
        #expect(abs(data.subjects[1].design[0] - Foundation.log(4.0 / 3)) <= 1e-15)
        #expect(data.subjects.map { $0.design[1] } == [0, 1, 0, 0])
        #expect(data.subjects.map { $0.design[2] } == [0, 0, 1, 0])
        #expect(data.censoredCount == 4)
    }

    @Test func unusableCovariatesAndMissingLimitsAreErrors() throws {
        let model = PopulationModel(structure: .stein, covariates: [CovariateEffect(parameter: "cmax", column: "dose")])
        #expect(throws: PopulationFitError("covariate 'dose' is the same (3) for every subject, so its effect on 'cmax' has no information")) {
            try PopulationData.make(profiles: Self.profiles([("A", "3", "x"), ("B", "3", "y")]), groupColumns: ["dose", "arm"], model: model)
        }
        #expect(throws: PopulationFitError.self) {
            try PopulationData.make(profiles: Self.profiles([("A", "1", "x"), ("A", "2", "x")]), groupColumns: ["dose", "arm"], model: model)
        }
        let noLimit = [Profile(subject: "A", groups: ["1", "x"], observations: [Observation(time: 1, measurement: .belowLimit(lloq: nil), line: 7)])]
        #expect(throws: PopulationFitError("subject 'A' line 7: below the limit (or 0 under log-additive error) but no LLOQ is known; give --lloq, or --blq drop")) {
            try PopulationData.make(profiles: noLimit, groupColumns: ["dose", "arm"], model: PopulationModel(structure: .stein))
        }
        let dropped = try PopulationData.make(profiles: noLimit, groupColumns: ["dose", "arm"],
                                              model: PopulationModel(structure: .stein, censoring: .drop))
        #expect(dropped.subjects[0].blqDropped == 1)
    }
}

@Suite struct SteinKinkTests {
    /// The Laplace Hessian of a Stein subject is continuous when Tmax crosses a sample time (where ∂ ln C/∂ψ jumps
    /// between the rising and the declining branch): without the blended Hessian derivatives ln det H — and the
    /// Laplace objective — jumped there, which broke the finite-difference gradients of the outer problem (on 50
    /// simulated subjects the largest gradient component at the stop was 5,500; with the blend, 3.3).
    @Test func hessianIsContinuousWhenTmaxCrossesASampleTime() throws {
        let model = PopulationModel(structure: .stein)
        let profile = try #require(SteinPopulationSimulator().simulate(subjects: 1, seed: 3).first)
        let data = try PopulationData.make(profiles: [profile], groupColumns: ["dose"], model: model)
        let subject = data.subjects[0]
        let objective = SubjectObjective(model: model)
        let sample = try #require(subject.times.first { $0 > 8 })
        let point = PopulationPoint(mu: [Foundation.log(20_000), Foundation.log(sample), Foundation.log(0.9), Foundation.log(0.16),
                                         Foundation.log(0.004), Foundation.log(0.01 / 0.99)],
                                    beta: [], omega: [1, 0.3, 0.35, 0.5, 0.6, 0.8], sigma: [0.45])
        var work = [Double](repeating: 0, count: objective.workCount)
        func hessian(_ etaTmax: Double) -> (value: Double, hessian: [Double]) {
            var h = [Double](repeating: 0, count: 36)
            let eta = [0.1, etaTmax, 0, 0, 0, 0]
            let value = eta.withUnsafeBufferPointer { e in
                work.withUnsafeMutableBufferPointer { w in
                    h.withUnsafeMutableBufferPointer { hp in
                        objective.evaluate(subject, base: point.mu, eta: e, point: point, gradient: nil, hessian: hp, work: w)
                    }
                }
            }
            return (value, h)
        }
        let below = hessian(-1e-9), above = hessian(1e-9)
        #expect(abs(below.value - above.value) < 1e-6)
        for k in 0..<36 {
            #expect(isClose(below.hessian[k], above.hessian[k], relative: 1e-6, absolute: 1e-9),
                    "H[\(k % 6), \(k / 6)]: \(below.hessian[k]) vs \(above.hessian[k])")
        }
    }
}
