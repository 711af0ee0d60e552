import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// The population parameters at one point of the outer optimisation, on their natural scales except μ.
struct PopulationPoint: Sendable {
    /// Typical values on the transformed scale (ψ), one per structural parameter.
    var mu: [Double]
    /// Covariate coefficients, one per ``CovariateTerm``.
    var beta: [Double]
    /// The diagonal of Ω's Cholesky factor, one per random parameter: the SD of η for an independent random
    /// effect (``RandomEffectCovariance``).
    var omega: [Double]
    /// Residual SDs (σ, or σ_add and σ_prop).
    var sigma: [Double]
    /// The off-diagonal entries of Ω's Cholesky factor within the blocks (``RandomEffectCovariance``); empty for
    /// a diagonal Ω.
    var lower: [Double] = []
}

/// A subject's conditional mode and the quantities the marginal likelihood needs there.
struct SubjectMode: Sendable {
    /// η̂, one per random parameter.
    var eta: [Double]
    /// F(η̂) = −2 ln[p(y|η̂)·p(η̂)].
    var objective: Double
    /// Lower Cholesky factor L of the Hessian approximation H_F of F at η̂ (column-major R×R): H_F = L·Lᵀ.
    var cholesky: [Double]
    /// Whether the mode search met its tolerance.
    var converged: Bool

    /// The Laplace approximation of −2 ln L_i: F(η̂) + ln det(H_ℓ/2π), with H_ℓ = H_F/2 the Hessian of
    /// −ln[p(y|η)p(η)].
    var laplace: Double {
        let r = eta.count
        var logDet = 0.0
        for k in 0..<r { logDet += 2 * Foundation.log(cholesky[k + k * r]) }
        return objective + logDet - Double(r) * Foundation.log(4 * Double.pi)
    }
}

/// F(η) = −2 ln[p(y_i|η)·p(η)] for one subject, its gradient and a positive semi-definite Hessian.
///
/// Terms, with prediction p (ln f under log-additive error, f otherwise) and residual SD s:
/// - quantified y: ln(2πs²) + r², r = (g(y) − p)/s;
/// - censored at limit L (M3): −2 ln Φ(z), z = (g(L) − p)/s;
/// - prior: −2 ln p(η|Ω) = R·ln 2π + ln det Ω + ηᵀΩ⁻¹η (``RandomEffectCovariance``; Σ ln ω² + Σ η²/ω² for a
///   diagonal Ω), with its exact gradient and Hessian 2Ω⁻¹.
/// The Hessian keeps the exact curvature of each term with respect to p and s and drops the model's own second
/// derivatives (as FOCE-I does): 2·∇p∇pᵀ/s² + 4·∇s∇sᵀ/s² (the expected information of a Gaussian term), and
/// 2m(z + m)·∇z∇zᵀ for an M3 term (m = φ(z)/Φ(z), the exact second derivative of −2 ln Φ in z, always > 0).
struct SubjectObjective {
    let structure: PopulationStructure
    let error: ResidualError
    /// Structural-parameter index of each random effect.
    let randomIndex: [Int]
    let parameterCount: Int
    /// The formula of a formula model, held apart from the enum so a prediction does not copy the payload.
    let formula: BoundFormula?
    let columnCount: Int
    /// The block pattern of Ω.
    let covariance: RandomEffectCovariance

    /// Names in `model.random` or a block that are not model parameters are skipped here; ``PopulationFitter``
    /// refuses them first, with a message.
    init(model: PopulationModel) {
        structure = model.structure
        if case .formula(let bound, let columns) = model.structure {
            formula = bound
            columnCount = columns.count
        } else {
            formula = nil
            columnCount = 0
        }
        error = model.error
        let names = model.structure.parameterNames
        randomIndex = model.random.compactMap { names.firstIndex(of: $0) }
        parameterCount = names.count
        let random = model.random.filter { names.contains($0) }
        covariance = RandomEffectCovariance(
            count: random.count, blocks: model.blocks.map { $0.compactMap { random.firstIndex(of: $0) } })
    }

    var randomCount: Int { randomIndex.count }

    /// ψ without η: μ + Σ β·z.
    func baseParameters(_ subject: PopulationSubject, point: PopulationPoint, terms: [CovariateTerm]) -> [Double] {
        var psi = point.mu
        for (c, term) in terms.enumerated() { psi[term.parameterIndex] += point.beta[c] * subject.design[c] }
        return psi
    }

    /// F(η); `gradient` (R) and `hessian` (R×R, column-major) are filled when given. `work` needs
    /// `2·parameterCount + structure.columns.count + 2` entries. Non-finite F is returned as +∞.
    func evaluate(
        _ subject: PopulationSubject, base: [Double], eta: UnsafeBufferPointer<Double>, point: PopulationPoint,
        gradient: UnsafeMutableBufferPointer<Double>?, hessian: UnsafeMutableBufferPointer<Double>?,
        work: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        let r = randomCount
        let n = parameterCount
        let psi = UnsafeMutableBufferPointer(rebasing: work[0..<n])
        let dpsi = UnsafeMutableBufferPointer(rebasing: work[n..<(2 * n)])
        let hpsi = UnsafeMutableBufferPointer(rebasing: work[(2 * n)..<(3 * n)])
        let rise = UnsafeMutableBufferPointer(rebasing: work[(3 * n)..<(4 * n)])
        let decline = UnsafeMutableBufferPointer(rebasing: work[(4 * n)..<(5 * n)])
        let scratch = UnsafeMutableBufferPointer(rebasing: work[(5 * n)...])
        for k in 0..<n { psi[k] = base[k] }
        for q in 0..<r { psi[randomIndex[q]] += eta[q] }
        let wantsDerivatives = gradient != nil || hessian != nil
        if let gradient { for q in 0..<r { gradient[q] = 0 } }
        if let hessian { for q in 0..<(r * r) { hessian[q] = 0 } }
        let logScale = error == .logAdditive
        var total = 0.0
        let sigmaA = point.sigma[0]
        let sigmaP = error == .combined ? point.sigma[1] : 0
        subject.columns.withUnsafeBufferPointer { columns in
            for j in 0..<subject.times.count {
                let p: Double
                if let formula {
                    scratch[0] = subject.times[j]
                    for k in 0..<columnCount { scratch[1 + k] = columns[k] }
                    let variables = UnsafeBufferPointer(rebasing: scratch[0..<(1 + columnCount)])
                    let f =
                        wantsDerivatives
                        ? formula.value(parameters: UnsafeBufferPointer(psi), variables: variables, gradient: dpsi)
                        : formula.value(parameters: UnsafeBufferPointer(psi), variables: variables)
                    if logScale {
                        if wantsDerivatives { for k in 0..<n { dpsi[k] /= f } }
                        p = Foundation.log(f)
                    } else {
                        p = f
                    }
                } else {
                    p = structure.predict(
                        t: subject.times[j], psi: UnsafeBufferPointer(psi), columns: columns, logScale: logScale,
                        gradient: wantsDerivatives ? dpsi : nil, scratch: scratch)
                }
                // The Hessian's model derivatives: at the Stein kink (t = Tmax) ∂ ln C/∂ψ jumps between the rising
                // and the declining branch, which would make ln det H — and the Laplace objective — jump whenever a
                // mode's Tmax crosses a sample time. Within ±6·δ of Tmax (δ = 0.05·Tmax) the two branches' derivatives
                // are blended by a smooth weight; the likelihood and its gradient are those of the model.
                if hessian != nil {
                    for k in 0..<n { hpsi[k] = dpsi[k] }
                    if formula == nil,
                        let tmax = structure.branchGradients(
                            t: subject.times[j], psi: UnsafeBufferPointer(psi), rising: rise, declining: decline)
                    {
                        let delta = 0.05 * tmax
                        let u = (tmax - subject.times[j]) / delta
                        if abs(u) < 6 {
                            // w rises from 0 at u = −6 to 1 at u = 6 with zero slope at both ends, so H is C¹ in η
                            // (a logistic cut off at ±6 jumped by 0.25% there, which differences of ln det H — the
                            // analytic outer gradient — turned into spikes).
                            let w = 0.5 * (1 + Foundation.sin(Double.pi * u / 12))
                            let scale = logScale ? 1 : Foundation.exp(p)
                            for k in 0..<n { hpsi[k] = scale * (w * rise[k] + (1 - w) * decline[k]) }
                        }
                    }
                }
                let (s, dsFactor) = error.standardDeviation(prediction: p, sigmaA: sigmaA, sigmaP: sigmaP)
                let observed = logScale ? Foundation.log(subject.values[j]) : subject.values[j]
                if !subject.censored[j] {
                    let res = (observed - p) / s
                    total += Foundation.log(2 * Double.pi * s * s) + res * res
                    guard wantsDerivatives else { continue }
                    // ∂T = 2(1 − r²)·∂s/s − 2r·∂p/s; H += 2∂p∂pᵀ/s² + 4∂s∂sᵀ/s².
                    let cp = -2 * res / s + 2 * (1 - res * res) * dsFactor / s
                    let hp = (2 + 4 * dsFactor * dsFactor) / (s * s)
                    for a in 0..<r {
                        let da = dpsi[randomIndex[a]]
                        gradient?[a] += cp * da
                        if let hessian {
                            let ha = hpsi[randomIndex[a]]
                            for b in 0..<r { hessian[a + b * r] += hp * ha * hpsi[randomIndex[b]] }
                        }
                    }
                } else {
                    let z = (observed - p) / s
                    total -= 2 * NormalTail.logCDF(z)
                    guard wantsDerivatives else { continue }
                    let m = NormalTail.millsRatio(z)
                    // ∂z/∂p = −(1 + z·∂s/∂p)/s.
                    let dz = -(1 + z * dsFactor) / s
                    let cp = -2 * m * dz
                    let hp = 2 * m * (z + m) * dz * dz
                    for a in 0..<r {
                        let da = dpsi[randomIndex[a]]
                        gradient?[a] += cp * da
                        if let hessian {
                            let ha = hpsi[randomIndex[a]]
                            for b in 0..<r { hessian[a + b * r] += hp * ha * hpsi[randomIndex[b]] }
                        }
                    }
                }
            }
        }
        total = covariance.minus2LogDensity(
            eta: eta, diagonal: point.omega, lower: point.lower, etaGradient: gradient, etaHessian: hessian,
            adding: total)
        return total.isFinite ? total : .infinity
    }

    var workCount: Int { 5 * parameterCount + structure.columns.count + 2 }

    /// The conditional mode η̂ = argmin F, from `start`: Newton steps on the expected-information Hessian with
    /// Levenberg damping and an Armijo test, switching to the exact Hessian (central differences of the analytic
    /// gradient) once close, so the mode is found to the tolerance finite-difference outer gradients need.
    func mode(_ subject: PopulationSubject, base: [Double], point: PopulationPoint, start: [Double]) -> SubjectMode {
        let r = randomCount
        var eta = start
        var trial = start
        var g = [Double](repeating: 0, count: r)
        var gTrial = g
        var gPlus = g
        var h = [Double](repeating: 0, count: r * r)
        var hTrial = h
        var system = h
        var exact = h
        var step = [Double](repeating: 0, count: r)
        var work = [Double](repeating: 0, count: workCount)
        func f(_ x: [Double], _ gr: inout [Double], _ he: inout [Double]) -> Double {
            x.withUnsafeBufferPointer { xp in
                gr.withUnsafeMutableBufferPointer { gp in
                    he.withUnsafeMutableBufferPointer { hp in
                        work.withUnsafeMutableBufferPointer { wp in
                            evaluate(subject, base: base, eta: xp, point: point, gradient: gp, hessian: hp, work: wp)
                        }
                    }
                }
            }
        }
        if r == 0 {
            var noGradient: [Double] = []
            var noHessian: [Double] = []
            let value = f([], &noGradient, &noHessian)
            return SubjectMode(eta: [], objective: value, cholesky: [], converged: value.isFinite)
        }
        var value = f(eta, &g, &h)
        if !value.isFinite {
            eta = [Double](repeating: 0, count: r)
            value = f(eta, &g, &h)
        }
        var lambda = 0.0
        var converged = false
        var useExact = false
        for _ in 0..<200 {
            guard value.isFinite else { break }
            if useExact {
                // Exact Hessian from forward differences of the analytic gradient (symmetrised): Newton then
                // converges superlinearly to the tight tolerance the outer finite differences need.
                for b in 0..<r {
                    let hb = 1e-7 * max(1, abs(eta[b]))
                    trial = eta
                    trial[b] += hb
                    _ = f(trial, &gPlus, &hTrial)
                    for a in 0..<r { exact[a + b * r] = (gPlus[a] - g[a]) / hb }
                }
                CentralDifferences.symmetrise(&exact, order: r)
            }
            var maxDiag = 0.0
            for a in 0..<r { maxDiag = max(maxDiag, abs(h[a + a * r])) }
            var solved = false
            for attempt in 0..<(useExact ? 2 : 1) {
                if useExact && attempt == 0 { system = exact } else { system = h }
                for a in 0..<r { system[a + a * r] += lambda * max(h[a + a * r], 1e-12 * maxDiag) }
                for a in 0..<r { step[a] = -g[a] }
                if SmallLinearAlgebra.solvePositiveDefinite(&system, &step, order: r) {
                    solved = true
                    break
                }
            }
            if !solved {
                lambda = max(1e-3, lambda * 10)
                if lambda > 1e12 { break }
                continue
            }
            var decrement = 0.0
            for a in 0..<r { decrement -= g[a] * step[a] }
            if decrement <= 1e-13 * max(1, abs(value)) || decrement <= 1e-13 {
                converged = true
                break
            }
            if decrement < 1e-5 { useExact = true }
            // At most 1 per component in one step (a factor e on log-normal parameters): a warm-started search
            // stays in the basin of the mode it starts near, so the objective does not jump between modes.
            let longest = step.map(abs).max() ?? 0
            let shrink = longest > 1 ? 1 / longest : 1
            for a in 0..<r { trial[a] = eta[a] + shrink * step[a] }
            let candidate = f(trial, &gTrial, &hTrial)
            if candidate <= value - 1e-4 * shrink * decrement {
                eta = trial
                value = candidate
                swap(&g, &gTrial)
                swap(&h, &hTrial)
                lambda = lambda < 1e-6 ? 0 : lambda / 10
            } else {
                if decrement < 1e-10 {
                    converged = true
                    break
                }
                lambda = max(1e-3, lambda * 10)
                if lambda > 1e12 { break }
            }
        }
        // Laplace needs the expected-information Hessian at the mode (smooth in the population parameters).
        var factor = h
        var ok = SmallLinearAlgebra.cholesky(&factor, order: r)
        if !ok {
            factor = h
            for a in 0..<r { factor[a + a * r] += 1e-10 * max(1, abs(h[a + a * r])) }
            ok = SmallLinearAlgebra.cholesky(&factor, order: r)
        }
        if !ok { value = .infinity }
        return SubjectMode(eta: eta, objective: value, cholesky: factor, converged: converged && ok)
    }
}

/// Dense positive-definite solves for the small (≤ a dozen) systems of the subject problems, through the LAPACK
/// wrapper (`dpotrf`, `dtrtrs`).
enum SmallLinearAlgebra {
    /// Overwrites `a` (n×n column-major, symmetric) with its lower Cholesky factor (upper part zeroed).
    static func cholesky(_ a: inout [Double], order n: Int) -> Bool {
        guard n > 0 else { return true }
        let ok: Bool = a.withUnsafeMutableBufferPointer { buffer in
            do {
                try LAPACK.potrf(triangle: .lower, order: n, a: buffer, leadingDimension: n)
                return true
            } catch { return false }
        }
        guard ok else { return false }
        for j in 1..<max(n, 1) { for i in 0..<j { a[i + j * n] = 0 } }
        for i in 0..<n where !(a[i + i * n] > 0) || !a[i + i * n].isFinite { return false }
        return true
    }

    /// Solves A·x = b for symmetric positive-definite A; `a` is overwritten by its factor, `b` by x.
    static func solvePositiveDefinite(_ a: inout [Double], _ b: inout [Double], order n: Int) -> Bool {
        guard cholesky(&a, order: n) else { return false }
        return solveWithFactor(a, &b, order: n, transposeOnly: false)
    }

    /// With L from ``cholesky(_:order:)``: b ← (L·Lᵀ)⁻¹b, or b ← L⁻ᵀb when `transposeOnly`.
    static func solveWithFactor(_ l: [Double], _ b: inout [Double], order n: Int, transposeOnly: Bool) -> Bool {
        l.withUnsafeBufferPointer { lp in
            b.withUnsafeMutableBufferPointer { bp in
                do {
                    if !transposeOnly {
                        try LAPACK.trtrs(
                            triangle: .lower, transpose: .none, order: n, rightHandSides: 1, a: lp,
                            leadingDimension: n, b: bp, leadingDimensionB: n)
                    }
                    try LAPACK.trtrs(
                        triangle: .lower, transpose: .transpose, order: n, rightHandSides: 1, a: lp,
                        leadingDimension: n, b: bp, leadingDimensionB: n)
                    return bp.allSatisfy(\.isFinite)
                } catch { return false }
            }
        }
    }
}

extension ResidualError {
    /// The residual SD s at prediction p (on the model's scale: ln C under log-additive error) and ∂s/∂p:
    /// σ_add (additive, log-additive; ∂s/∂p = 0), σ·|p| (proportional; ±σ), √(σ_add² + σ_prop²p²) (combined;
    /// σ_prop²p/s). One definition for the conditional modes, the Laplace objective and the
    /// importance-sampling stage.
    @inline(__always)
    func standardDeviation(prediction p: Double, sigmaA: Double, sigmaP: Double) -> (sd: Double, dsdp: Double) {
        switch self {
        case .logAdditive, .additive: return (sigmaA, 0)
        case .proportional: return (sigmaA * abs(p), p >= 0 ? sigmaA : -sigmaA)
        case .combined:
            let s = (sigmaA * sigmaA + sigmaP * sigmaP * p * p).squareRoot()
            return (s, sigmaP * sigmaP * p / s)
        }
    }
}
