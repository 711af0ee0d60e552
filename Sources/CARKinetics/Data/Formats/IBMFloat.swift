/// IBM System/370 hexadecimal floating point, the number format of SAS transport files (TS-140).
///
/// An IBM double is a sign bit, a 7-bit exponent `e` in excess 64 and a 56-bit fraction `f`, stored big-endian
/// and possibly truncated on the right to 2–7 bytes: its value is (−1)^s · f · 2^−56 · 16^(e − 64). The
/// range is 16^−65 ≈ 5.4e−79 to (1 − 16^−14) · 16^63 ≈ 7.2e75, inside the range of IEEE normal doubles, so
/// reading needs one rounding only (56 to 53 significant bits, in `Double(UInt64)`, to nearest, ties to even)
/// and writing an IEEE double in that range to 8 bytes is exact: its 53-bit significand shifted left by
/// 0–3 bits to align the exponent to a multiple of 4 fits in 56 bits.
enum IBMFloat {
    /// The missing-value codes of SAS: `.` (ordinary), `._` and `.A`–`.Z` (special), stored as that byte
    /// followed by zero bytes.
    static func missingCode(_ first: UInt8) -> Character? {
        switch first {
        case UInt8(ascii: "."): "."
        case UInt8(ascii: "_"): "_"
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): Character(Unicode.Scalar(first))
        default: nil
        }
    }

    /// The value of the IBM number in `bytes` (1–8 of them, the missing ones taken as zero), or nil for a
    /// missing value (`missingCode` of the first byte with all other bytes zero).
    static func decode(_ bytes: some Collection<UInt8>) -> Double? {
        var word: UInt64 = 0
        var count = 0
        for byte in bytes.prefix(8) {
            word = word << 8 | UInt64(byte)
            count += 1
        }
        guard count > 0 else { return nil }
        word <<= UInt64(8 * (8 - count))
        let first = UInt8(truncatingIfNeeded: word >> 56)
        let fraction = word & 0x00FF_FFFF_FFFF_FFFF
        if fraction == 0 {
            if missingCode(first) != nil { return nil }
            return first & 0x80 != 0 ? -0.0 : 0.0
        }
        let exponent = Int(first & 0x7F) - 64
        // Exact: the fraction (≤ 56 bits) is rounded once to 53 bits; the power of two cannot leave the normal range.
        let magnitude = Double(fraction) * pow2(4 * exponent - 56)
        return first & 0x80 != 0 ? -magnitude : magnitude
    }

    /// 2^k for the exponents IBM numbers can reach.
    private static func pow2(_ k: Int) -> Double {
        Double(sign: .plus, exponent: k, significand: 1)
    }

    /// Why a double cannot be written as an IBM number.
    enum EncodingError: Error, Equatable {
        /// Infinite, NaN, or beyond the largest IBM number (≈ 7.2e75) after rounding.
        case notRepresentable
    }

    /// The IBM number nearest to `x` (ties to even) in `length` bytes (2–8), big-endian. Values below the
    /// smallest normalised IBM number are written unnormalised (fewer significant bits), as IBM allows, and
    /// round to zero below half the smallest unnormalised one; zero keeps its sign.
    static func encode(_ x: Double, length: Int = 8) throws(EncodingError) -> [UInt8] {
        let length = Swift.min(8, Swift.max(2, length))
        guard x.isFinite else { throw .notRepresentable }
        let sign: UInt64 = x.sign == .minus ? 1 << 63 : 0
        var bytes = [UInt8](repeating: 0, count: length)
        if x == 0 {
            bytes[0] = sign != 0 ? 0x80 : 0
            return bytes
        }
        // |x| = m · 2^k with m a 53-bit integer (subnormal doubles are far below the IBM range: they round to 0).
        let m = x.significandBitPattern | (x.isNormal ? 1 << 52 : 0)
        let k = Int(x.exponent) - 52
        // f · 2^(4(e−64) − 56) = m · 2^k with 2^52 ≤ f < 2^56: shift m left by s = (k − 4q) ∈ 0...3.
        let shift = ((k % 4) + 4) % 4
        var fraction = m << UInt64(shift)
        var exponent = (k - shift + 56) / 4 + 64
        // Keep `bits` fraction bits: 8·length − 8; an exponent below 0 shifts the fraction right 4 bits per step.
        var drop = 64 - 8 * length
        if exponent < 0 {
            drop += 4 * -exponent
            exponent = 0
        }
        if drop > 0 {
            guard drop <= 56 + 1 else { return zero(sign: sign, length: length) }
            let kept = drop >= 64 ? 0 : fraction >> UInt64(drop)
            let remainder = drop >= 64 ? fraction : fraction & ((1 << UInt64(drop)) - 1)
            let half: UInt64 = 1 << UInt64(drop - 1)
            var rounded = kept
            if remainder > half || (remainder == half && kept & 1 == 1) { rounded += 1 }
            let width = 56 - (64 - 8 * length)
            // A carry out of the kept width renormalises: one hex digit to the right, exponent up by one.
            if rounded >> UInt64(width) != 0 {
                rounded >>= 4
                exponent += 1
            }
            fraction = rounded << UInt64(64 - 8 * length)
            if exponent == 0 && fraction == 0 { return zero(sign: sign, length: length) }
        }
        guard exponent <= 127 else { throw .notRepresentable }
        let word = sign | UInt64(exponent) << 56 | fraction
        for i in 0..<length { bytes[i] = UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * i)) }
        return bytes
    }

    private static func zero(sign: UInt64, length: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: length)
        bytes[0] = sign != 0 ? 0x80 : 0
        return bytes
    }
}
