import Foundation

/// Gauss–Hermite quadrature: nodes xₖ and weights wₖ with `∫ e^(−x²) g(x) dx ≈ Σ wₖ g(xₖ)`, exact for
/// polynomials g of degree ≤ 2n − 1.
///
/// Nodes are the roots of the Hermite polynomial Hₙ, found by Newton's method on the orthonormal recurrence
/// `p₀ = π^(−¼)`, `p_{j+1} = x·√(2/(j+1))·p_j − √(j/(j+1))·p_{j−1}` (which cannot overflow), with the classical
/// asymptotic first guesses for the largest roots and extrapolation from the previous roots for the rest;
/// the weight of a root is `2/(pₙ′(xₖ))²` in that normalisation. Roots come in ± pairs and are computed for
/// the non-negative half.
struct GaussHermite: Sendable {
    let nodes: [Double]
    let weights: [Double]

    /// - Precondition: `1 ≤ n ≤ 200`.
    init(count n: Int) {
        precondition(n >= 1 && n <= 200, "GaussHermite: 1...200 nodes")
        var x = [Double](repeating: 0, count: n)
        var w = [Double](repeating: 0, count: n)
        let half = (n + 1) / 2
        var z = 0.0
        let nd = Double(n)
        for i in 0..<half {
            switch i {
            case 0: z = (2 * nd + 1).squareRoot() - 1.85575 * Foundation.pow(2 * nd + 1, -1.0 / 6)
            case 1: z -= 1.14 * Foundation.pow(nd, 0.426) / z
            case 2: z = 1.86 * z - 0.86 * x[0]
            case 3: z = 1.91 * z - 0.91 * x[1]
            default: z = 2 * z - x[i - 2]
            }
            var derivative = 0.0
            for _ in 0..<100 {
                var p1 = Foundation.pow(Double.pi, -0.25), p2 = 0.0
                for j in 0..<n {
                    let p3 = p2
                    p2 = p1
                    p1 = z * (2 / Double(j + 1)).squareRoot() * p2 - (Double(j) / Double(j + 1)).squareRoot() * p3
                }
                derivative = (2 * nd).squareRoot() * p2
                let step = p1 / derivative
                z -= step
                if abs(step) <= 1e-15 * max(1, abs(z)) { break }
            }
            x[i] = z
            x[n - 1 - i] = -z
            w[i] = 2 / (derivative * derivative)
            w[n - 1 - i] = w[i]
        }
        if n % 2 == 1 { x[half - 1] = 0 }
        nodes = x.reversed()
        weights = w.reversed()
    }
}
