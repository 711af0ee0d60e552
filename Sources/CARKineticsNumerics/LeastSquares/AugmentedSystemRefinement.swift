/// Solves the augmented least-squares system `[I  X̃; X̃ᵀ 0]·[r; z] = [b; g]` by Björck's (1967) iterative
/// refinement, where `X̃ = X·diag(scale)` is restricted to the `basic` columns and factored as
/// `X̃·P = Q·R` in `qr`.
///
/// With `g = 0` the solution is the least-squares fit (`z` scaled coefficients, `r` the residual); with
/// `b = 0, g = e_j` it gives `z = −(X̃ᵀX̃)⁻¹e_j`, a covariance column. Both residual blocks are accumulated
/// in double-double against the ORIGINAL `X` (exact because the scales are powers of two), so the result
/// is accurate to about double precision whenever `κ(X̃)·ε ≪ 1`, independently of the size of `r`.
struct AugmentedSystemRefinement {
    let rows: Int
    let design: [Double] // original X, column-major
    let scale: [Double] // powers of two
    let basic: [Int] // original indices of the basic columns, in pivot order
    var qr: QRWorkspace
    private var f: [Double]
    private var h: [Double]
    private var t: [Double]

    init(design: [Double], rows: Int, scale: [Double], basic: [Int], qr: QRWorkspace) {
        self.rows = rows
        self.design = design
        self.scale = scale
        self.basic = basic
        self.qr = qr
        f = [Double](repeating: 0, count: rows)
        h = [Double](repeating: 0, count: max(basic.count, 1))
        t = [Double](repeating: 0, count: max(basic.count, 1))
    }

    /// Returns `z` (length = column count; zero outside the basic columns), `r`, and the number of
    /// corrections applied after the initial solution. `g` is indexed by original column.
    mutating func solve(
        b: [Double], g: [Double], maximumCorrections: Int
    ) throws(LAPACKError) -> (z: [Double], r: [Double], corrections: Int) {
        let m = rows
        let k = basic.count
        var z = [Double](repeating: 0, count: scale.count)
        var r = [Double](repeating: 0, count: m)
        guard k > 0 else { return (z, b, 0) }
        var previousCorrection = Double.infinity
        var corrections = 0
        // Starting from r = 0, z = 0, the first pass is the plain QR solution.
        for pass in 0...maximumCorrections {
            for i in 0..<m {
                var acc = ExtendedAccumulator()
                acc.add(b[i])
                acc.add(-r[i])
                for j in basic { acc.subtract(design[i + j * m], times: z[j] * scale[j]) }
                f[i] = acc.value
            }
            for (p, j) in basic.enumerated() {
                var acc = ExtendedAccumulator()
                acc.add(g[j] / scale[j])
                for i in 0..<m { acc.subtract(design[i + j * m], times: r[i]) }
                h[p] = acc.value * scale[j]
            }
            // R₁₁ᵀh = Pᵀg_res, d = Qᵀf, R₁₁·δz = d₁ − h, δr = Q·[h; d₂].
            try f.withUnsafeMutableBufferPointer { (f) throws(LAPACKError) in try qr.applyQTranspose(f) }
            try h.withUnsafeMutableBufferPointer { (h) throws(LAPACKError) in try qr.solveR(rank: k, transpose: true, h)
            }
            for p in 0..<k { t[p] = f[p] - h[p] }
            try t.withUnsafeMutableBufferPointer { (t) throws(LAPACKError) in try qr.solveR(rank: k, t) }
            for p in 0..<k { f[p] = h[p] }
            try f.withUnsafeMutableBufferPointer { (f) throws(LAPACKError) in try qr.applyQ(f) }

            // Sizes in the caller's (unscaled) units, so every coefficient counts.
            var correctionSize = 0.0
            var solutionSize = 0.0
            for p in 0..<k {
                let j = basic[p]
                correctionSize = max(correctionSize, abs(t[p] * scale[j]))
                solutionSize = max(solutionSize, abs((z[j] + t[p]) * scale[j]))
            }
            if pass > 0, correctionSize > 0, correctionSize >= 0.5 * previousCorrection {
                break // no longer contracting: rounding noise dominates, keep the current iterate
            }
            for p in 0..<k { z[basic[p]] += t[p] }
            for i in 0..<m { r[i] += f[i] }
            if pass > 0 { corrections += 1 }
            previousCorrection = correctionSize
            if correctionSize <= Double.ulpOfOne * solutionSize { break }
        }
        return (z, r, corrections)
    }
}
