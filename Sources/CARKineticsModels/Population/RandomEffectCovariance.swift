import Foundation

/// The pattern of the between-subject covariance Ω of the random effects, and the prior term −2 ln p(η | Ω) of
/// every per-subject objective.
///
/// Ω is block-diagonal: random effects listed together in a block (`--block p1,p2,…`, NONMEM's `$OMEGA BLOCK`,
/// Monolix's correlation groups) are correlated; every other random effect is independent of all the rest.
/// Each block is parameterised by its lower Cholesky factor L (Ω_block = L·Lᵀ, L_aa > 0), so that every value of
/// the unconstrained parameters gives a positive-definite Ω:
///
///     θ = (ln L_11, ln L_22, …, ln L_rr,  then each block's strictly lower entries L_ab, a > b, row by row)
///
/// (the diagonal in random-effect order, then the off-diagonals block by block, in the order of ``blocks``).
/// An independent random effect has L_kk = ω_k, so θ_k = ln ω_k: a diagonal Ω has exactly the parameters of a
/// fit without blocks. Within a block the factor is taken in random-effect order (the order of `--random`).
///
/// Points of the optimisation carry the factor on its natural scale: `diagonal` = (L_11, …, L_rr) = e^θ and
/// `lower` = the off-diagonal entries as they are.
struct RandomEffectCovariance: Sendable, Equatable {
    /// Number of random effects r.
    let count: Int
    /// Correlated groups: indices into the random effects, each sorted, at least two, disjoint.
    let blocks: [[Int]]

    init(count: Int, blocks: [[Int]] = []) {
        self.count = count
        self.blocks = blocks.map { $0.sorted() }.filter { $0.count >= 2 }
    }

    /// The pattern for a model's `--random` and `--block` lists, checked: every block name must be a model
    /// parameter with a random effect, a block must have two or more names, and a name may be in one block only.
    /// - Throws: ``PopulationFitError`` saying which name breaks which rule.
    static func validated(
        random: [String], blocks: [[String]], parameters: [String]
    ) throws(PopulationFitError) -> RandomEffectCovariance {
        var seen = Set<String>()
        var indices: [[Int]] = []
        for block in blocks {
            guard block.count >= 2 else {
                throw PopulationFitError(
                    "--block '\(block.joined(separator: ","))' has one parameter; a block correlates two or more random effects"
                )
            }
            var group: [Int] = []
            for name in block {
                guard parameters.contains(name) else {
                    throw PopulationFitError(
                        "--block names '\(name)', which is not a model parameter (\(parameters.joined(separator: ", ")))"
                    )
                }
                guard let q = random.firstIndex(of: name) else {
                    throw PopulationFitError(
                        "--block names '\(name)', which has no random effect (random: \(random.joined(separator: ", "))); add it to --random to correlate it"
                    )
                }
                guard seen.insert(name).inserted else {
                    throw PopulationFitError("'\(name)' is listed in more than one --block (or twice in one)")
                }
                group.append(q)
            }
            indices.append(group)
        }
        return RandomEffectCovariance(count: random.count, blocks: indices)
    }

    /// Number of free off-diagonal Cholesky entries, Σ m(m − 1)/2 over the blocks.
    var lowerCount: Int { blocks.reduce(0) { $0 + $1.count * ($1.count - 1) / 2 } }

    /// Number of unconstrained parameters θ: r diagonal logarithms plus ``lowerCount``.
    var parameterCount: Int { count + lowerCount }

    /// The block each random effect belongs to (nil: independent).
    func block(of q: Int) -> Int? { blocks.firstIndex { $0.contains(q) } }

    /// Position in `lower` of block `b`'s entry L_ac (local indices, a > c).
    private func lowerOffset(block b: Int) -> Int {
        var offset = 0
        for earlier in blocks[0..<b] { offset += earlier.count * (earlier.count - 1) / 2 }
        return offset
    }

    /// −2 ln p(η | Ω) = r·ln 2π + ln det Ω + ηᵀΩ⁻¹η, for Ω = L·Lᵀ given by its factor (`diagonal` = L_kk > 0,
    /// `lower` = the blocks' off-diagonal entries).
    ///
    /// Each block with z = L⁻¹η and w = L⁻ᵀz = Ω⁻¹η contributes m·ln 2π + 2Σ ln L_aa + zᵀz, and
    /// - to the η-gradient 2w and to the η-Hessian 2Ω⁻¹ = 2L⁻ᵀL⁻¹;
    /// - to the θ-gradient: ∂/∂ln L_aa = 2 − 2·L_aa·w_a·z_a and ∂/∂L_ac = −2·w_a·z_c (a > c), from
    ///   d(zᵀz) = −2 wᵀ dL z and d ln det Ω = 2 Σ dL_aa/L_aa.
    ///
    /// An independent effect contributes ln(2πω²) + η²/ω², 2η/ω², 2/ω² and 2 − 2η²/ω² (the same expressions
    /// as a block of one, written directly so a diagonal Ω is computed exactly as it was before blocks existed).
    ///
    /// The derivatives are **added** to `etaGradient` (r), `etaHessian` (r×r, column-major) and `thetaGradient`
    /// (``parameterCount``, θ order above) when given, so a caller can accumulate the prior onto its
    /// likelihood terms; likewise the value is `base` plus the terms added one by one (a caller's running sum
    /// continues exactly as if it had added them itself). No heap allocation.
    @inline(__always)
    func minus2LogDensity(
        eta: UnsafeBufferPointer<Double>, diagonal: [Double], lower: [Double],
        etaGradient: UnsafeMutableBufferPointer<Double>? = nil,
        etaHessian: UnsafeMutableBufferPointer<Double>? = nil,
        thetaGradient: UnsafeMutableBufferPointer<Double>? = nil, adding base: Double = 0
    ) -> Double {
        let r = count
        var total = base
        for q in 0..<r where blocks.isEmpty || block(of: q) == nil {
            let w = diagonal[q]
            total += Foundation.log(2 * Double.pi * w * w) + eta[q] * eta[q] / (w * w)
            etaGradient?[q] += 2 * eta[q] / (w * w)
            etaHessian?[q + q * r] += 2 / (w * w)
            thetaGradient?[q] += 2 - 2 * eta[q] * eta[q] / (w * w)
        }
        for (b, index) in blocks.enumerated() {
            let m = index.count
            let offset = lowerOffset(block: b)
            total += withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * m * m + 2 * m) { buffer in
                // l: the block's factor (column-major m×m, lower); inverse: L⁻¹; z and w as above.
                let l = UnsafeMutableBufferPointer(rebasing: buffer[0..<(m * m)])
                let inverse = UnsafeMutableBufferPointer(rebasing: buffer[(m * m)..<(2 * m * m)])
                let z = UnsafeMutableBufferPointer(rebasing: buffer[(2 * m * m)..<(2 * m * m + m)])
                let w = UnsafeMutableBufferPointer(rebasing: buffer[(2 * m * m + m)..<(2 * m * m + 2 * m)])
                for i in 0..<(m * m) { l[i] = 0 }
                var position = offset
                for a in 0..<m {
                    l[a + a * m] = diagonal[index[a]]
                    for c in 0..<a {
                        l[a + c * m] = lower[position]
                        position += 1
                    }
                }
                var value = Double(m) * Foundation.log(2 * Double.pi)
                for a in 0..<m {
                    var s = eta[index[a]]
                    for c in 0..<a { s -= l[a + c * m] * z[c] }
                    z[a] = s / l[a + a * m]
                    value += 2 * Foundation.log(l[a + a * m]) + z[a] * z[a]
                }
                for a in stride(from: m - 1, through: 0, by: -1) {
                    var s = z[a]
                    for c in (a + 1)..<m { s -= l[c + a * m] * w[c] }
                    w[a] = s / l[a + a * m]
                }
                if let etaGradient { for a in 0..<m { etaGradient[index[a]] += 2 * w[a] } }
                if let etaHessian {
                    // L⁻¹ column by column (forward substitution on the unit vectors), then 2·L⁻ᵀL⁻¹.
                    for c in 0..<m {
                        for a in 0..<c { inverse[a + c * m] = 0 }
                        for a in c..<m {
                            var s = a == c ? 1.0 : 0.0
                            for d in c..<a { s -= l[a + d * m] * inverse[d + c * m] }
                            inverse[a + c * m] = s / l[a + a * m]
                        }
                    }
                    for a in 0..<m {
                        for c in 0..<m {
                            var s = 0.0
                            for d in max(a, c)..<m { s += inverse[d + a * m] * inverse[d + c * m] }
                            etaHessian[index[a] + index[c] * r] += 2 * s
                        }
                    }
                }
                if let thetaGradient {
                    var position = r + offset
                    for a in 0..<m {
                        thetaGradient[index[a]] += 2 - 2 * l[a + a * m] * w[a] * z[a]
                        for c in 0..<a {
                            thetaGradient[position] += -2 * w[a] * z[c]
                            position += 1
                        }
                    }
                }
                return value
            }
        }
        return total
    }

    /// Ω (r×r, column-major) from its factor.
    func matrix(diagonal: [Double], lower: [Double]) -> [Double] {
        let r = count
        var omega = [Double](repeating: 0, count: r * r)
        for q in 0..<r where block(of: q) == nil { omega[q + q * r] = diagonal[q] * diagonal[q] }
        for (b, index) in blocks.enumerated() {
            let l = factor(block: b, diagonal: diagonal, lower: lower)
            let m = index.count
            for a in 0..<m {
                for c in 0..<m {
                    var s = 0.0
                    for d in 0...min(a, c) { s += l[a + d * m] * l[c + d * m] }
                    omega[index[a] + index[c] * r] = s
                }
            }
        }
        return omega
    }

    /// Block `b`'s factor L (m×m, column-major, lower).
    private func factor(block b: Int, diagonal: [Double], lower: [Double]) -> [Double] {
        let index = blocks[b]
        let m = index.count
        var l = [Double](repeating: 0, count: m * m)
        var position = lowerOffset(block: b)
        for a in 0..<m {
            l[a + a * m] = diagonal[index[a]]
            for c in 0..<a {
                l[a + c * m] = lower[position]
                position += 1
            }
        }
        return l
    }

    /// The marginal SDs √Ω_kk of the random effects.
    func standardDeviations(diagonal: [Double], lower: [Double]) -> [Double] {
        let omega = matrix(diagonal: diagonal, lower: lower)
        return (0..<count).map { omega[$0 + $0 * count].squareRoot() }
    }

    /// One reported quantity of Ω and its gradient with respect to θ (``parameterCount`` entries), for the delta
    /// method.
    struct Reported {
        /// Random-effect indices: (k, k) for the SD of η_k, (k, l) with k < l for their correlation.
        var first: Int, second: Int
        /// √Ω_kk, or Ω_kl/√(Ω_kk·Ω_ll).
        var value: Double
        /// ∂ ln √Ω_kk/∂θ for an SD (its interval is taken on the log scale), ∂ρ/∂θ for a correlation.
        var gradient: [Double]
    }

    /// The SD of every random effect (in random-effect order) and then the correlation of every pair within each
    /// block (blocks in order; pairs (k, l), k < l, row by row of the block), with their θ-gradients.
    ///
    /// With Ω_kl = Σ_d L_kd·L_ld: ∂Ω_kl/∂L_ad = δ_ka·L_ld + δ_la·L_kd; ln SD_k = ½ ln Ω_kk; ρ_kl =
    /// Ω_kl/(SD_k·SD_l), so ∂ρ = ∂Ω_kl/(SD_k·SD_l) − ρ·(∂ ln SD_k + ∂ ln SD_l); ∂/∂ln L_aa = L_aa·∂/∂L_aa.
    func reported(diagonal: [Double], lower: [Double]) -> [Reported] {
        let r = count
        let omega = matrix(diagonal: diagonal, lower: lower)
        let sd = (0..<r).map { omega[$0 + $0 * r].squareRoot() }
        // ∂Ω_kl/∂θ_j for the entries of one block, by the formula above.
        func omegaGradient(_ k: Int, _ l: Int) -> [Double] {
            var g = [Double](repeating: 0, count: parameterCount)
            guard let b = block(of: k) else {
                if k == l { g[k] = 2 * diagonal[k] * diagonal[k] }
                return g
            }
            let index = blocks[b]
            let m = index.count
            let f = factor(block: b, diagonal: diagonal, lower: lower)
            guard let kk = index.firstIndex(of: k), let ll = index.firstIndex(of: l) else { return g }
            var position = r + lowerOffset(block: b)
            for a in 0..<m {
                for d in 0...a {
                    var derivative = 0.0
                    if kk == a { derivative += f[ll + d * m] }
                    if ll == a { derivative += f[kk + d * m] }
                    if d == a {
                        g[index[a]] += derivative * f[a + a * m]
                    } else {
                        g[position] += derivative
                        position += 1
                    }
                }
            }
            return g
        }
        var out: [Reported] = []
        var logSDGradient: [[Double]] = []
        for k in 0..<r {
            let g = omegaGradient(k, k).map { $0 / (2 * omega[k + k * r]) }
            logSDGradient.append(g)
            out.append(Reported(first: k, second: k, value: sd[k], gradient: g))
        }
        for index in blocks {
            for a in 1..<index.count {
                for c in 0..<a {
                    let (k, l) = (index[c], index[a])
                    let rho = omega[k + l * r] / (sd[k] * sd[l])
                    let g = omegaGradient(k, l).enumerated().map { j, v in
                        v / (sd[k] * sd[l]) - rho * (logSDGradient[k][j] + logSDGradient[l][j])
                    }
                    out.append(Reported(first: k, second: l, value: rho, gradient: g))
                }
            }
        }
        return out
    }
}
