import CARKineticsNumerics

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decimal text (bytes) to `Double`, correctly rounded, without allocating.
///
/// Accepted grammar (after trimming spaces): `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`.
/// Words such as `nan` or `inf`, hexadecimal floats and thousands separators are rejected, so a
/// malformed cell is never silently read as a number.
/// Values whose decimal significand has at most 15 digits and whose power of ten is at most 22 in
/// magnitude are exact by Clinger's fast path (both operands are exact doubles, one rounding);
/// everything else goes to the C library's `strtod`, which rounds correctly.
enum NumberParser {
    enum Outcome: Equatable {
        case number(Double)
        /// Syntactically a number but out of range (`1e400`), or a spelled-out non-finite value.
        case nonFinite
        /// A non-zero number too small for a `Double` (`1e-400`): it would round to 0 and pass for an
        /// observed zero, so it is refused like `1e400` (docs/robustness.md).
        case underflow
        case invalid
    }

    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    static func parse(_ raw: UnsafeBufferPointer<UInt8>) -> Outcome {
        let text = CSVScanner.trim(raw)
        let n = text.count
        guard n > 0 else { return .invalid }
        if let value = plainDecimal(text) { return .number(value) }
        var i = 0
        var negative = false
        if text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") {
            negative = text[i] == UInt8(ascii: "-")
            i += 1
        }
        var significand: UInt64 = 0
        var significantDigits = 0
        var digitCount = 0
        var decimalExponent = 0
        while i < n, let d = digit(text[i]) {
            accumulate(d, &significand, &significantDigits, &decimalExponent, fractional: false)
            digitCount += 1
            i += 1
        }
        if i < n, text[i] == UInt8(ascii: ".") {
            i += 1
            while i < n, let d = digit(text[i]) {
                accumulate(d, &significand, &significantDigits, &decimalExponent, fractional: true)
                digitCount += 1
                i += 1
            }
        }
        guard digitCount > 0 else { return isNonFiniteWord(text) ? .nonFinite : .invalid }
        if i < n, text[i] == UInt8(ascii: "e") || text[i] == UInt8(ascii: "E") {
            i += 1
            var exponentNegative = false
            if i < n, text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") {
                exponentNegative = text[i] == UInt8(ascii: "-")
                i += 1
            }
            var exponent = 0
            var exponentDigits = 0
            while i < n, let d = digit(text[i]) {
                if exponent < 100_000 { exponent = exponent * 10 + Int(d) }
                exponentDigits += 1
                i += 1
            }
            guard exponentDigits > 0 else { return .invalid }
            decimalExponent += exponentNegative ? -exponent : exponent
        }
        guard i == n else { return .invalid }

        if significantDigits <= 15, abs(decimalExponent) <= 22 {
            var value = Double(significand)
            if decimalExponent >= 0 {
                value *= powersOfTen[decimalExponent]
            } else {
                value /= powersOfTen[-decimalExponent]
            }
            return .number(negative ? -value : value)
        }
        let value = withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buffer -> Double in
            for k in 0..<n { buffer[k] = CChar(bitPattern: text[k]) }
            buffer[n] = 0
            return strtod(buffer.baseAddress!, nil)
        }
        // A zero from a non-zero significand is an underflow (a written zero, `0e-500`, has no significant digit).
        if value == 0, significantDigits > 0 { return .underflow }
        return value.isFinite ? .number(value) : .nonFinite
    }

    /// The common cell, `[-]digits[.digits]` with at most 15 digits in all, in one pass; nil for anything
    /// else, which the general grammar then reads. The value is the one the general path computes (the
    /// same significand and power of ten, Clinger's exact case), only without its bookkeeping.
    private static func plainDecimal(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0
        let negative = text[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        var significand: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var sawPoint = false
        while i < text.count {
            let d = text[i] &- 0x30
            if d < 10 {
                // Wrapping: a longer number overflows harmlessly and is rejected by the count below.
                significand = significand &* 10 &+ UInt64(d)
                digits += 1
                if sawPoint { fractionDigits += 1 }
            } else if text[i] == UInt8(ascii: "."), !sawPoint {
                sawPoint = true
            } else {
                return nil
            }
            i += 1
        }
        guard digits > 0, digits <= 15 else { return nil }
        var value = Double(significand)
        if fractionDigits > 0 { value /= powersOfTen[fractionDigits] }
        return negative ? -value : value
    }

    /// The error for an ``Outcome/underflow`` cell.
    static func underflowMessage(_ text: UnsafeBufferPointer<UInt8>) -> String {
        "\(MeasurementParser.quoted(text)) is too small to represent (it would be read as 0); write 0 for a zero"
    }

    private static func digit(_ byte: UInt8) -> UInt8? {
        byte >= 0x30 && byte <= 0x39 ? byte - 0x30 : nil
    }

    /// Leading zeros are not significant; digits past the 19th only matter to the slow path, which
    /// re-reads the text, so the fast-path significand just stops growing (and the count disqualifies it).
    private static func accumulate(
        _ d: UInt8, _ significand: inout UInt64, _ significantDigits: inout Int, _ decimalExponent: inout Int,
        fractional: Bool
    ) {
        if significantDigits == 0, d == 0 {
            if fractional { decimalExponent -= 1 }
            return
        }
        if significantDigits < 19 {
            significand = significand * 10 + UInt64(d)
            if fractional { decimalExponent -= 1 }
        } else if !fractional {
            decimalExponent += 1
        }
        significantDigits += 1
    }

    private static func isNonFiniteWord(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var body = text[...]
        if let first = body.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") { body = body.dropFirst() }
        let lowered = body.map { $0 | 0x20 }
        return lowered.elementsEqual("nan".utf8) || lowered.elementsEqual("inf".utf8)
            || lowered.elementsEqual("infinity".utf8)
    }
}
