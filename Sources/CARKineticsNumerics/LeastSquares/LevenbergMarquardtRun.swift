/// One call of ``LevenbergMarquardt/minimize(start:residuals:jacobian:)``: the MINPACK `lmder` iteration
/// over the solver's workspace, its restarts, Gauss–Newton polishing, and the final statistics.
struct LevenbergMarquardtRun {
    typealias Residuals = (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Void
    typealias Jacobian = (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Void

    let m: Int
    let n: Int
    let options: LevenbergMarquardt.Options
    let computesCovariance: Bool
    let w: Workspace
    let pivots: UnsafeMutablePointer<Int>
    let residuals: Residuals
    let jacobian: Jacobian?

    private(set) var evaluations = 0
    private(set) var iterations = 0
    /// ‖f(x)‖ at the current point.
    private var fnorm = 0.0
    /// Whether the QR workspace and `pivots` hold the factorisation of the Jacobian at the current `x`.
    private var factorisationIsCurrent = false

    init(
        m: Int, n: Int, options: LevenbergMarquardt.Options, computesCovariance: Bool, w: Workspace,
        pivots: UnsafeMutablePointer<Int>, residuals: @escaping Residuals, jacobian: Jacobian?
    ) {
        self.m = m
        self.n = n
        self.options = options
        self.computesCovariance = computesCovariance
        self.w = w
        self.pivots = pivots
        self.residuals = residuals
        self.jacobian = jacobian
    }

    mutating func solve(start: [Double], qr: inout QRWorkspace) -> NonlinearFit {
        for j in 0..<n { w.x[j] = start[j] }
        evaluate(at: w.x, into: w.f)
        fnorm = euclideanNorm(w.f, m)
        var termination: Termination
        if !fnorm.isFinite {
            termination = .nonFiniteStart
        } else if fnorm == 0 {
            termination = .zeroResidual
        } else {
            termination = iterate(qr: &qr)
            var remaining = options.restarts
            // A restart that lowers the sum of squares shows the previous stop was premature; keep going
            // (bounded) until a restart gains nothing.
            while termination.isConvergence, termination != .zeroResidual, remaining > 0 {
                remaining -= 1
                let previous = fnorm
                termination = iterate(qr: &qr)
                if !(fnorm < previous) { break }
            }
            if termination.isConvergence, termination != .zeroResidual { polish(qr: &qr) }
        }
        return result(termination: termination, qr: &qr)
    }

    // MARK: - The lmder iteration

    /// One full Levenberg–Marquardt run from the current `x` with fresh scaling and trust region.
    private mutating func iterate(qr: inout QRWorkspace) -> Termination {
        let eps = Double.ulpOfOne
        var firstIteration = true
        var delta = 0.0
        var xnorm = 0.0
        var par = 0.0
        while true {
            if let stop = factoriseJacobian(qr: &qr) { return stop }
            if evaluations >= options.maxEvaluations { return .evaluationLimit }
            if firstIteration {
                for j in 0..<n { w.diag[j] = w.acnorm[j] == 0 ? 1 : w.acnorm[j] }
                xnorm = scaledNorm(w.x)
                delta = options.initialStepBound * xnorm
                if delta == 0 { delta = options.initialStepBound }
            }
            // Scaled gradient: largest cosine between f and a column of J.
            var gnorm = 0.0
            for j in 0..<n {
                let l = pivots[j]
                guard w.acnorm[l] != 0 else { continue }
                var sum = 0.0
                for i in 0...j { sum += w.r[i + j * n] * (w.qtf[i] / fnorm) }
                gnorm = max(gnorm, abs(sum / w.acnorm[l]))
            }
            if gnorm <= options.gradientTolerance { return .gradient }
            for j in 0..<n { w.diag[j] = max(w.diag[j], w.acnorm[j]) }

            var ratio = 0.0
            repeat {
                let stepper = TrustRegionStep(
                    r: w.r, n: n, pivots: pivots, diag: w.diag, qtf: w.qtf, step: w.step, sdiag: w.sdiag,
                    work1: w.work1, work2: w.work2)
                par = stepper.solve(radius: delta, initial: par)
                for j in 0..<n {
                    w.step[j] = -w.step[j]
                    w.xTrial[j] = w.x[j] + w.step[j]
                    w.work2[j] = w.diag[j] * w.step[j]
                }
                let pnorm = euclideanNorm(w.work2, n)
                if firstIteration { delta = min(delta, pnorm) }

                evaluate(at: w.xTrial, into: w.fTrial)
                var fnorm1 = euclideanNorm(w.fTrial, m)
                if !fnorm1.isFinite { fnorm1 = .infinity }

                var actred = -1.0
                if 0.1 * fnorm1 < fnorm {
                    let t = fnorm1 / fnorm
                    actred = 1 - t * t
                }
                // Predicted reduction from the linear model: ‖J p‖ via R Pᵀ p.
                for j in 0..<n {
                    w.work3[j] = 0
                    let t = w.step[pivots[j]]
                    for i in 0...j { w.work3[i] += w.r[i + j * n] * t }
                }
                let temp1 = euclideanNorm(w.work3, n) / fnorm
                let temp2 = par.squareRoot() * pnorm / fnorm
                let prered = temp1 * temp1 + temp2 * temp2 / 0.5
                let dirder = -(temp1 * temp1 + temp2 * temp2)
                ratio = prered != 0 ? actred / prered : 0

                if ratio <= 0.25 {
                    var t = actred >= 0 ? 0.5 : 0.5 * dirder / (dirder + 0.5 * actred)
                    if 0.1 * fnorm1 >= fnorm || t < 0.1 { t = 0.1 }
                    delta = t * min(delta, pnorm / 0.1)
                    par /= t
                } else if par == 0 || ratio >= 0.75 {
                    delta = pnorm / 0.5
                    par *= 0.5
                }

                if ratio >= 1e-4 {
                    for j in 0..<n { w.x[j] = w.xTrial[j] }
                    for i in 0..<m { w.f[i] = w.fTrial[i] }
                    xnorm = scaledNorm(w.x)
                    fnorm = fnorm1
                    factorisationIsCurrent = false
                    firstIteration = false
                }

                let reductionSmall =
                    abs(actred) <= options.relativeReductionTolerance
                    && prered <= options.relativeReductionTolerance && 0.5 * ratio <= 1
                let stepSmall = delta <= options.stepTolerance * xnorm
                if fnorm == 0 { return .zeroResidual }
                if reductionSmall && stepSmall { return .relativeReductionAndStepSize }
                if reductionSmall { return .relativeReduction }
                if stepSmall { return .stepSize }
                if evaluations >= options.maxEvaluations { return .evaluationLimit }
                if (abs(actred) <= eps && prered <= eps && 0.5 * ratio <= 1) || delta <= eps * xnorm
                    || gnorm <= eps
                {
                    return .machinePrecision
                }
            } while ratio < 1e-4
        }
    }

    /// Gauss–Newton refinement after convergence.
    ///
    /// Near an ill-conditioned minimum the trust-region ratio test is blind: the sum of squares changes by
    /// less than the rounding noise of evaluating it (about `ε · Σ|yᵢ| / ‖f‖` relative), so steps that the
    /// linear model predicts correctly are rejected and the region collapses while the parameters are still
    /// only 6–7 digits from the minimum (Lanczos3). The Gauss–Newton step itself stays accurate, because it
    /// depends on `Jᵀf`, not on differences of `‖f‖`. So full steps are taken while they contract (each at
    /// most half the previous in `‖D p‖`, the first at most `10⁻⁴ ‖D x‖`) and do not raise `‖f‖` beyond
    /// `10⁻⁸` relative (far above rounding noise, far below any real increase); at most 8 steps.
    private mutating func polish(qr: inout QRWorkspace) {
        var bound = 1e-4 * scaledNorm(w.x)
        for _ in 0..<30 {
            guard evaluations < options.maxEvaluations, factoriseJacobian(qr: &qr) == nil else { return }
            let stepper = TrustRegionStep(
                r: w.r, n: n, pivots: pivots, diag: w.diag, qtf: w.qtf, step: w.step, sdiag: w.sdiag,
                work1: w.work1, work2: w.work2)
            _ = stepper.solve(radius: .infinity, initial: 0)
            for j in 0..<n {
                w.step[j] = -w.step[j]
                w.xTrial[j] = w.x[j] + w.step[j]
                w.work2[j] = w.diag[j] * w.step[j]
            }
            let pnorm = euclideanNorm(w.work2, n)
            guard pnorm <= bound, pnorm > 1e-14 * scaledNorm(w.x) else { return }
            evaluate(at: w.xTrial, into: w.fTrial)
            let fnorm1 = euclideanNorm(w.fTrial, m)
            guard fnorm1 <= fnorm * (1 + 1e-8) else { return }
            for j in 0..<n { w.x[j] = w.xTrial[j] }
            for i in 0..<m { w.f[i] = w.fTrial[i] }
            fnorm = fnorm1
            factorisationIsCurrent = false
            bound = 0.9 * pnorm
        }
    }

    private func scaledNorm(_ v: UnsafePointer<Double>) -> Double {
        for j in 0..<n { w.work1[j] = w.diag[j] * v[j] }
        return euclideanNorm(w.work1, n)
    }

    private mutating func evaluate(at x: UnsafePointer<Double>, into f: UnsafeMutablePointer<Double>) {
        evaluations += 1
        residuals(UnsafeBufferPointer(start: x, count: n), UnsafeMutableBufferPointer(start: f, count: m))
    }

    /// Evaluates the Jacobian at `x` (unless its factorisation is already current) straight into the QR
    /// workspace, its column norms into `acnorm`, the pivoted QR (`dgeqp3`), `R` into `w.r` and
    /// `(Qᵀ f)[0..<n]` (`dormqr`) into `qtf`. Returns the reason to stop, or nil on success.
    private mutating func factoriseJacobian(qr: inout QRWorkspace) -> Termination? {
        do {
            if !factorisationIsCurrent {
                iterations += 1
                var finite = true
                try qr.factor { matrix in
                    if let jacobian {
                        jacobian(UnsafeBufferPointer(start: w.x, count: n), matrix)
                    } else {
                        centralDifferences(into: matrix)
                    }
                    for j in 0..<n {
                        guard let column = matrix.baseAddress.map({ $0 + j * m }) else { return }
                        w.acnorm[j] = euclideanNorm(column, m)
                        if !w.acnorm[j].isFinite { finite = false }
                    }
                }
                guard finite else { return .nonFiniteJacobian }
                for j in 0..<n { pivots[j] = qr.pivot(j) }
                factorisationIsCurrent = true
            }
            for j in 0..<n {
                for i in 0..<n { w.r[i + j * n] = i <= j ? qr.r(i, j) : 0 }
            }
            for i in 0..<m { w.scratch[i] = w.f[i] }
            try qr.applyQTranspose(UnsafeMutableBufferPointer(start: w.scratch, count: m))
            for j in 0..<n { w.qtf[j] = w.scratch[j] }
            return nil
        } catch {
            factorisationIsCurrent = false
            return .linearAlgebra(error)
        }
    }

    /// Central differences `(f(x + h eⱼ) − f(x − h eⱼ)) / (2h)`, `h = ∛ε · |xⱼ|` (`∛ε` at zero), with `h`
    /// rounded so that `x ± h` are exact; truncation and rounding errors balance at about `ε^(2/3)`.
    private mutating func centralDifferences(into matrix: UnsafeMutableBufferPointer<Double>) {
        let cbrtEps = 6.055454452393343e-06 // ∛ε, ε = 2⁻⁵²
        for j in 0..<n {
            let xj = w.x[j]
            let h = xj == 0 ? cbrtEps : cbrtEps * abs(xj)
            w.x[j] = xj + h
            let forward = w.x[j] - xj
            evaluate(at: w.x, into: w.fTrial)
            w.x[j] = xj - h
            let backward = xj - w.x[j]
            evaluate(at: w.x, into: w.scratch)
            w.x[j] = xj
            let width = forward + backward
            for i in 0..<m { matrix[i + j * m] = (w.fTrial[i] - w.scratch[i]) / width }
        }
    }

    // MARK: - Statistics

    private mutating func result(termination: Termination, qr: inout QRWorkspace) -> NonlinearFit {
        var parameters = [Double](repeating: 0, count: n)
        for j in 0..<n { parameters[j] = w.x[j] }
        var ssr = 0.0
        for i in 0..<m { ssr += w.f[i] * w.f[i] }
        let dof = m - n
        let sigma = dof > 0 ? (ssr / Double(dof)).squareRoot() : .nan
        var covariance: Matrix?
        if computesCovariance, termination != .nonFiniteStart, dof > 0, ssr.isFinite, factoriseJacobian(qr: &qr) == nil,
            qr.rank(relativeTolerance: Double(n) * Double.ulpOfOne) == n,
            (try? qr.inverseGram(into: UnsafeMutableBufferPointer(start: w.r, count: n * n))) != nil
        {
            // (JᵀJ)⁻¹ = P R⁻¹ R⁻ᵀ Pᵀ (LAPACK dpotri on R, pivots undone by the workspace).
            let variance = ssr / Double(dof)
            var matrix = Matrix(rows: n, columns: n)
            for k in 0..<(n * n) { matrix.elements[k] = variance * w.r[k] }
            covariance = matrix
        }
        let standardErrors = covariance.map { c in (0..<n).map { c[$0, $0].squareRoot() } }
        return NonlinearFit(
            parameters: parameters, ssr: ssr, residualStandardDeviation: sigma, covariance: covariance,
            standardErrors: standardErrors, iterations: iterations, evaluations: evaluations,
            termination: termination)
    }
}
