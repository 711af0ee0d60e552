import CARKinetics

/// libFuzzer entry point for the formula language. The input is `formula text` NUL `numbers`: the text is
/// parsed; when it parses, every right-side identifier but the last is bound as a parameter and the last as
/// the variable, and the model is evaluated, with and without its gradient, at values taken from the bytes
/// after the NUL (8 bytes per double, so NaN, infinities, zeros and extreme magnitudes all occur).
/// Parse and bind errors are fine; a trap or memory error is a bug, and so is a value that differs between
/// the two evaluation paths.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFormula(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    let split = bytes.firstIndex(of: 0) ?? bytes.count
    let text = String(decoding: bytes[..<split], as: UTF8.self)
    guard let formula = try? Formula(parsing: text) else { return 0 }
    let names = formula.identifiers
    let variables = names.isEmpty ? [] : [names[names.count - 1]]
    let parameters = Array(names.dropLast())
    guard let bound = try? formula.bind(parameters: parameters, variables: variables) else { return 0 }

    var numbers: [Double] = []
    var offset = split + 1
    while offset + 8 <= bytes.count {
        var bits: UInt64 = 0
        for k in 0..<8 { bits |= UInt64(bytes[offset + k]) << (8 * k) }
        numbers.append(Double(bitPattern: bits))
        offset += 8
    }
    let needed = bound.parameterCount + bound.variableCount
    while numbers.count < needed { numbers.append(Double(numbers.count) + 0.5) }
    let p = Array(numbers[0..<bound.parameterCount])
    let v = Array(numbers[bound.parameterCount..<needed])
    var gradient = [Double](repeating: 0, count: bound.parameterCount)
    p.withUnsafeBufferPointer { pp in
        v.withUnsafeBufferPointer { vp in
            let plain = bound.value(parameters: pp, variables: vp)
            let withGradient = gradient.withUnsafeMutableBufferPointer { g in
                bound.value(parameters: pp, variables: vp, gradient: g)
            }
            if plain.bitPattern != withGradient.bitPattern && !(plain.isNaN && withGradient.isNaN) {
                fatalError("value \(plain) differs from value with gradient \(withGradient) for \(text)")
            }
        }
    }
    _ = bound.transformResponse(numbers.last ?? 1)
    return 0
}
