import Foundation

/// A NIST model `f(b; x)` with its exact gradient, written by hand from the model text in the `.dat` file.
struct NISTModel: Sendable {
    /// Value of the model at one observation; writes `∂f/∂bⱼ` into `g`.
    typealias Function =
        @Sendable (_ b: UnsafeBufferPointer<Double>, _ x: [Double], _ g: UnsafeMutablePointer<Double>) -> Double
    var function: Function
    /// Applied to the response before fitting (`log` for Nelson's `log[y]`).
    var transformResponse: @Sendable (Double) -> Double = { $0 }

    static func named(_ name: String) -> NISTModel? {
        switch name {
        case "Misra1a":
            return NISTModel { b, x, g in
                let e = exp(-b[1] * x[0])
                g[0] = 1 - e
                g[1] = b[0] * x[0] * e
                return b[0] * (1 - e)
            }
        case "Misra1b":
            return NISTModel { b, x, g in
                let u = 1 + b[1] * x[0] / 2
                g[0] = 1 - 1 / (u * u)
                g[1] = b[0] * x[0] / (u * u * u)
                return b[0] * g[0]
            }
        case "Misra1c":
            return NISTModel { b, x, g in
                let u = 1 + 2 * b[1] * x[0]
                let s = u.squareRoot()
                g[0] = 1 - 1 / s
                g[1] = b[0] * x[0] / (u * s)
                return b[0] * g[0]
            }
        case "Chwirut1", "Chwirut2":
            return NISTModel { b, x, g in
                let e = exp(-b[0] * x[0])
                let d = b[1] + b[2] * x[0]
                let f = e / d
                g[0] = -x[0] * f
                g[1] = -f / d
                g[2] = -x[0] * f / d
                return f
            }
        case "Lanczos2", "Lanczos3":
            return NISTModel { b, x, g in
                var f = 0.0
                for k in 0..<3 {
                    let e = exp(-b[2 * k + 1] * x[0])
                    g[2 * k] = e
                    g[2 * k + 1] = -b[2 * k] * x[0] * e
                    f += b[2 * k] * e
                }
                return f
            }
        case "Gauss1", "Gauss2", "Gauss3":
            return NISTModel { b, x, g in
                let t = x[0]
                let e0 = exp(-b[1] * t)
                g[0] = e0
                g[1] = -b[0] * t * e0
                var f = b[0] * e0
                for k in 0..<2 {
                    let a = 2 + 3 * k
                    let c = a + 1
                    let w = a + 2
                    let d = t - b[c]
                    let s = b[w]
                    let e = exp(-d * d / (s * s))
                    g[a] = e
                    g[c] = b[a] * e * 2 * d / (s * s)
                    g[w] = b[a] * e * 2 * d * d / (s * s * s)
                    f += b[a] * e
                }
                return f
            }
        case "DanWood":
            return NISTModel { b, x, g in
                let p = pow(x[0], b[1])
                g[0] = p
                g[1] = b[0] * p * log(x[0])
                return b[0] * p
            }
        case "Kirby2":
            return NISTModel { b, x, g in
                let t = x[0]
                let num = b[0] + b[1] * t + b[2] * t * t
                let den = 1 + b[3] * t + b[4] * t * t
                let f = num / den
                g[0] = 1 / den
                g[1] = t / den
                g[2] = t * t / den
                g[3] = -f * t / den
                g[4] = -f * t * t / den
                return f
            }
        case "Thurber":
            return NISTModel { b, x, g in
                let t = x[0]
                let num = b[0] + b[1] * t + b[2] * t * t + b[3] * t * t * t
                let den = 1 + b[4] * t + b[5] * t * t + b[6] * t * t * t
                let f = num / den
                g[0] = 1 / den
                g[1] = t / den
                g[2] = t * t / den
                g[3] = t * t * t / den
                g[4] = -f * t / den
                g[5] = -f * t * t / den
                g[6] = -f * t * t * t / den
                return f
            }
        case "Rat42":
            return NISTModel { b, x, g in
                let e = exp(b[1] - b[2] * x[0])
                let d = 1 + e
                g[0] = 1 / d
                g[1] = -b[0] * e / (d * d)
                g[2] = b[0] * e * x[0] / (d * d)
                return b[0] / d
            }
        case "Nelson":
            return NISTModel(
                function: { b, x, g in
                    let e = exp(-b[2] * x[1])
                    g[0] = 1
                    g[1] = -x[0] * e
                    g[2] = b[1] * x[0] * x[1] * e
                    return b[0] - b[1] * x[0] * e
                }, transformResponse: { log($0) })
        case "Eckerle4":
            return NISTModel { b, x, g in
                let u = (x[0] - b[2]) / b[1]
                let e = exp(-0.5 * u * u)
                let f = b[0] / b[1] * e
                g[0] = e / b[1]
                g[1] = -f / b[1] + f * u * u / b[1]
                g[2] = f * u / b[1]
                return f
            }
        case "MGH09":
            return NISTModel { b, x, g in
                let t = x[0]
                let num = t * t + t * b[1]
                let den = t * t + t * b[2] + b[3]
                let f = b[0] * num / den
                g[0] = num / den
                g[1] = b[0] * t / den
                g[2] = -f * t / den
                g[3] = -f / den
                return f
            }
        case "Roszman1":
            return NISTModel { b, x, g in
                let d = x[0] - b[3]
                let q = b[2] / d
                let w = 1 / (1 + q * q) / Double.pi
                g[0] = 1
                g[1] = -x[0]
                g[2] = -w / d
                g[3] = -w * b[2] / (d * d)
                return b[0] - b[1] * x[0] - atan(q) / Double.pi
            }
        default:
            return nil
        }
    }
}

/// Residual and Jacobian closures `rᵢ = yᵢ − f(b; xᵢ)`, `Jᵢⱼ = −∂f/∂bⱼ` for a NIST problem.
struct NISTLeastSquares {
    let model: NISTModel
    let y: [Double]
    let x: [[Double]]
    let n: Int

    init(problem: NISTNonlinearProblem, model: NISTModel) {
        self.model = model
        y = problem.y.map(model.transformResponse)
        x = problem.x
        n = problem.start1.count
    }

    func residuals(_ b: UnsafeBufferPointer<Double>, _ r: UnsafeMutableBufferPointer<Double>) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { g in
            guard let gradient = g.baseAddress else { return }
            for i in 0..<y.count { r[i] = y[i] - model.function(b, x[i], gradient) }
        }
    }

    func jacobian(_ b: UnsafeBufferPointer<Double>, _ j: UnsafeMutableBufferPointer<Double>) {
        let m = y.count
        withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { g in
            guard let gradient = g.baseAddress else { return }
            for i in 0..<m {
                _ = model.function(b, x[i], gradient)
                for k in 0..<n { j[i + k * m] = -gradient[k] }
            }
        }
    }
}
