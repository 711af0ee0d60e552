/// The Levenberg–Marquardt step for a given trust region, after Moré (1978) and MINPACK's `lmpar`/`qrsolv`.
///
/// Given the pivoted QR `J P = Q R` of the Jacobian, `qtf = (Qᵀ f)[0..<n]`, the scaling `D` and the radius
/// `Δ`, it finds `λ ≥ 0` with `‖D p(λ)‖ ≈ Δ` (within 10 %) where `p(λ)` minimises `‖J p + f‖² + λ‖D p‖²`,
/// or `λ = 0` when the Gauss–Newton step already lies inside the region.
///
/// Each trial `λ` needs the least-squares solution of `[J; √λ D] p ≈ [−f; 0]`. With `J P = Q R` this is the
/// `(n + n) × n` system `[R; √λ Pᵀ D P]`, whose QR is obtained here by `n(n+1)/2` Givens rotations that
/// eliminate the diagonal damping rows against `R` (O(n²) per `λ`). The O(m n²) factorisation of `J`
/// itself is done once per Jacobian by LAPACK (`dgeqp3`), so every `λ` of the Moré iteration reuses it;
/// re-factoring the augmented system with `dgeqrf` would cost O(n³) per `λ` plus call overhead for the
/// small `n` of kinetic models, for the same rounding behaviour.
///
/// All buffers are supplied by the caller (the solver's workspace); nothing is allocated.
struct TrustRegionStep {
    /// `n × n`, leading dimension `n`: on entry `R` in the upper triangle; the strict lower triangle is
    /// overwritten with the transposed triangle `S` of the damped system (upper triangle and diagonal of
    /// `R` are preserved).
    let r: UnsafeMutablePointer<Double>
    let n: Int
    /// Zero-based pivot permutation: column `j` of `J P` is column `pivots[j]` of `J`.
    let pivots: UnsafePointer<Int>
    let diag: UnsafePointer<Double>
    let qtf: UnsafePointer<Double>
    /// Output: `x(λ)` minimising `‖J x − f‖² + λ‖D x‖²` for the returned `λ`; the trial step is `−x`.
    let step: UnsafeMutablePointer<Double>
    /// Output: the diagonal of `S`.
    let sdiag: UnsafeMutablePointer<Double>
    let work1: UnsafeMutablePointer<Double>
    let work2: UnsafeMutablePointer<Double>

    @inline(__always) private func rr(_ i: Int, _ j: Int) -> Double { r[i + j * n] }

    /// Returns the Levenberg–Marquardt parameter `λ`, starting the iteration from `initial` (the previous
    /// `λ`), and leaves the corresponding step in `step`.
    func solve(radius delta: Double, initial: Double) -> Double {
        let dwarf = Double.leastNormalMagnitude
        var par = initial
        // Gauss–Newton direction; a singular R gets a least-squares solution that ignores its null part.
        var nsing = n
        for j in 0..<n {
            work1[j] = qtf[j]
            if rr(j, j) == 0 && nsing == n { nsing = j }
            if nsing < n { work1[j] = 0 }
        }
        var k = nsing - 1
        while k >= 0 {
            work1[k] /= rr(k, k)
            let t = work1[k]
            for i in 0..<k { work1[i] -= rr(i, k) * t }
            k -= 1
        }
        for j in 0..<n { step[pivots[j]] = work1[j] }

        for j in 0..<n { work2[j] = diag[j] * step[j] }
        var dxnorm = euclideanNorm(work2, n)
        var fp = dxnorm - delta
        if fp <= 0.1 * delta { return 0 }

        // Lower bound from the Newton step on φ(λ) = ‖D p(λ)‖ − Δ at λ = 0 (only when R is nonsingular).
        var parl = 0.0
        if nsing == n {
            for j in 0..<n {
                let l = pivots[j]
                work1[j] = diag[l] * (work2[l] / dxnorm)
            }
            for j in 0..<n {
                var sum = 0.0
                for i in 0..<j { sum += rr(i, j) * work1[i] }
                work1[j] = (work1[j] - sum) / rr(j, j)
            }
            let t = euclideanNorm(work1, n)
            parl = ((fp / delta) / t) / t
        }
        // Upper bound ‖(J D⁻¹)ᵀ f‖ / Δ.
        for j in 0..<n {
            var sum = 0.0
            for i in 0...j { sum += rr(i, j) * qtf[i] }
            work1[j] = sum / diag[pivots[j]]
        }
        let gnorm = euclideanNorm(work1, n)
        var paru = gnorm / delta
        if paru == 0 { paru = dwarf / min(delta, 0.1) }

        par = max(par, parl)
        par = min(par, paru)
        if par == 0 { par = gnorm / dxnorm }

        var iteration = 0
        while true {
            iteration += 1
            if par == 0 { par = max(dwarf, 0.001 * paru) }
            let s = par.squareRoot()
            for j in 0..<n { work1[j] = s * diag[j] }
            solveDamped(scaledDiag: work1)
            for j in 0..<n { work2[j] = diag[j] * step[j] }
            dxnorm = euclideanNorm(work2, n)
            let previous = fp
            fp = dxnorm - delta
            // Accept within 10 % of Δ; stop if the lower bound is zero and φ stopped decreasing from below;
            // MINPACK's cap of 10 λ-iterations bounds the cost.
            if abs(fp) <= 0.1 * delta || (parl == 0 && fp <= previous && previous < 0) || iteration == 10 {
                break
            }
            // Newton correction for φ using the factor S of the damped system.
            for j in 0..<n {
                let l = pivots[j]
                work1[j] = diag[l] * (work2[l] / dxnorm)
            }
            for j in 0..<n {
                work1[j] /= sdiag[j]
                let t = work1[j]
                if j + 1 < n { for i in (j + 1)..<n { work1[i] -= r[i + j * n] * t } }
            }
            let t = euclideanNorm(work1, n)
            let parc = ((fp / delta) / t) / t
            if fp > 0 { parl = max(parl, par) }
            if fp < 0 { paru = min(paru, par) }
            par = max(parl, par + parc)
        }
        return par
    }

    /// Least-squares solution of `[R; Pᵀ E P] z ≈ [qtf; 0]` with `E = diag(scaledDiag)`, into `step`
    /// (in original parameter order). Leaves the transposed triangle `S` in the strict lower part of `r`
    /// and its diagonal in `sdiag` (MINPACK `qrsolv`).
    private func solveDamped(scaledDiag e: UnsafePointer<Double>) {
        let x = step
        let wa = work2
        for j in 0..<n {
            for i in j..<n { r[i + j * n] = r[j + i * n] }
            x[j] = r[j + j * n]
            wa[j] = qtf[j]
        }
        for j in 0..<n {
            let l = pivots[j]
            if e[l] != 0 {
                for k in j..<n { sdiag[k] = 0 }
                sdiag[j] = e[l]
                // The rotations modify only one element of Qᵀ f beyond the first n: carry it in qtbpj.
                var qtbpj = 0.0
                for k in j..<n where sdiag[k] != 0 {
                    let rkk = r[k + k * n]
                    let c: Double
                    let s: Double
                    if abs(rkk) < abs(sdiag[k]) {
                        let cotan = rkk / sdiag[k]
                        s = 0.5 / (0.25 + 0.25 * cotan * cotan).squareRoot()
                        c = s * cotan
                    } else {
                        let tan = sdiag[k] / rkk
                        c = 0.5 / (0.25 + 0.25 * tan * tan).squareRoot()
                        s = c * tan
                    }
                    r[k + k * n] = c * rkk + s * sdiag[k]
                    let t = c * wa[k] + s * qtbpj
                    qtbpj = -s * wa[k] + c * qtbpj
                    wa[k] = t
                    if k + 1 < n {
                        for i in (k + 1)..<n {
                            let rik = r[i + k * n]
                            let u = c * rik + s * sdiag[i]
                            sdiag[i] = -s * rik + c * sdiag[i]
                            r[i + k * n] = u
                        }
                    }
                }
            }
            sdiag[j] = r[j + j * n]
            r[j + j * n] = x[j]
        }
        // Back substitution with S; a singular S gets the solution with the null components set to zero.
        var nsing = n
        for j in 0..<n {
            if sdiag[j] == 0 && nsing == n { nsing = j }
            if nsing < n { wa[j] = 0 }
        }
        var k = nsing - 1
        while k >= 0 {
            var sum = 0.0
            if k + 1 < nsing { for i in (k + 1)..<nsing { sum += r[i + k * n] * wa[i] } }
            wa[k] = (wa[k] - sum) / sdiag[k]
            k -= 1
        }
        for j in 0..<n { x[pivots[j]] = wa[j] }
    }
}
