import CARKinetics
import Foundation

/// Fits per second on NIST Misra1a (14 observations, 2 parameters, `y = b1·(1 − exp(−b2·x))`) from the
/// certified start 1, with the reusable solver against two baselines measured in the same run: a fresh
/// solver (work arrays and LAPACK workspace query) per fit, and central-difference Jacobians.
let levenbergMarquardtSection = BenchmarkSection(name: "lm", title: "Levenberg–Marquardt, NIST Misra1a from start 1") {
    let x: [Double] = [77.6, 114.9, 141.1, 190.8, 239.9, 289.0, 332.8, 378.4, 434.8, 477.3, 536.8, 593.1, 689.1, 760.0]
    let y: [Double] = [
        10.07, 14.73, 17.94, 23.93, 29.61, 35.18, 40.02, 44.82, 50.76, 55.05, 61.01, 66.40, 75.47, 81.78,
    ]
    let start: [Double] = [500, 1e-4]
    let certified: [Double] = [2.3894212918e+02, 5.5015643181e-04]
    let m = x.count

    func residuals(_ b: UnsafeBufferPointer<Double>, _ r: UnsafeMutableBufferPointer<Double>) {
        for i in 0..<m { r[i] = y[i] - b[0] * (1 - exp(-b[1] * x[i])) }
    }
    func jacobian(_ b: UnsafeBufferPointer<Double>, _ j: UnsafeMutableBufferPointer<Double>) {
        for i in 0..<m {
            let e = exp(-b[1] * x[i])
            j[i] = -(1 - e)
            j[i + m] = -b[0] * x[i] * e
        }
    }

    var reusable = LevenbergMarquardt(parameterCount: 2, residualCount: m)
    let check = reusable.minimize(start: start, residuals: residuals, jacobian: jacobian)
    let lre = zip(check.parameters, certified).map { -log10(abs($0 - $1) / abs($1)) }.min() ?? 0
    print(
        "  check: \(check.termination), \(check.iterations) iterations, \(check.evaluations) evaluations, min LRE \(formatted(lre, digits: 3))"
    )

    let reused = measureRate {
        reusable.minimize(start: start, residuals: residuals, jacobian: jacobian).parameters[0]
    }
    let fresh = measureRate {
        var solver = LevenbergMarquardt(parameterCount: 2, residualCount: m)
        return solver.minimize(start: start, residuals: residuals, jacobian: jacobian).parameters[0]
    }
    var differencing = LevenbergMarquardt(parameterCount: 2, residualCount: m)
    let differences = measureRate {
        differencing.minimize(start: start, residuals: residuals, jacobian: nil).parameters[0]
    }
    print("  reusable solver, exact Jacobian     \(formatted(reused.rate, digits: 5)) fits/s")
    print(
        "  fresh solver per fit (baseline)     \(formatted(fresh.rate, digits: 5)) fits/s   reuse speed-up ×\(formatted(reused.rate / fresh.rate, digits: 3))"
    )
    print(
        "  reusable, central differences       \(formatted(differences.rate, digits: 5)) fits/s   exact-Jacobian speed-up ×\(formatted(reused.rate / differences.rate, digits: 3))"
    )
    // The checksums keep the fits observable to the optimiser; they are all multiples of b1.
    if !(reused.checksum + fresh.checksum + differences.checksum).isFinite { print("  non-finite checksum") }
}
