import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// A user model `C = f(t; θ)` written in the formula language, fitted like the built-in models.
///
/// The time variable is `t`. Fitting follows the same rule as every built-in model — least squares on the
/// natural-log scale, residuals ln y − ln f(t) — so `C = A*exp(-k*t)` and the built-in `monoexp` minimise the
/// same objective. A formula whose left side is already transformed (`log[C] = a - k*t`) is fitted as written:
/// residuals g(y) − f(t). A non-positive f(t) gives a non-finite residual, which the optimiser treats as a
/// failed step. Standard errors are on the parameters as written (no transformation), with symmetric 95%
/// limits from the Student-t quantile on n − p degrees of freedom.
public struct FormulaKineticModel: Sendable {
    public let formula: BoundFormula
    public let start: [Double]
    let logScale: Bool

    /// - Parameters:
    ///   - text: the model, e.g. `C = cmax*exp(-k*(t-10))`.
    ///   - start: a starting value for every parameter; every name must occur in the formula, and every name in
    ///     the formula other than `t` must have a start value.
    public init(text: String, start: [(name: String, value: Double)]) throws(FormulaError) {
        let parsed = try Formula(parsing: text)
        if let unused = start.first(where: { !parsed.identifiers.contains($0.name) }) {
            throw FormulaError(
                .invalidName, column: nil,
                "parameter '\(unused.name)' has a start value but does not appear in the formula")
        }
        formula = try parsed.bind(parameters: start.map(\.name), variables: ["t"])
        self.start = start.map(\.value)
        logScale = !parsed.transformsResponse
    }

    /// Fits one subject's quantifiable samples at t ≥ 0 (others are ignored); `values[i]` was measured at
    /// `times[i]`.
    ///
    /// - Throws: ``SampleArrayError/lengthMismatch(times:values:)`` when the arrays differ in length.
    public func fit(
        times: [Double], values: [Double], options: LevenbergMarquardt.Options = .default
    ) throws(SampleArrayError) -> KineticFit {
        guard times.count == values.count else { throw .lengthMismatch(times: times.count, values: values.count) }
        return fitSamples(times: times, values: values, options: options)
    }

    /// ``fit(times:values:options:)`` for arrays of equal length built in this module.
    func fitSamples(
        times: [Double], values: [Double], options: LevenbergMarquardt.Options = .default
    ) -> KineticFit {
        var t: [Double] = []
        var target: [Double] = []
        for (time, value) in zip(times, values) where time >= 0 && value > 0 && time.isFinite && value.isFinite {
            let y = logScale ? Foundation.log(value) : formula.transformResponse(value)
            guard y.isFinite else { continue }
            t.append(time)
            target.append(y)
        }
        let m = t.count
        let n = formula.parameterCount
        guard m > n else {
            return KineticFit.unfitted(model: "formula", status: .tooFewSamples(have: m, need: n + 1), sampleCount: m)
        }
        var solver = LevenbergMarquardt(parameterCount: n, residualCount: m, options: options)
        let formula = self.formula
        let logScale = self.logScale
        let result = withUnsafeTemporaryAllocation(of: Double.self, capacity: max(n, 1)) { gradient in
            solver.minimize(
                start: start,
                residuals: { p, r in
                    for i in 0..<m {
                        let f = withUnsafePointer(to: t[i]) {
                            formula.value(parameters: p, variables: UnsafeBufferPointer(start: $0, count: 1))
                        }
                        r[i] = target[i] - (logScale ? Foundation.log(f) : f)
                    }
                },
                jacobian: { p, jacobian in
                    for i in 0..<m {
                        let f = withUnsafePointer(to: t[i]) {
                            formula.value(
                                parameters: p, variables: UnsafeBufferPointer(start: $0, count: 1), gradient: gradient)
                        }
                        let scale = logScale ? -1 / f : -1
                        for j in 0..<n { jacobian[i + j * m] = scale * gradient[j] }
                    }
                })
        }
        let dof = m - n
        let quantile = StudentT.quantile975(degreesOfFreedom: dof)
        let estimates = formula.parameterNames.enumerated().map { j, name in
            let value = result.parameters[j]
            let se = result.standardErrors?[j]
            return ParameterEstimate(
                name: name, value: value, standardError: se,
                lower: se.map { value - quantile * $0 }, upper: se.map { value + quantile * $0 })
        }
        return KineticFit(
            model: "formula", status: result.converged ? .converged : .notConverged("\(result.termination)"),
            sampleCount: m, parameterCount: n, estimates: estimates, curve: nil, ssr: result.ssr,
            iterations: result.iterations, evaluations: result.evaluations, note: nil)
    }
}
