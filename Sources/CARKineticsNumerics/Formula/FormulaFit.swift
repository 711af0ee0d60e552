/// Least-squares fits of a model given as a formula, with exact Jacobians from the formula's automatic
/// differentiation.
///
/// The fit minimises `Σ (f(xᵢ; θ) − g(yᵢ))²`, where `g` is the formula's left-side transform (identity for
/// `y = ...`, natural log for `log[y] = ...`), with ``LevenbergMarquardt``.
///
/// ```swift
/// let fit = try FormulaFit.fit(
///     formula: "y = b1*(1-exp[-b2*x])", parameters: ["b1", "b2"], start: [500, 1e-4],
///     variables: ["x"], values: [[77.6, 114.9, 141.1, 190.8]], response: [10.07, 14.73, 17.94, 23.93])
/// print(fit.parameters, fit.standardErrors ?? [], fit.termination)
/// ```
public enum FormulaFit {
    /// Fits a bound formula.
    /// - Parameters:
    ///   - model: the formula bound to its parameter and variable names.
    ///   - start: starting parameter values, in ``BoundFormula/parameterNames`` order.
    ///   - values: one column per bound variable (``BoundFormula/variableNames`` order), each with one value
    ///     per observation.
    ///   - response: observed responses (untransformed; the left side's transform is applied here).
    ///   - options: solver settings; the default suits problems as hard as the NIST StRD.
    /// - Returns: the fit; check ``NonlinearFit/converged``.
    /// - Throws: ``FormulaFitError`` when the counts disagree or the data contain NaN/∞ (also after
    ///   the response transform).
    public static func fit(
        _ model: BoundFormula, start: [Double], values: [[Double]], response: [Double],
        options: LevenbergMarquardt.Options = .default
    ) throws(FormulaFitError) -> NonlinearFit {
        let m = response.count
        let n = model.parameterCount
        let k = model.variableCount
        guard start.count == n else { throw .startCount(expected: n, actual: start.count) }
        guard values.count == k else { throw .variableCount(expected: k, actual: values.count) }
        // Rows stored contiguously, so each evaluation reads one short slice.
        var rows = [Double](repeating: 0, count: m * k)
        for (v, column) in values.enumerated() {
            let name = model.variableNames[v]
            guard column.count == m else { throw .variableLength(variable: name, expected: m, actual: column.count) }
            for (i, x) in column.enumerated() {
                guard x.isFinite else { throw .nonFiniteVariable(variable: name, observation: i + 1) }
                rows[i * k + v] = x
            }
        }
        var targets = [Double](repeating: 0, count: m)
        for (i, y) in response.enumerated() {
            targets[i] = model.transformResponse(y)
            guard targets[i].isFinite else { throw .nonFiniteResponse(observation: i + 1, value: y) }
        }

        var solver = LevenbergMarquardt(parameterCount: n, residualCount: m, options: options)
        return rows.withUnsafeBufferPointer { x in
            targets.withUnsafeBufferPointer { t in
                solver.minimize(
                    start: start,
                    residuals: { p, r in model.residuals(parameters: p, rows: x, targets: t, into: r) },
                    jacobian: { p, jacobian in model.jacobian(parameters: p, rows: x, rowCount: m, into: jacobian) })
            }
        }
    }

    /// Parses, binds and fits a formula in one call; see ``fit(_:start:values:response:options:)``.
    /// - Parameters:
    ///   - formula: the model, e.g. `"y = b1*(1-exp[-b2*x])"` or `"log[C] = a - k*t"`.
    ///   - parameters: parameter names, in the order of `start` and of the result.
    ///   - start: a starting value per parameter.
    ///   - variables: variable names, in the order of `values`.
    ///   - values: one array per variable, one entry per observation.
    ///   - response: the observed response, one per observation.
    ///   - options: the Levenberg–Marquardt stopping rules.
    public static func fit(
        formula: String, parameters: [String], start: [Double], variables: [String],
        values: [[Double]], response: [Double],
        options: LevenbergMarquardt.Options = .default
    ) throws(FormulaFitError) -> NonlinearFit {
        let model: BoundFormula
        do {
            model = try Formula(parsing: formula).bind(parameters: parameters, variables: variables)
        } catch {
            throw .formula(error)
        }
        return try fit(model, start: start, values: values, response: response, options: options)
    }
}
