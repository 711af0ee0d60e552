import Foundation

/// One step of a compiled formula. Instruction `i` writes slot `i`; operands `a` and `b` are earlier
/// slots, so the tape is in evaluation order and a reverse sweep over it gives exact gradients.
struct FormulaInstruction: Sendable {
    /// A payload-free opcode, so dispatch is a single jump table.
    enum Operation: UInt8, Sendable {
        case constant, parameter, variable
        case negate, add, subtract, multiply, divide
        /// `a ** b` for a constant integer `|b| <= 64`, by compensated repeated multiplication (no `pow`),
        /// so polynomial terms such as `x**10` are correct to about half an ulp.
        case integerPower
        /// `a ** constant` for a non-integer constant exponent.
        case constantPower
        /// `a ** b` with a non-constant exponent.
        case power
        /// Elementary functions of operand `a`; `log` is the natural logarithm.
        case exp, log, sqrt, sin, cos, tan, atan

        init(_ function: FormulaFunction) {
            switch function {
            case .exp: self = .exp
            case .log, .ln: self = .log
            case .sqrt: self = .sqrt
            case .sin: self = .sin
            case .cos: self = .cos
            case .tan: self = .tan
            case .arctan, .atan: self = .atan
            }
        }
    }

    var operation: Operation
    /// First operand slot, or the parameter/variable index.
    var a: Int = 0
    /// Second operand slot, or the integer exponent.
    var b: Int = 0
    var constant: Double = 0
    /// Whether the slot's value changes with the parameters; the reverse sweep skips the others.
    var dependsOnParameters = false
    /// Whether operand `a` / `b` depends on the parameters (so the reverse sweep propagates into it),
    /// stored here so the sweep does not reload the operands' instructions.
    var aFlows = false
    var bFlows = false

    /// The value of this instruction given its operand values (used for constant folding; the forward
    /// pass in `BoundFormula` inlines the same arithmetic).
    @inline(__always)
    func evaluate(_ x: Double, _ y: Double) -> Double {
        switch operation {
        case .constant: return constant
        case .parameter, .variable: return x
        case .negate: return -x
        case .add: return x + y
        case .subtract: return x - y
        case .multiply: return x * y
        case .divide: return x / y
        case .integerPower: return FormulaInstruction.integerPower(x, b)
        case .constantPower: return Foundation.pow(x, constant)
        case .power: return Foundation.pow(x, y)
        case .exp: return Foundation.exp(x)
        case .log: return Foundation.log(x)
        case .sqrt: return x.squareRoot()
        case .sin: return Foundation.sin(x)
        case .cos: return Foundation.cos(x)
        case .tan: return Foundation.tan(x)
        case .atan: return Foundation.atan(x)
        }
    }

    /// `x ** n` by repeated multiplication carried in double-double arithmetic (each product's rounding
    /// error recovered with a fused multiply-add), rounded once at the end: the result is within about
    /// half an ulp for every `|n| <= FormulaCompiler.integerPowerLimit`, which polynomial models of high
    /// degree (NIST Filip, `x**10`) need. `x ** 0 == 1` for every `x`, as `pow` does.
    @inline(__always)
    static func integerPower(_ x: Double, _ n: Int) -> Double {
        if n == 0 { return 1 }
        var hi = x
        var lo = 0.0
        var remaining = n.magnitude - 1
        while remaining > 0 {
            let product = hi * x
            // Overflow or a non-finite base: the plain product already is the answer (and the error
            // term would be NaN).
            guard product.isFinite else { return n > 0 ? product : 1 / product }
            let error = (-product).addingProduct(hi, x) + lo * x
            hi = product + error
            lo = error - (hi - product)
            remaining -= 1
        }
        if n > 0 { return hi + lo }
        // 1 / (hi + lo) with one Newton correction, so the reciprocal adds no second full rounding.
        let reciprocal = 1 / hi
        guard reciprocal.isFinite, reciprocal != 0 else { return reciprocal }
        let correction = 1.0.addingProduct(-hi, reciprocal) - lo * reciprocal
        return reciprocal.addingProduct(reciprocal, correction)
    }
}

/// Turns a bound formula tree into a tape, folding constant subexpressions.
struct FormulaCompiler {
    /// Integer exponents up to this magnitude use compensated repeated multiplication; larger ones `pow`.
    static let integerPowerLimit = 64

    private enum Operand {
        case constant(Double)
        case slot(Int)
    }

    private let parameterIndex: [String: Int]
    private let variableIndex: [String: Int]
    private var instructions: [FormulaInstruction] = []

    init(parameters: [String], variables: [String]) {
        parameterIndex = Dictionary(uniqueKeysWithValues: parameters.enumerated().map { ($1, $0) })
        variableIndex = Dictionary(uniqueKeysWithValues: variables.enumerated().map { ($1, $0) })
    }

    mutating func compile(_ node: FormulaNode) throws(FormulaError) -> Int {
        slot(try operand(node))
    }

    /// The finished tape; its last instruction is the formula's value.
    func finish(result: Int) -> [FormulaInstruction] {
        precondition(result == instructions.count - 1, "the formula's root must be the last instruction")
        return instructions
    }

    private mutating func operand(_ node: FormulaNode) throws(FormulaError) -> Operand {
        switch node {
        case .number(let value):
            return .constant(value)
        case .identifier(let name, let column):
            if let index = parameterIndex[name] {
                return emit(FormulaInstruction(operation: .parameter, a: index, dependsOnParameters: true))
            }
            if let index = variableIndex[name] {
                return emit(FormulaInstruction(operation: .variable, a: index))
            }
            throw FormulaError(
                .unknownIdentifier, column: column,
                "unknown name '\(name)': it is neither a parameter nor a variable")
        case .negate(let inner):
            return unary(.negate, try operand(inner))
        case .call(let function, let inner):
            return unary(FormulaInstruction.Operation(function), try operand(inner))
        case .chain(let first, let links):
            var accumulated = try operand(first)
            for link in links {
                let rhs = try operand(link.operand)
                let operation: FormulaInstruction.Operation
                switch link.op {
                case .add: operation = .add
                case .subtract: operation = .subtract
                case .multiply: operation = .multiply
                case .divide: operation = .divide
                }
                accumulated = binary(operation, accumulated, rhs)
            }
            return accumulated
        case .power(let base, let exponent):
            let lhs = try operand(base)
            let rhs = try operand(exponent)
            guard case .constant(let c) = rhs else { return binary(.power, lhs, rhs) }
            if c.rounded() == c, c.magnitude <= Double(Self.integerPowerLimit) {
                var instruction = FormulaInstruction(operation: .integerPower)
                instruction.b = Int(c)
                return unary(instruction, lhs)
            }
            var instruction = FormulaInstruction(operation: .constantPower)
            instruction.constant = c
            return unary(instruction, lhs)
        }
    }

    private mutating func unary(_ operation: FormulaInstruction.Operation, _ x: Operand) -> Operand {
        unary(FormulaInstruction(operation: operation), x)
    }

    private mutating func unary(_ template: FormulaInstruction, _ x: Operand) -> Operand {
        var instruction = template
        switch x {
        case .constant(let value):
            return .constant(instruction.evaluate(value, 0))
        case .slot(let index):
            instruction.a = index
            instruction.aFlows = instructions[index].dependsOnParameters
            instruction.dependsOnParameters = instruction.aFlows
            return emit(instruction)
        }
    }

    private mutating func binary(_ operation: FormulaInstruction.Operation, _ x: Operand, _ y: Operand) -> Operand {
        var instruction = FormulaInstruction(operation: operation)
        if case .constant(let u) = x, case .constant(let v) = y {
            return .constant(instruction.evaluate(u, v))
        }
        instruction.a = slot(x)
        instruction.b = slot(y)
        instruction.aFlows = instructions[instruction.a].dependsOnParameters
        instruction.bFlows = instructions[instruction.b].dependsOnParameters
        instruction.dependsOnParameters = instruction.aFlows || instruction.bFlows
        return emit(instruction)
    }

    private mutating func slot(_ operand: Operand) -> Int {
        switch operand {
        case .slot(let index): return index
        case .constant(let value):
            var instruction = FormulaInstruction(operation: .constant)
            instruction.constant = value
            instructions.append(instruction)
            return instructions.count - 1
        }
    }

    private mutating func emit(_ instruction: FormulaInstruction) -> Operand {
        instructions.append(instruction)
        return .slot(instructions.count - 1)
    }
}
