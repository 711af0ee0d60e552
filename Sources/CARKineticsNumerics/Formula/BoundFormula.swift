import Foundation

/// A ``Formula`` bound to parameter and variable positions and compiled to a flat instruction tape.
///
/// Evaluation walks the tape once; the gradient is exact (reverse-mode automatic differentiation: one
/// forward pass, one reverse sweep over the parameter-dependent instructions), with the rounding of the
/// analytic derivative formulas, not of finite differences. Evaluation allocates nothing on the heap: its
/// scratch space lives on the stack for the duration of a call, so a `BoundFormula` can be shared between
/// threads and called concurrently.
public struct BoundFormula: Sendable {
    /// Parameter names in binding order; ``value(parameters:variables:gradient:)`` uses this order.
    public let parameterNames: [String]
    /// Variable names in binding order; evaluation reads variable values in this order.
    public let variableNames: [String]
    /// The number of parameters.
    public var parameterCount: Int { parameterNames.count }
    /// The number of variables.
    public var variableCount: Int { variableNames.count }

    let responseTransform: FormulaFunction?
    let instructions: [FormulaInstruction]

    init(
        parameterNames: [String], variableNames: [String], responseTransform: FormulaFunction?,
        instructions: [FormulaInstruction]
    ) {
        self.parameterNames = parameterNames
        self.variableNames = variableNames
        self.responseTransform = responseTransform
        self.instructions = instructions
    }

    /// Applies the left side's function to an observed response: `log(y)` for `log[y] = ...`, `y` itself
    /// for `y = ...`. The model's right side is fitted to this value.
    public func transformResponse(_ y: Double) -> Double {
        responseTransform?.apply(y) ?? y
    }

    /// The right side's value.
    /// - Precondition: `parameters.count >= parameterCount` and `variables.count >= variableCount`.
    public func value(parameters: UnsafeBufferPointer<Double>, variables: UnsafeBufferPointer<Double>) -> Double {
        precondition(
            parameters.count >= parameterCount && variables.count >= variableCount,
            "BoundFormula.value: too few parameter or variable values")
        return instructions.withUnsafeBufferPointer { tape in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: tape.count) { slots in
                forward(tape, slots, parameters, variables)
            }
        }
    }

    /// The right side's value, and its exact partial derivatives with respect to each parameter written
    /// to `gradient[0..<parameterCount]` (in ``parameterNames`` order).
    /// - Precondition: `parameters.count >= parameterCount`, `variables.count >= variableCount` and
    ///   `gradient.count >= parameterCount`.
    public func value(
        parameters: UnsafeBufferPointer<Double>, variables: UnsafeBufferPointer<Double>,
        gradient: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        precondition(
            parameters.count >= parameterCount && variables.count >= variableCount
                && gradient.count >= parameterCount,
            "BoundFormula.value: too few parameter, variable or gradient values")
        return instructions.withUnsafeBufferPointer { tape in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * tape.count) { scratch in
                let slots = UnsafeMutableBufferPointer(rebasing: scratch[0..<tape.count])
                let adjoints = UnsafeMutableBufferPointer(rebasing: scratch[tape.count...])
                let result = forward(tape, slots, parameters, variables)
                reverse(tape, slots, adjoints, gradient)
                return result
            }
        }
    }

    /// `residuals[i] = f(xᵢ) − targets[i]` for the `m` rows of `rows` (row-major, `variableCount` values
    /// per row), with one scratch allocation for all rows.
    func residuals(
        parameters: UnsafeBufferPointer<Double>, rows: UnsafeBufferPointer<Double>,
        targets: UnsafeBufferPointer<Double>, into residuals: UnsafeMutableBufferPointer<Double>
    ) {
        let k = variableCount
        instructions.withUnsafeBufferPointer { tape in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: tape.count) { slots in
                for i in 0..<targets.count {
                    let x = UnsafeBufferPointer(start: rows.baseAddress.map { $0 + i * k }, count: k)
                    residuals[i] = forward(tape, slots, parameters, x) - targets[i]
                }
            }
        }
    }

    /// The `m × parameterCount` Jacobian `∂f(xᵢ)/∂θⱼ`, column-major (entry `(i, j)` at `i + j·m`), for the
    /// `m` rows of `rows`, with one scratch allocation for all rows.
    func jacobian(
        parameters: UnsafeBufferPointer<Double>, rows: UnsafeBufferPointer<Double>, rowCount m: Int,
        into jacobian: UnsafeMutableBufferPointer<Double>
    ) {
        let k = variableCount
        let n = parameterCount
        instructions.withUnsafeBufferPointer { tape in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * tape.count + n) { scratch in
                let slots = UnsafeMutableBufferPointer(rebasing: scratch[0..<tape.count])
                let adjoints = UnsafeMutableBufferPointer(rebasing: scratch[tape.count..<(2 * tape.count)])
                let gradient = UnsafeMutableBufferPointer(rebasing: scratch[(2 * tape.count)...])
                for i in 0..<m {
                    let x = UnsafeBufferPointer(start: rows.baseAddress.map { $0 + i * k }, count: k)
                    _ = forward(tape, slots, parameters, x)
                    reverse(tape, slots, adjoints, gradient)
                    for j in 0..<n { jacobian[i + j * m] = gradient[j] }
                }
            }
        }
    }

    @inline(__always)
    private func forward(
        _ tape: UnsafeBufferPointer<FormulaInstruction>, _ slots: UnsafeMutableBufferPointer<Double>,
        _ parameters: UnsafeBufferPointer<Double>, _ variables: UnsafeBufferPointer<Double>
    ) -> Double {
        for i in 0..<tape.count {
            let instruction = tape[i]
            // One dispatch per instruction; mirrors `FormulaInstruction.evaluate`, which constant folding uses.
            switch instruction.operation {
            case .parameter: slots[i] = parameters[instruction.a]
            case .variable: slots[i] = variables[instruction.a]
            case .constant: slots[i] = instruction.constant
            case .negate: slots[i] = -slots[instruction.a]
            case .add: slots[i] = slots[instruction.a] + slots[instruction.b]
            case .subtract: slots[i] = slots[instruction.a] - slots[instruction.b]
            case .multiply: slots[i] = slots[instruction.a] * slots[instruction.b]
            case .divide: slots[i] = slots[instruction.a] / slots[instruction.b]
            case .integerPower: slots[i] = FormulaInstruction.integerPower(slots[instruction.a], instruction.b)
            case .constantPower: slots[i] = Foundation.pow(slots[instruction.a], instruction.constant)
            case .power: slots[i] = Foundation.pow(slots[instruction.a], slots[instruction.b])
            case .exp: slots[i] = Foundation.exp(slots[instruction.a])
            case .log: slots[i] = Foundation.log(slots[instruction.a])
            case .sqrt: slots[i] = slots[instruction.a].squareRoot()
            case .sin: slots[i] = Foundation.sin(slots[instruction.a])
            case .cos: slots[i] = Foundation.cos(slots[instruction.a])
            case .tan: slots[i] = Foundation.tan(slots[instruction.a])
            case .atan: slots[i] = Foundation.atan(slots[instruction.a])
            }
        }
        return slots[tape.count - 1]
    }

    @inline(__always)
    private func reverse(
        _ tape: UnsafeBufferPointer<FormulaInstruction>, _ slots: UnsafeMutableBufferPointer<Double>,
        _ adjoints: UnsafeMutableBufferPointer<Double>, _ gradient: UnsafeMutableBufferPointer<Double>
    ) {
        for j in 0..<parameterCount { gradient[j] = 0 }
        for i in 0..<tape.count { adjoints[i] = 0 }
        adjoints[tape.count - 1] = 1
        for i in stride(from: tape.count - 1, through: 0, by: -1) {
            let instruction = tape[i]
            let g = adjoints[i]
            // A zero adjoint contributes nothing; skipping it also keeps 0·∞ from turning a finite
            // derivative into NaN (e.g. a branch multiplied by an exact zero).
            guard instruction.dependsOnParameters, g != 0 else { continue }
            let a = instruction.a
            let b = instruction.b
            switch instruction.operation {
            case .constant, .variable:
                break
            case .parameter:
                gradient[a] += g
            case .negate:
                adjoints[a] -= g
            case .add:
                if instruction.aFlows { adjoints[a] += g }
                if instruction.bFlows { adjoints[b] += g }
            case .subtract:
                if instruction.aFlows { adjoints[a] += g }
                if instruction.bFlows { adjoints[b] -= g }
            case .multiply:
                if instruction.aFlows { adjoints[a] += g * slots[b] }
                if instruction.bFlows { adjoints[b] += g * slots[a] }
            case .divide:
                if instruction.aFlows { adjoints[a] += g / slots[b] }
                if instruction.bFlows { adjoints[b] -= g * slots[i] / slots[b] }
            case .integerPower:
                let n = instruction.b
                adjoints[a] += g * Double(n) * FormulaInstruction.integerPower(slots[a], n - 1)
            case .constantPower:
                adjoints[a] += g * instruction.constant * Foundation.pow(slots[a], instruction.constant - 1)
            case .power:
                if instruction.aFlows { adjoints[a] += g * slots[b] * Foundation.pow(slots[a], slots[b] - 1) }
                if instruction.bFlows { adjoints[b] += g * slots[i] * Foundation.log(slots[a]) }
            case .exp: adjoints[a] += g * slots[i]
            case .log: adjoints[a] += g / slots[a]
            case .sqrt: adjoints[a] += g * 0.5 / slots[i]
            case .sin: adjoints[a] += g * Foundation.cos(slots[a])
            case .cos: adjoints[a] -= g * Foundation.sin(slots[a])
            case .tan: adjoints[a] += g * (1 + slots[i] * slots[i])
            case .atan: adjoints[a] += g / (1 + slots[a] * slots[a])
            }
        }
    }
}
