import Foundation

/// The one central-difference loop of the population fitter: outer gradients of the objective, the partial
/// derivatives of the analytic Laplace gradient (at fixed η or fixed x), the exact η-Hessian there, the Hessian
/// for the standard errors, and the per-subject fallback all difference a vector function this way.
enum CentralDifferences {
    /// Column j = (f(x + h_j·e_j) − f(x − h_j·e_j)) / (2h_j), h_j = `relativeStep`·max(1, |x_j|), for every j.
    static func columns(at x: [Double], relativeStep: Double, _ f: ([Double]) -> [Double]) -> [[Double]] {
        x.indices.map { j in
            let h = relativeStep * max(1, abs(x[j]))
            var plus = x
            var minus = x
            plus[j] += h
            minus[j] -= h
            let fp = f(plus)
            let fm = f(minus)
            return zip(fp, fm).map { ($0 - $1) / (2 * h) }
        }
    }

    /// Replaces the n×n (column-major) matrix `m` by (m + mᵀ)/2: a Hessian from differences of a gradient is
    /// symmetric only up to the differencing error.
    static func symmetrise(_ m: inout [Double], order n: Int) {
        for a in 0..<n {
            for b in 0..<a {
                let s = 0.5 * (m[a + b * n] + m[b + a * n])
                m[a + b * n] = s
                m[b + a * n] = s
            }
        }
    }
}

extension PopulationFitter {
    /// `work(i)` for every subject i — in parallel (Dispatch) when ``Options/parallel`` allows and there are at
    /// least 8 subjects and 2 cores — returned in subject order, so that sums over subjects taken from it do not
    /// depend on the number of threads.
    func mapSubjects<T>(_ count: Int, _ work: @Sendable (Int) -> T) -> [T] {
        guard options.parallel && count >= 8 && ProcessInfo.processInfo.activeProcessorCount > 1 else {
            return (0..<count).map(work)
        }
        var results = [T?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let output = out
            DispatchQueue.concurrentPerform(iterations: count) { i in output[i] = work(i) }
        }
        return results.compactMap { $0 }
    }
}
