import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// Estimates a ``PopulationModel`` by maximum likelihood (Laplace/FOCE-I, then the exact marginal likelihood).
///
/// Method:
/// 1. **Inner problem** per subject: the conditional mode η̂_i = argmin F_i(η) (``SubjectObjective``), warm-started
///    from the modes at the current accepted outer point and converged until the Newton decrement is below 1e-13.
/// 2. **Outer problem**: x = (μ, β, θ_Ω, ln σ) — unconstrained; θ_Ω is ln ω for a diagonal Ω and Ω's Cholesky
///    factor within blocks (``RandomEffectCovariance``) — minimising Σ_i Laplace_i(x) =
///    Σ_i F_i(η̂_i) + ln det(H_i/2π) by BFGS with an Armijo backtracking line search; the gradient by central
///    differences of the outer objective (step 1e-4·max(1, |x_j|)), which is smooth because the modes are
///    converged tightly and warm-started from the same point for every difference. Several starts
///    (``Options/starts``), the best kept.
/// 3. With at most two random effects, the optimisation continues on the adaptive Gauss–Hermite marginal
///    likelihood (``Options/refinementNodes`` per dimension), so the estimates are the exact ML estimates rather
///    than Laplace's. With more, the importance-sampling stage (``Options/importanceDraws`` per subject, proposals
///    fitted to each posterior and carried by its conditional mode as the parameters move, draws held in the
///    individual parameters ψ, gradient by Fisher's identity) solves the simulated likelihood's score equation,
///    its estimates kept only if the exact −2 ln L (independent draws) does not get worse.
/// 4. **−2 ln L** at the estimates by AGQ (≤ 2 random effects) or importance sampling (more), AIC/BIC from it;
///    standard errors from the inverse of the central-difference Hessian of the final outer objective
///    (covariance = 2·H⁻¹, since the objective is −2 ln L), mapped by the delta method; 95% intervals on the
///    estimation scale (normal quantile).
///
/// Subjects are processed in parallel; every sum is taken in subject order, so the result does not depend on the
/// number of threads.
public struct PopulationFitter: Sendable {
    public struct Options: Sendable {
        /// Number of starting points (the second and later start with ω doubled and σ halved, then further
        /// spread).
        public var starts = 2
        public var maxIterations = 300
        /// AGQ nodes per dimension while refining on the exact likelihood (≤ 2 random effects); 0 = no refinement.
        public var refinementNodes = 5
        /// AGQ nodes per axis for the reported −2 ln L with 2 random effects (with 1: at least 60).
        public var reportNodes = 30
        /// Target Monte Carlo SE of −2 ln L for importance sampling.
        public var importanceTarget = 0.05
        /// Draws per subject of the importance-sampling estimation stage (dim η > 2; 0 = no stage, the estimates
        /// stay Laplace's). Each subject's standard draws are fixed (common random numbers) and carried by its
        /// conditional mode, so the objective is smooth in the parameters and its proposals stay matched.
        public var importanceDraws = 500
        /// At most this many rounds of the importance-sampling stage (re-centred proposals each round); 0 keeps
        /// the Laplace estimates and only evaluates −2 ln L and the SEs with the stage's adapted proposals.
        public var importanceRounds = 2
        /// Hessian (default) or sandwich standard errors.
        public var standardErrors = StandardErrorMethod.hessian
        public var seed: UInt64 = 20_261_127
        public var parallel = true
        public init() {}
    }

    public var model: PopulationModel
    public var options: Options

    public init(model: PopulationModel, options: Options = Options()) {
        self.model = model
        self.options = options
    }

    enum Objective {
        case laplace
        case agq(GaussHermite)
        /// The fixed-point (importance-sampling) marginal likelihood with these points per subject.
        case marginal([MarginalPoints])
        /// The mode-following importance-sampling likelihood: proposals carried by the re-solved modes
        /// (``FollowingProposals``).
        case following(FollowingProposals)
    }

    // MARK: - The outer objective

    /// x = (μ: k, β: e, ln L_qq: r, L's off-diagonals within Ω's blocks: c, ln σ: s) — the Ω part is the θ of
    /// ``RandomEffectCovariance``, so with a diagonal Ω (c = 0) it is (ln ω_1, …, ln ω_r).
    struct Layout {
        let k: Int, e: Int, r: Int, c: Int, s: Int
        init(k: Int, e: Int, r: Int, c: Int = 0, s: Int) {
            (self.k, self.e, self.r, self.c, self.s) = (k, e, r, c, s)
        }
        var count: Int { k + e + r + c + s }
        /// Index of the first Ω parameter (θ) in x.
        var omegaOffset: Int { k + e }
        /// Index of the first residual parameter in x.
        var sigmaOffset: Int { k + e + r + c }
        func point(_ x: [Double]) -> PopulationPoint {
            PopulationPoint(
                mu: Array(x[0..<k]), beta: Array(x[k..<(k + e)]),
                omega: x[(k + e)..<(k + e + r)].map { Foundation.exp($0) },
                sigma: x[sigmaOffset...].map { Foundation.exp($0) },
                lower: Array(x[(k + e + r)..<sigmaOffset]))
        }
    }

    struct Evaluation {
        var value: Double
        var modes: [SubjectMode]
        /// The gradient, when the objective gives it with the value (the fixed-point marginal).
        var gradient: [Double] = []
    }

    func evaluate(
        _ x: [Double], layout: Layout, data: PopulationData, objective: SubjectObjective, warm: [[Double]],
        kind: Objective
    ) -> Evaluation {
        if case .marginal(let points) = kind {
            let result = marginalObjective(
                x, layout: layout, data: data, objective: objective, points: points, wantsGradient: true)
            return Evaluation(value: result.value, modes: [], gradient: result.gradient)
        }
        if case .following(let proposals) = kind {
            return followingObjective(
                x, layout: layout, data: data, objective: objective, warm: warm, proposals: proposals
            ).evaluation
        }
        let point = layout.point(x)
        let subjects = data.subjects
        let marginal = MarginalLikelihood(objective: objective)
        let results = mapSubjects(subjects.count) { i -> (SubjectMode, Double) in
            let base = objective.baseParameters(subjects[i], point: point, terms: data.terms)
            let mode = objective.mode(subjects[i], base: base, point: point, start: warm[i])
            guard mode.objective.isFinite else { return (mode, .infinity) }
            switch kind {
            case .laplace, .marginal, .following: return (mode, mode.laplace)
            case .agq(let rule):
                return (
                    mode, marginal.adaptiveGaussHermite(subjects[i], base: base, point: point, mode: mode, rule: rule)
                )
            }
        }
        var total = 0.0
        for (_, v) in results { total += v }
        return Evaluation(value: total.isNaN ? .infinity : total, modes: results.map(\.0))
    }

    /// Central-difference gradient of the outer objective, every difference warm-started from `warm`.
    func gradient(
        _ x: [Double], layout: Layout, data: PopulationData, objective: SubjectObjective, warm: [[Double]],
        kind: Objective, evaluations: inout Int
    ) -> [Double] {
        CentralDifferences.columns(at: x, relativeStep: 1e-4) { y in
            evaluations += 1
            return [evaluate(y, layout: layout, data: data, objective: objective, warm: warm, kind: kind).value]
        }.map { $0[0] }
    }

    /// The outer gradient at `x`, where `evaluation` was taken: analytic through the modes for the Laplace
    /// objective (``laplaceGradient(_:layout:data:objective:modes:)``), central differences for AGQ.
    func outerGradient(
        _ x: [Double], at evaluation: Evaluation, layout: Layout, data: PopulationData,
        objective: SubjectObjective, kind: Objective, evaluations: inout Int
    ) -> [Double] {
        switch kind {
        case .laplace:
            evaluations += 1
            return laplaceGradient(x, layout: layout, data: data, objective: objective, modes: evaluation.modes)
        case .marginal, .following:
            return evaluation.gradient
        case .agq:
            return gradient(
                x, layout: layout, data: data, objective: objective, warm: evaluation.modes.map(\.eta),
                kind: kind, evaluations: &evaluations)
        }
    }

    struct Minimum {
        var x: [Double]
        var value: Double
        var modes: [SubjectMode]
        var converged: Bool
        var reason: String
        var iterations: Int
        var evaluations: Int
        /// The final BFGS inverse-Hessian approximation (column-major), to warm-start a following stage.
        var inverse: [Double] = []
    }

    /// BFGS with an Armijo backtracking line search.
    func minimise(
        from start: [Double], warm: [[Double]], layout: Layout, data: PopulationData,
        objective: SubjectObjective, kind: Objective, inverseHessian: [Double]? = nil
    ) -> Minimum {
        var result = minimiseBFGS(
            from: start, warm: warm, layout: layout, data: data, objective: objective, kind: kind,
            inverseHessian: inverseHessian)
        if result.inverse.isEmpty { result.inverse = identity(start.count) }
        return result
    }

    private func minimiseBFGS(
        from start: [Double], warm: [[Double]], layout: Layout, data: PopulationData,
        objective: SubjectObjective, kind: Objective, inverseHessian: [Double]?
    ) -> Minimum {
        var x = start
        // The mode-following objective is minimised through fixed-point surrogates: each iterate's line search
        // runs on the points carried to that iterate (value and gradient consistent), and an accepted step
        // carries the points to the new iterate (modes re-solved there) before the next gradient. The iterates
        // converge where the score estimated with proposals fitted to the posteriors there vanishes.
        var surrogate = kind
        var current: Evaluation
        if case .following(let proposals) = kind {
            let carried = followingObjective(
                x, layout: layout, data: data, objective: objective, warm: warm, proposals: proposals)
            current = carried.evaluation
            surrogate = .marginal(carried.points)
        } else {
            current = evaluate(x, layout: layout, data: data, objective: objective, warm: warm, kind: kind)
        }
        var evaluations = 1
        guard current.value.isFinite else {
            return Minimum(
                x: x, value: .infinity, modes: current.modes, converged: false,
                reason: "the objective is not finite at the start", iterations: 0, evaluations: evaluations)
        }
        let p = x.count
        var modes = current.modes.map(\.eta)
        var g = outerGradient(
            x, at: current, layout: layout, data: data, objective: objective, kind: surrogate,
            evaluations: &evaluations)
        var inverse = inverseHessian ?? identity(p)
        var scaled = inverseHessian != nil
        var smallChanges = 0
        var history: [Double] = [current.value]
        for iteration in 1...max(1, options.maxIterations) {
            if g.allSatisfy({ abs($0) <= 1e-4 }) {
                return Minimum(
                    x: x, value: current.value, modes: current.modes, converged: true,
                    reason: "gradient below tolerance", iterations: iteration - 1, evaluations: evaluations,
                    inverse: inverse)
            }
            var direction = multiply(inverse, g).map { -$0 }
            var slope = dot(g, direction)
            if !(slope < 0) {
                inverse = identity(p)
                direction = g.map { -$0 }
                slope = dot(g, direction)
            }
            // −slope/2 = gᵀB⁻¹g/2 is the reduction of −2 ln L the quasi-Newton model predicts from here.
            let predicted = -slope / 2
            // Keep the first trial inside a box of ±1 on the estimation scale (a factor e on natural scales).
            let largest = direction.map(abs).max() ?? 0
            var alpha = largest > 1 ? 1 / largest : 1
            var accepted: Evaluation?
            for _ in 0..<40 {
                let trial = zip(x, direction).map { $0 + alpha * $1 }
                let candidate = evaluate(
                    trial, layout: layout, data: data, objective: objective, warm: modes, kind: surrogate)
                evaluations += 1
                if candidate.value <= current.value + 1e-4 * alpha * slope {
                    accepted = candidate
                    break
                }
                alpha /= 2
            }
            let scaledBeforeFailure = scaled
            if accepted == nil && !isIdentity(inverse) {
                // The quasi-Newton direction failed (a kink of the objective, or a stale curvature model):
                // restart from steepest descent before giving up.
                inverse = identity(p)
                scaled = false
                let steepest = g.map { -$0 }
                let size = steepest.map(abs).max() ?? 0
                var beta = size > 0.1 ? 0.1 / size : 1
                let steepSlope = dot(g, steepest)
                for _ in 0..<40 {
                    let trial = zip(x, steepest).map { $0 + beta * $1 }
                    let candidate = evaluate(
                        trial, layout: layout, data: data, objective: objective, warm: modes, kind: surrogate)
                    evaluations += 1
                    if candidate.value <= current.value + 1e-4 * beta * steepSlope {
                        accepted = candidate
                        direction = steepest
                        alpha = beta
                        break
                    }
                    beta /= 2
                }
            }
            guard let next = accepted else {
                // At the optimum of an objective known to ~1e-9 the line search fails for want of a measurable
                // decrease; that is convergence when the model predicts nothing worth having (< 0.01 units of
                // −2 ln L, a tenth of the precision the marginal −2 ln L is reported to) or the gradient is small.
                let small = g.allSatisfy { abs($0) <= 0.05 }
                let negligible = scaledBeforeFailure && predicted < 0.01
                return Minimum(
                    x: x, value: current.value, modes: current.modes, converged: small || negligible,
                    reason: small
                        ? "no further reduction possible (gradient small)"
                        : negligible
                            ? "no further reduction possible (predicted reduction \(String(format: "%.2g", predicted)) < 0.01)"
                            : "the line search could not reduce the objective (predicted reduction \(String(format: "%.2g", predicted)), largest gradient component \(String(format: "%.3g", g.map(abs).max() ?? 0)))",
                    iterations: iteration, evaluations: evaluations, inverse: inverse)
            }
            let s = direction.map { alpha * $0 }
            let xNew = zip(x, s).map { $0 + $1 }
            let change = current.value - next.value
            var arrived = next
            if case .following(let proposals) = kind {
                let carried = followingObjective(
                    xNew, layout: layout, data: data, objective: objective, warm: current.modes.map(\.eta),
                    proposals: proposals)
                evaluations += 1
                guard carried.evaluation.value.isFinite else {
                    return Minimum(
                        x: x, value: current.value, modes: current.modes, converged: false,
                        reason: "the importance-sampling likelihood is not finite after a step",
                        iterations: iteration, evaluations: evaluations, inverse: inverse)
                }
                arrived = carried.evaluation
                surrogate = .marginal(carried.points)
            }
            let modesNew = arrived.modes.map(\.eta)
            let gNew = outerGradient(
                xNew, at: arrived, layout: layout, data: data, objective: objective, kind: surrogate,
                evaluations: &evaluations)
            let y = zip(gNew, g).map { $0 - $1 }
            let sy = dot(s, y)
            if sy > 1e-12 * (dot(s, s).squareRoot() * dot(y, y).squareRoot()) && sy > 0 {
                if !scaled {
                    inverse = identity(p).map { $0 * sy / dot(y, y) }
                    scaled = true
                }
                // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ.
                let rho = 1 / sy
                let hy = multiply(inverse, y)
                let yhy = dot(y, hy)
                for a in 0..<p {
                    for b in 0..<p {
                        inverse[a + b * p] +=
                            -rho * (hy[a] * s[b] + s[a] * hy[b]) + (rho * rho * yhy + rho) * s[a] * s[b]
                    }
                }
            }
            x = xNew
            current = arrived
            modes = modesNew
            g = gNew
            history.append(current.value)
            smallChanges = change <= 1e-9 * max(1, abs(current.value)) ? smallChanges + 1 : 0
            if history.count > 10, history[history.count - 11] - current.value <= 1e-7 * max(1, abs(current.value)) {
                // Progress has stalled: typical of objectives with kinks (the Stein model's Tmax), where finite
                // differences see one side of a kink. Stop and say so rather than iterate on noise.
                let largest = g.map(abs).max() ?? 0
                return Minimum(
                    x: x, value: current.value, modes: current.modes, converged: largest <= 0.05,
                    reason:
                        "-2 ln L changed by less than 1e-7 relative over 10 iterations (largest gradient component \(String(format: "%.3g", largest)))",
                    iterations: iteration, evaluations: evaluations, inverse: inverse)
            }
            if scaled && change <= 1e-8 * max(1, abs(current.value)) {
                let next = multiply(inverse, g)
                let predictedNext = dot(g, next) / 2
                if predictedNext >= 0 && predictedNext < 1e-4 {
                    return Minimum(
                        x: x, value: current.value, modes: current.modes, converged: true,
                        reason:
                            "relative change below 1e-8 and predicted reduction \(String(format: "%.2g", predictedNext)) < 1e-4",
                        iterations: iteration, evaluations: evaluations, inverse: inverse)
                }
            }
            if smallChanges >= 3 && g.allSatisfy({ abs($0) <= 0.05 }) {
                return Minimum(
                    x: x, value: current.value, modes: current.modes, converged: true,
                    reason: "relative change of the objective below 1e-9", iterations: iteration,
                    evaluations: evaluations, inverse: inverse)
            }
        }
        return Minimum(
            x: x, value: current.value, modes: current.modes, converged: false,
            reason: "iteration limit (\(options.maxIterations)) reached", iterations: options.maxIterations,
            evaluations: evaluations, inverse: inverse)
    }

    // MARK: - Fit

    /// Fits the model to `data`.
    /// - Throws: ``PopulationFitError`` when the model cannot be estimated from these data (and says why).
    public func fit(_ data: PopulationData) throws(PopulationFitError) -> PopulationFit {
        let names = model.structure.parameterNames
        let transforms = model.structure.transforms
        for name in model.random where !names.contains(name) {
            throw PopulationFitError(
                "--random names '\(name)', which is not a model parameter (\(names.joined(separator: ", ")))")
        }
        if Set(model.random).count != model.random.count {
            throw PopulationFitError("a parameter is listed twice in --random")
        }
        let subjects = data.subjects.filter { !$0.times.isEmpty }
        guard !subjects.isEmpty else { throw PopulationFitError("no subject has an observation that can be used") }
        let data = PopulationData(subjects: subjects, terms: data.terms)
        let omegaPattern = try RandomEffectCovariance.validated(
            random: model.random, blocks: model.blocks, parameters: names)
        let objective = SubjectObjective(model: model)
        let layout = Layout(
            k: names.count, e: data.terms.count, r: objective.randomCount, c: omegaPattern.lowerCount,
            s: model.error.parameterNames.count)
        guard data.observationCount > layout.count else {
            throw PopulationFitError("\(data.observationCount) observations for \(layout.count) population parameters")
        }
        guard data.subjects.contains(where: { $0.quantifiedCount > 0 }) else {
            throw PopulationFitError("every observation is below the limit of quantification")
        }
        if model.structure.nativeLog == false, model.error == .logAdditive,
            data.subjects.contains(where: { zip($0.values, $0.censored).contains { !$1 && !($0 > 0) } })
        {
            throw PopulationFitError("log-additive error needs positive observations")
        }

        // Starting values.
        var mu: [Double] = []
        let defaults = try defaultStarts(data: data)
        for (k, name) in names.enumerated() {
            let natural = model.start[name] ?? defaults[name]
            guard let natural else {
                throw PopulationFitError("no start value for parameter '\(name)'; give --start \(name)=VALUE")
            }
            guard let psi = transforms[k].transformed(natural), psi.isFinite else {
                throw PopulationFitError("the start value \(natural) of '\(name)' is outside its range")
            }
            mu.append(psi)
        }
        let omegaStart = model.structure.nativeLog ? 0.5 : 0.3
        let sigmaStart = residualScale(mu: mu, data: data, objective: objective)
        var firstStart =
            mu + [Double](repeating: 0, count: layout.e)
            + [Double](repeating: Foundation.log(omegaStart), count: layout.r)
            + [Double](repeating: 0, count: layout.c)
        switch model.error {
        case .combined: firstStart += [Foundation.log(sigmaStart.additive), Foundation.log(0.1)]
        default: firstStart += [Foundation.log(sigmaStart.scale)]
        }
        let zeros = [[Double]](repeating: [Double](repeating: 0, count: layout.r), count: data.subjects.count)
        var best: Minimum?
        var iterations = 0
        var evaluations = 0
        var notes: [String] = []
        for startIndex in 0..<max(1, options.starts) {
            var start = firstStart
            if startIndex > 0 {
                let factor = Double(startIndex)
                for q in 0..<layout.r { start[layout.k + layout.e + q] += factor * Foundation.log(2) }
                for q in 0..<layout.s { start[layout.sigmaOffset + q] -= factor * Foundation.log(2) }
            }
            let result = minimise(
                from: start, warm: zeros, layout: layout, data: data, objective: objective, kind: .laplace)
            iterations += result.iterations
            evaluations += result.evaluations
            if let current = best, !(result.value < current.value) { continue }
            best = result
        }
        guard var chosen = best, chosen.value.isFinite else {
            throw PopulationFitError("the likelihood is not finite at any start; check the start values and the data")
        }
        if options.starts > 1 { notes.append("\(options.starts) starts") }
        var kind = Objective.laplace
        if layout.r > 0 && layout.r <= 2 && options.refinementNodes > 0 {
            let rule = GaussHermite(count: options.refinementNodes)
            // The Laplace stage's curvature model is a good start for the nearby exact-likelihood optimum.
            let refined = minimise(
                from: chosen.x, warm: chosen.modes.map(\.eta), layout: layout, data: data,
                objective: objective, kind: .agq(rule), inverseHessian: chosen.inverse)
            iterations += refined.iterations
            evaluations += refined.evaluations
            if refined.value.isFinite {
                chosen = refined
                kind = .agq(rule)
                notes.append(
                    "estimates maximise the adaptive Gauss-Hermite likelihood (\(options.refinementNodes) nodes per dimension) after the Laplace stage"
                )
            }
        }
        var stage: ImportanceStage?
        var stageReport: (Double, MarginalMethod)?
        if layout.r > 2 && options.importanceDraws > 0 {
            if let guarded = guardedImportanceStage(from: chosen, layout: layout, data: data, objective: objective) {
                stage = guarded.stage
                stageReport = guarded.report
                iterations += guarded.stage.minimum.iterations
                evaluations += guarded.stage.minimum.evaluations
                notes.append(guarded.note)
                chosen = guarded.stage.minimum
            } else {
                notes.append("the importance-sampling stage failed (objective not finite); the estimates are Laplace's")
            }
        }
        let x = chosen.x
        let point = layout.point(x)
        let modes = chosen.modes
        let laplace = evaluate(
            x, layout: layout, data: data, objective: objective, warm: modes.map(\.eta), kind: .laplace)

        // Exact marginal −2 ln L.
        let (minus2LL, method) =
            stageReport
            ?? marginal(point: point, data: data, objective: objective, modes: laplace.modes, layout: layout)

        // Standard errors from the Hessian of the final objective (or the sandwich).
        let uncertainty = standardErrorCovariance(
            x, layout: layout, data: data, objective: objective, kind: kind, stage: stage, modes: laplace.modes,
            evaluations: &evaluations)
        let covariance = uncertainty.covariance
        notes += uncertainty.notes
        var conditionNumber: Double?
        if let covariance {
            let p = x.count
            let correlation = Matrix(rows: p, columns: p) { i, j in
                covariance[i + j * p] / (covariance[i + i * p] * covariance[j + j * p]).squareRoot()
            }
            conditionNumber = try? LAPACK.conditionNumber(of: correlation)
        }
        let z975 = 1.959963984540054
        func se(_ j: Int) -> Double? {
            guard let covariance, covariance[j + j * x.count] > 0 else { return nil }
            return covariance[j + j * x.count].squareRoot()
        }
        var estimates: [PopulationEstimate] = []
        for (k, name) in names.enumerated() {
            let t = transforms[k]
            let value = t.natural(x[k])
            let s = se(k)
            let derivative: Double =
                switch t {
                case .log: value
                case .logit: value * (1 - value)
                case .identity: 1
                }
            estimates.append(
                PopulationEstimate(
                    name: "tv_\(name)", value: value, standardError: s.map { abs(derivative) * $0 },
                    lower: s.map { t.natural(x[k] - z975 * $0) }, upper: s.map { t.natural(x[k] + z975 * $0) }))
        }
        for (c, term) in data.terms.enumerated() {
            let j = layout.k + c
            let s = se(j)
            estimates.append(
                PopulationEstimate(
                    name: term.name, value: x[j], standardError: s,
                    lower: s.map { x[j] - z975 * $0 }, upper: s.map { x[j] + z975 * $0 }))
        }
        let randomNames = objective.randomIndex.map { names[$0] }
        estimates += omegaEstimates(x, layout: layout, covariance: covariance, randomNames: randomNames)
        for (q, name) in model.error.parameterNames.enumerated() {
            let j = layout.sigmaOffset + q
            let value = Foundation.exp(x[j])
            let s = se(j)
            estimates.append(
                PopulationEstimate(
                    name: name, value: value, standardError: s.map { value * $0 },
                    lower: s.map { Foundation.exp(x[j] - z975 * $0) }, upper: s.map { Foundation.exp(x[j] + z975 * $0) }
                ))
        }
        let unconverged = laplace.modes.filter { !$0.converged }.count
        if unconverged > 0 { notes.append("\(unconverged) subject mode search(es) stopped before the tolerance") }

        let individuals = individualResults(point: point, data: data, objective: objective, modes: laplace.modes)
        let shrinkage = etaShrinkage(
            individuals: individuals,
            omega: objective.covariance.standardDeviations(diagonal: point.omega, lower: point.lower))
        let epsilon = epsilonShrinkage(point: point, data: data, objective: objective, individuals: individuals)
        var fit = PopulationFit(
            parameterNames: names, randomNames: randomNames, estimates: estimates, minus2LogLikelihood: minus2LL,
            laplaceMinus2LogLikelihood: laplace.value, marginalMethod: method, estimatedCount: layout.count,
            subjectCount: data.subjects.count, observationCount: data.observationCount,
            censoredCount: data.censoredCount, converged: chosen.converged,
            status: chosen.converged ? "converged (\(chosen.reason))" : "not converged: \(chosen.reason)",
            notes: notes, etaShrinkage: shrinkage, epsilonShrinkage: epsilon, conditionNumber: conditionNumber,
            individuals: individuals, iterations: iterations, evaluations: evaluations,
            standardErrorMethod: uncertainty.method)
        fit.omegaMatrix = objective.covariance.matrix(diagonal: point.omega, lower: point.lower)
        return fit
    }

    // MARK: - Pieces

    /// −2 ln L by AGQ (≤ 2 random effects) or importance sampling (more), at converged modes.
    func marginal(
        point: PopulationPoint, data: PopulationData, objective: SubjectObjective, modes: [SubjectMode],
        layout: Layout
    ) -> (Double, MarginalMethod) {
        let likelihood = MarginalLikelihood(objective: objective)
        if layout.r == 0 { return (modes.reduce(0) { $0 + $1.objective }, .laplace) }
        if layout.r <= 2 {
            let nodes = layout.r == 1 ? max(options.reportNodes, 60) : options.reportNodes
            let rule = GaussHermite(count: nodes)
            var total = 0.0
            for (i, subject) in data.subjects.enumerated() {
                let base = objective.baseParameters(subject, point: point, terms: data.terms)
                total += likelihood.adaptiveGaussHermite(subject, base: base, point: point, mode: modes[i], rule: rule)
            }
            return (total, .adaptiveGaussHermite(nodes: nodes))
        }
        var draws = 1000
        while true {
            let n = draws
            let seed = options.seed
            let values = mapSubjects(data.subjects.count) { i in
                let subject = data.subjects[i]
                let base = objective.baseParameters(subject, point: point, terms: data.terms)
                return likelihood.importanceSampling(
                    subject, base: base, point: point, mode: modes[i], draws: n,
                    seed: seed &+ UInt64(i) &* 0x9E37_79B9)
            }
            var total = 0.0
            var variance = 0.0
            for (v, s2) in values {
                total += v
                variance += s2
            }
            let se = variance.squareRoot()
            if se <= options.importanceTarget || draws >= 64_000 || !total.isFinite {
                return (total, .importanceSampling(draws: draws, standardError: se))
            }
            draws *= 4
        }
    }

    /// 2·H⁻¹ from the central-difference Hessian of the outer objective (step 1e-3 on the estimation scale).
    func covarianceMatrix(
        _ x: [Double], layout: Layout, data: PopulationData, objective: SubjectObjective,
        warm: [[Double]], kind: Objective, evaluations: inout Int
    ) -> ([Double]?, String?) {
        let p = x.count
        let h = x.map { 1e-3 * max(1, abs($0)) }
        func f(_ shifts: [(Int, Double)]) -> Double {
            var y = x
            for (j, d) in shifts { y[j] += d }
            evaluations += 1
            return evaluate(y, layout: layout, data: data, objective: objective, warm: warm, kind: kind).value
        }
        var hessian = [Double](repeating: 0, count: p * p)
        if case .laplace = kind {
            // Central differences of the analytic gradient (step 1e-4·max(1, |x_j|)), symmetrised: 2p gradient
            // evaluations, each at modes re-solved (warm) at the shifted point.
            hessian = CentralDifferences.columns(at: x, relativeStep: 1e-4) { y in
                let shifted = evaluate(y, layout: layout, data: data, objective: objective, warm: warm, kind: kind)
                evaluations += 2
                return laplaceGradient(y, layout: layout, data: data, objective: objective, modes: shifted.modes)
            }.flatMap { $0 }
            CentralDifferences.symmetrise(&hessian, order: p)
            return invertHessian(hessian, order: p)
        }
        let f0 = f([])
        var plus = [Double](repeating: 0, count: p)
        var minus = plus
        for j in 0..<p {
            plus[j] = f([(j, h[j])])
            minus[j] = f([(j, -h[j])])
            hessian[j + j * p] = (plus[j] - 2 * f0 + minus[j]) / (h[j] * h[j])
        }
        for a in 0..<p {
            for b in 0..<a {
                let v =
                    (f([(a, h[a]), (b, h[b])]) - f([(a, h[a]), (b, -h[b])]) - f([(a, -h[a]), (b, h[b])])
                        + f([(a, -h[a]), (b, -h[b])])) / (4 * h[a] * h[b])
                hessian[a + b * p] = v
                hessian[b + a * p] = v
            }
        }
        return invertHessian(hessian, order: p)
    }

    /// 2·H⁻¹ for a symmetric H, or why not.
    func invertHessian(_ hessian: [Double], order p: Int) -> ([Double]?, String?) {
        guard hessian.allSatisfy(\.isFinite) else {
            return (nil, "standard errors not available: the Hessian is not finite")
        }
        var factor = hessian
        guard SmallLinearAlgebra.cholesky(&factor, order: p) else {
            return (
                nil,
                "standard errors not available: the Hessian of -2 ln L is not positive definite (a parameter is not identifiable from these data)"
            )
        }
        var covariance = [Double](repeating: 0, count: p * p)
        for j in 0..<p {
            var column = [Double](repeating: 0, count: p)
            column[j] = 1
            guard SmallLinearAlgebra.solveWithFactor(factor, &column, order: p, transposeOnly: false) else {
                return (nil, "standard errors not available: the Hessian is singular")
            }
            for i in 0..<p { covariance[i + j * p] = 2 * column[i] }
        }
        return (covariance, nil)
    }

    /// Start values for built-in models from per-subject least-squares fits (medians), or typical CAR-T values.
    func defaultStarts(data: PopulationData) throws(PopulationFitError) -> [String: Double] {
        guard model.structure.nativeLog else { return [:] }
        let isStein: Bool
        if case .stein = model.structure { isStein = true } else { isStein = false }
        var defaults: [String: Double] = ["tmax": 9, "rho": 0.9, "alpha": 0.16, "beta": 0.004, "fb": 0.01]
        var peaks: [Double] = []
        var peakTimes: [Double] = []
        var fitted: [String: [Double]] = [:]
        let fitter = KineticFitter(model: isStein ? .stein : .expansionMonoexp)
        for subject in data.subjects {
            var t: [Double] = []
            var y: [Double] = []
            for j in subject.times.indices where !subject.censored[j] && subject.values[j] > 0 {
                t.append(subject.times[j])
                y.append(subject.values[j])
            }
            if let top = y.indices.max(by: { y[$0] < y[$1] }) {
                peaks.append(y[top])
                peakTimes.append(t[top])
            }
            let fit = fitter.fitSamples(times: t, values: y)
            guard fit.status == .converged, let curve = fit.curve else { continue }
            fitted["cmax", default: []].append(curve.cmax)
            fitted["tmax", default: []].append(curve.tmax)
            fitted["rho", default: []].append(curve.rho ?? .nan)
            fitted["alpha", default: []].append(curve.alpha)
            if let beta = curve.beta, beta > 0 { fitted["beta", default: []].append(beta) }
            if let fb = curve.fraction { fitted["fb", default: []].append(fb) }
        }
        func median(_ v: [Double]) -> Double? {
            let s = v.filter { $0.isFinite && $0 > 0 }.sorted()
            guard !s.isEmpty else { return nil }
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        defaults["cmax"] = median(peaks) ?? 1
        if let t = median(peakTimes) { defaults["tmax"] = t }
        // Per-subject fits are used only when enough subjects support them.
        for (name, values) in fitted where values.count >= max(3, data.subjects.count / 4) {
            if let m = median(values) { defaults[name] = m }
        }
        if let fb = defaults["fb"] { defaults["fb"] = min(max(fb, 1e-4), 0.5) }
        return defaults
    }

    /// The residual scale of the typical curve at the start (quantified observations).
    func residualScale(
        mu: [Double], data: PopulationData, objective: SubjectObjective
    ) -> (scale: Double, additive: Double) {
        var sum = 0.0
        var count = 0.0
        var sumAbs = 0.0
        let logScale = model.error == .logAdditive
        var scratch = [Double](repeating: 0, count: objective.workCount)
        for subject in data.subjects {
            let point = PopulationPoint(
                mu: mu, beta: [Double](repeating: 0, count: data.terms.count), omega: [], sigma: [])
            let base = objective.baseParameters(subject, point: point, terms: data.terms)
            for j in subject.times.indices where !subject.censored[j] {
                let p = base.withUnsafeBufferPointer { psi in
                    subject.columns.withUnsafeBufferPointer { columns in
                        scratch.withUnsafeMutableBufferPointer { s in
                            model.structure.predict(
                                t: subject.times[j], psi: psi, columns: columns, logScale: logScale,
                                gradient: nil, scratch: s)
                        }
                    }
                }
                let y = logScale ? Foundation.log(subject.values[j]) : subject.values[j]
                var d = y - p
                if model.error == .proportional { d /= p }
                guard d.isFinite else { continue }
                sum += d * d
                sumAbs += abs(y)
                count += 1
            }
        }
        let rms = count > 0 ? (sum / count).squareRoot() : 1
        let scale = rms.isFinite && rms > 0 ? rms : 1
        return (scale, model.error == .combined ? max(scale * 0.5, 1e-3 * sumAbs / max(count, 1)) : scale)
    }

    func individualResults(
        point: PopulationPoint, data: PopulationData, objective: SubjectObjective,
        modes: [SubjectMode]
    ) -> [PopulationIndividual] {
        let transforms = model.structure.transforms
        return data.subjects.enumerated().map { i, subject in
            var psi = objective.baseParameters(subject, point: point, terms: data.terms)
            for (q, k) in objective.randomIndex.enumerated() { psi[k] += modes[i].eta[q] }
            let natural = zip(psi, transforms).map { $1.natural($0) }
            var cmax: Double?
            var tmax: Double?
            var auc28: Double?
            var auc90: Double?
            switch model.structure {
            case .stein, .expansionMonoexp:
                let bi = natural.count == 6
                let curve = CurveParameters(
                    cmax: natural[0], tmax: natural[1], rho: natural[2], alpha: natural[3],
                    beta: bi ? natural[4] : nil, fraction: bi ? natural[5] : nil)
                cmax = curve.cmax
                tmax = curve.tmax
                auc28 = curve.area(upTo: 28)
                auc90 = curve.area(upTo: 90)
            case .formula:
                (cmax, tmax, auc28, auc90) = numericSummary(psi: psi, subject: subject)
            }
            return PopulationIndividual(
                subject: subject.id, eta: modes[i].eta, parameters: natural, cmax: cmax, tmax: tmax, auc0to28: auc28,
                auc0to90: auc90, used: subject.times.count, censored: subject.censoredCount,
                blqDropped: subject.blqDropped, missing: subject.missing, preInfusion: subject.preInfusion)
        }
    }

    /// Cmax/Tmax over [0, max(90, last sample)] on a grid of 9,000 steps, AUCs by Simpson's rule.
    private func numericSummary(psi: [Double], subject: PopulationSubject) -> (Double?, Double?, Double?, Double?) {
        var scratch = [Double](repeating: 0, count: 2 + model.structure.columns.count)
        func f(_ t: Double) -> Double {
            psi.withUnsafeBufferPointer { p in
                subject.columns.withUnsafeBufferPointer { c in
                    scratch.withUnsafeMutableBufferPointer { s in
                        model.structure.predict(t: t, psi: p, columns: c, logScale: false, gradient: nil, scratch: s)
                    }
                }
            }
        }
        let end = max(90, subject.times.last ?? 0)
        let steps = 9_000
        var best = -Double.infinity
        var bestTime = 0.0
        for k in 0...steps {
            let t = end * Double(k) / Double(steps)
            let v = f(t)
            if v > best {
                best = v
                bestTime = t
            }
        }
        func simpson(_ b: Double) -> Double {
            let n = 2_000
            let h = b / Double(n)
            var s = f(0) + f(b)
            for k in 1..<n { s += (k % 2 == 1 ? 4 : 2) * f(Double(k) * h) }
            return s * h / 3
        }
        return (best.isFinite ? best : nil, best.isFinite ? bestTime : nil, simpson(28), simpson(90))
    }

    func etaShrinkage(individuals: [PopulationIndividual], omega: [Double]) -> [Double] {
        omega.indices.map { q in
            let values = individuals.map { $0.eta[q] }
            guard values.count > 1 else { return .nan }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
            return 1 - variance.squareRoot() / omega[q]
        }
    }

    func epsilonShrinkage(
        point: PopulationPoint, data: PopulationData, objective: SubjectObjective,
        individuals: [PopulationIndividual]
    ) -> Double {
        var residuals: [Double] = []
        let logScale = model.error == .logAdditive
        var scratch = [Double](repeating: 0, count: objective.workCount)
        for (i, subject) in data.subjects.enumerated() {
            var psi = objective.baseParameters(subject, point: point, terms: data.terms)
            for (q, k) in objective.randomIndex.enumerated() { psi[k] += individuals[i].eta[q] }
            for j in subject.times.indices where !subject.censored[j] {
                let p = psi.withUnsafeBufferPointer { ps in
                    subject.columns.withUnsafeBufferPointer { c in
                        scratch.withUnsafeMutableBufferPointer { s in
                            model.structure.predict(
                                t: subject.times[j], psi: ps, columns: c, logScale: logScale,
                                gradient: nil, scratch: s)
                        }
                    }
                }
                let y = logScale ? Foundation.log(subject.values[j]) : subject.values[j]
                let s: Double =
                    switch model.error {
                    case .logAdditive, .additive: point.sigma[0]
                    case .proportional: point.sigma[0] * abs(p)
                    case .combined:
                        (point.sigma[0] * point.sigma[0] + point.sigma[1] * point.sigma[1] * p * p).squareRoot()
                    }
                let r = (y - p) / s
                if r.isFinite { residuals.append(r) }
            }
        }
        guard residuals.count > 1 else { return .nan }
        let mean = residuals.reduce(0, +) / Double(residuals.count)
        let variance = residuals.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(residuals.count - 1)
        return 1 - variance.squareRoot()
    }
}

private func identity(_ n: Int) -> [Double] {
    var m = [Double](repeating: 0, count: n * n)
    for i in 0..<n { m[i + i * n] = 1 }
    return m
}

private func isIdentity(_ m: [Double]) -> Bool {
    let n = Int(Double(m.count).squareRoot())
    for j in 0..<n { for i in 0..<n where m[i + j * n] != (i == j ? 1 : 0) { return false } }
    return true
}

private func multiply(_ m: [Double], _ v: [Double]) -> [Double] {
    let n = v.count
    var out = [Double](repeating: 0, count: n)
    for j in 0..<n { for i in 0..<n { out[i] += m[i + j * n] * v[j] } }
    return out
}

private func dot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in a.indices { s += a[i] * b[i] }
    return s
}
