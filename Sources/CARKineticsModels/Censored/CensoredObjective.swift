import CARKineticsNumerics
import Foundation

/// A local optimum of the least-squares multi-start: the curve family and its estimation vector, with its sum
/// of squares over the quantified samples. The censored fit starts from these.
struct LocalOptimum: Sendable {
    var curve: KineticCurve
    var theta: [Double]
    var ssr: Double
}

/// One profile's samples for a censored fit: time order, quantified levels and BLQ samples at their limit, all
/// on the natural-log scale.
struct CensoredSamples: Sendable, Equatable {
    var times: [Double] = []
    /// ln y for a quantified sample, ln LLOQ for a censored one.
    var logs: [Double] = []
    var censored: [Bool] = []

    var quantifiedCount: Int { censored.count { !$0 } }
    var censoredCount: Int { censored.count { $0 } }

    /// Merges quantified samples (ln y) and censored ones (ln LLOQ), both already in time order; at equal
    /// times the quantified sample comes first.
    init(times: [Double], logs: [Double], censoredTimes: [Double], logLimits: [Double]) {
        var i = 0
        var j = 0
        while i < times.count || j < censoredTimes.count {
            if j >= censoredTimes.count || (i < times.count && times[i] <= censoredTimes[j]) {
                self.times.append(times[i])
                self.logs.append(logs[i])
                censored.append(false)
                i += 1
            } else {
                self.times.append(censoredTimes[j])
                self.logs.append(logLimits[j])
                censored.append(true)
                j += 1
            }
        }
    }

    /// The samples at or after `start` (contraction-only curves see nothing before the observed peak).
    func from(_ start: Double) -> CensoredSamples {
        var copy = self
        guard let first = times.firstIndex(where: { $0 >= start }) else {
            copy.times = []
            copy.logs = []
            copy.censored = []
            return copy
        }
        copy.times = Array(times[first...])
        copy.logs = Array(logs[first...])
        copy.censored = Array(censored[first...])
        return copy
    }
}

/// Beal's M3 objective of one curve family on one profile, −2 ln L with σ estimated, and its derivatives.
///
/// With x = (θ, s), θ the curve's estimation vector (`KineticCurve`) and s = ln σ, residual
/// r = ln y − ln f(t; θ) for a quantified sample and z = (ln LLOQ − ln f(t; θ))/σ for a censored one:
///
///     −2 ln L(x) = Σ_quantified [ln 2π + 2s + r²·e^(−2s)] − 2·Σ_censored ln Φ(z)
///
/// Gradient, with g = ∂ ln f/∂θ and m = φ(z)/Φ(z) (the inverse Mills ratio):
/// quantified ∂/∂θ = −2r·g/σ², ∂/∂s = 2 − 2r²/σ²; censored ∂/∂θ = 2m·g/σ, ∂/∂s = 2m·z.
///
/// The scoring matrix B (positive semidefinite, used to take steps) is the expected information for the
/// quantified samples — 2ggᵀ/σ² in θ, 4 in s, 0 between them — and for the censored ones the exact curvature of
/// −2 ln Φ in z, 2m(z + m)·∇z∇zᵀ with ∇z = (−g/σ, −z); the terms with second derivatives of ln f and of z are
/// left out (they vanish in expectation or at a perfect fit). ln Φ is `NormalTail.logCDF` (erfc, and the
/// asymptotic series below z = −30), so a prediction far above a limit costs a large finite penalty.
struct CensoredObjective {
    let curve: KineticCurve
    let samples: CensoredSamples
    /// Parameters of x: the curve's, then s = ln σ.
    var dimension: Int { curve.parameterCount + 1 }

    static let logTwoPi = 2 * NormalTail.logSqrtTwoPi

    /// −2 ln L at x; `gradient` (dimension entries) and `scoring` (dimension², column-major) are filled when
    /// given. NaN or ∞ when the curve is not finite at x.
    func evaluate(
        _ x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>?,
        scoring: UnsafeMutableBufferPointer<Double>?
    ) -> Double {
        let p = curve.parameterCount
        let n = p + 1
        let s = x[p]
        let inverseSigma = Foundation.exp(-s)
        let inverseVariance = inverseSigma * inverseSigma
        let evaluator = KineticCurve.Evaluator(curve, theta: UnsafeBufferPointer(rebasing: x[0..<p]))
        if let gradient { for j in 0..<n { gradient[j] = 0 } }
        if let scoring { for j in 0..<(n * n) { scoring[j] = 0 } }
        let wantsDerivatives = gradient != nil || scoring != nil
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: p) { g in
            let gp = wantsDerivatives ? g.baseAddress : nil
            var total = 0.0
            for i in 0..<samples.times.count {
                let logF = evaluator.logValue(at: samples.times[i], gradient: gp)
                if !samples.censored[i] {
                    let r = samples.logs[i] - logF
                    let scaled = r * r * inverseVariance
                    total += Self.logTwoPi + 2 * s + scaled
                    if let gradient {
                        let factor = -2 * r * inverseVariance
                        for j in 0..<p { gradient[j] += factor * g[j] }
                        gradient[p] += 2 - 2 * scaled
                    }
                    if let scoring {
                        let w = 2 * inverseVariance
                        for b in 0..<p { for a in b..<p { scoring[a + b * n] += w * g[a] * g[b] } }
                        scoring[p + p * n] += 4
                    }
                } else {
                    let z = (samples.logs[i] - logF) * inverseSigma
                    total -= 2 * NormalTail.logCDF(z)
                    guard wantsDerivatives else { continue }
                    let m = NormalTail.millsRatio(z)
                    if let gradient {
                        let factor = 2 * m * inverseSigma
                        for j in 0..<p { gradient[j] += factor * g[j] }
                        gradient[p] += 2 * m * z
                    }
                    if let scoring {
                        // ∇z = (−g/σ, −z); the curvature of −2 ln Φ in z is 2m(z + m) > 0.
                        let w = 2 * m * (z + m)
                        for b in 0..<p {
                            let zb = -g[b] * inverseSigma
                            for a in b..<p { scoring[a + b * n] += w * (-g[a] * inverseSigma) * zb }
                            scoring[p + b * n] += w * -z * zb
                        }
                        scoring[p + p * n] += w * z * z
                    }
                }
            }
            if let scoring {
                for b in 0..<n { for a in 0..<b { scoring[a + b * n] = scoring[b + a * n] } }
            }
            return total
        }
    }

    /// −2 ln L at x (no derivatives).
    func value(_ x: [Double]) -> Double {
        x.withUnsafeBufferPointer { evaluate($0, gradient: nil, scoring: nil) }
    }

    /// −2 ln L and its gradient at x.
    func valueAndGradient(_ x: [Double]) -> (value: Double, gradient: [Double]) {
        var gradient = [Double](repeating: 0, count: dimension)
        let value = x.withUnsafeBufferPointer { xp in
            gradient.withUnsafeMutableBufferPointer { evaluate(xp, gradient: $0, scoring: nil) }
        }
        return (value, gradient)
    }

    /// The Hessian of −2 ln L at x by central differences of the analytic gradient (step 1e-5·max(1, |x_j|)),
    /// symmetrised; column-major.
    func hessian(_ x: [Double]) -> [Double] {
        let n = dimension
        var h = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            let step = 1e-5 * Swift.max(1, abs(x[j]))
            var plus = x
            var minus = x
            plus[j] += step
            minus[j] -= step
            let gp = valueAndGradient(plus).gradient
            let gm = valueAndGradient(minus).gradient
            for i in 0..<n { h[i + j * n] = (gp[i] - gm[i]) / (2 * step) }
        }
        for j in 0..<n {
            for i in 0..<j {
                let mean = (h[i + j * n] + h[j + i * n]) / 2
                h[i + j * n] = mean
                h[j + i * n] = mean
            }
        }
        return h
    }

    /// s = ln σ that minimises the quantified part at θ for fixed residuals: ln √(Σr²/n_q) (the least-squares
    /// σ), the start of every censored run.
    func startingLogSigma(theta: [Double]) -> Double {
        let evaluator = theta.withUnsafeBufferPointer { KineticCurve.Evaluator(curve, theta: $0) }
        var ssr = 0.0
        var count = 0
        for i in 0..<samples.times.count where !samples.censored[i] {
            let r = samples.logs[i] - evaluator.logValue(at: samples.times[i], gradient: nil)
            ssr += r * r
            count += 1
        }
        let variance = count > 0 ? ssr / Double(count) : 1
        return 0.5 * Foundation.log(Swift.max(variance, 1e-12))
    }
}
