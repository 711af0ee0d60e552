import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics

/// The text of a finite `Double` exactly as `Double.description` spells it, written into a byte buffer
/// without building a `String` (the CSV writer formats about 25 numbers per subject, and the `String` made
/// per number cost more than finding its digits).
///
/// Digits: the shortest decimal that reads back as the same double and, among those, the closest to it (ties
/// to an even last digit); the rounding interval includes its ends when the significand is even, as
/// round-half-even parsing does. Found by Giulietti's Schubfach method: the interval ends and the value are
/// scaled by a 126-bit approximation of 10^−k and rounded to odd, which keeps every comparison exact.
///
/// Layout (Swift's): `0.0` / `-0.0`; plain decimal with at least one digit after the point ("14.0", "0.0001")
/// when 10^−4 ≤ |x| ≤ 2^53; otherwise one digit, the rest after a point if any, and a signed exponent of at
/// least two digits ("1e-05", "9.007199254740994e+15", "5e-324").
enum ShortestDecimal {
    /// Bytes `write` may use: "-1.2345678901234567e-308" and "-0.00012345678901234567" are the longest forms.
    static let capacity = 32

    /// Writes the text of finite `x` at `out` (at least `capacity` bytes) and returns its length.
    static func write(_ x: Double, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var p = out
        if x.sign == .minus {
            p.pointee = UInt8(ascii: "-")
            p += 1
        }
        guard x != 0 else {
            p[0] = UInt8(ascii: "0")
            p[1] = UInt8(ascii: ".")
            p[2] = UInt8(ascii: "0")
            return p + 3 - out
        }
        var (value, exponent) = decimal(x.magnitude)
        while value % 10 == 0 {
            value /= 10
            exponent += 1
        }
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return withUnsafeMutableBytes(of: &scratch) { raw in
            // The digits go right-aligned into the scratch first, which also counts them.
            let end = raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + 20
            let digits = writeDigits(value, endingAt: end)
            let count = end - digits
            // x = 0.d1d2… × 10^point
            let point = count + exponent
            if point < -3 || x.magnitude > 9_007_199_254_740_992 {
                p[0] = digits[0]
                p += 1
                if count > 1 {
                    p[0] = UInt8(ascii: ".")
                    (p + 1).update(from: digits + 1, count: count - 1)
                    p += count
                }
                p[0] = UInt8(ascii: "e")
                p[1] = point - 1 < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+")
                let power = UInt64((point - 1).magnitude)
                p += power >= 100 ? 5 : 4
                _ = writeDigits(power, endingAt: p, minimumCount: 2)
                return p - out
            }
            if point <= 0 {
                p[0] = UInt8(ascii: "0")
                p[1] = UInt8(ascii: ".")
                p += 2
                for k in 0 ..< -point { p[k] = UInt8(ascii: "0") }
                p += -point
                p.update(from: digits, count: count)
                return p + count - out
            }
            if point < count {
                p.update(from: digits, count: point)
                p[point] = UInt8(ascii: ".")
                (p + point + 1).update(from: digits + point, count: count - point)
                return p + count + 1 - out
            }
            p.update(from: digits, count: count)
            for k in count..<point { p[k] = UInt8(ascii: "0") }
            p[point] = UInt8(ascii: ".")
            p[point + 1] = UInt8(ascii: "0")
            return p + point + 2 - out
        }
    }

    /// "00" … "99": two digits per division halves the divisions.
    private static var digitPairs: StaticString {
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
    }

    /// Writes the decimal digits of `value` (at least `minimumCount`, zero-padded) so that they end just before
    /// `end`, and returns where they start.
    private static func writeDigits(
        _ value: UInt64, endingAt end: UnsafeMutablePointer<UInt8>,
        minimumCount: Int = 1
    ) -> UnsafeMutablePointer<UInt8> {
        let pairs = digitPairs.utf8Start
        var rest = value
        var p = end
        while rest >= 100 {
            let pair = Int(rest % 100) * 2
            rest /= 100
            p -= 2
            p[0] = pairs[pair]
            p[1] = pairs[pair + 1]
        }
        if rest >= 10 || end - p + 1 < minimumCount {
            let pair = Int(rest) * 2
            p -= 2
            p[0] = pairs[pair]
            p[1] = pairs[pair + 1]
        } else {
            p -= 1
            p[0] = UInt8(truncatingIfNeeded: rest) &+ UInt8(ascii: "0")
        }
        return p
    }

    /// The shortest closest decimal of finite `x` > 0 as digits × 10^exponent (the digits may end in zeros).
    static func decimal(_ x: Double) -> (digits: UInt64, exponent: Int) {
        let bits = x.bitPattern
        let fraction = bits & (1 << 52 - 1)
        let biased = Int(bits >> 52)
        // x = c · 2^q
        let c = biased == 0 ? fraction : fraction | 1 << 52
        let q = (biased == 0 ? 1 : biased) - 1075
        if q <= 0, q > -53 {
            // An integer below 2^53: its own digits are the only candidate in an interval at most ±½ wide.
            let integer = c >> UInt64(-q)
            if integer << UInt64(-q) == c { return (integer, 0) }
        }
        // Interval [vl, vr] around x, in units of 2^(q−2): ±½ ulp, except that the lower neighbour of a power
        // of two (above the subnormals) is only ¼ ulp away. Its ends count when c is even.
        let open: UInt64 = c & 1
        let cb = c << 2
        let cbr = cb + 2
        let cbl: UInt64
        let k: Int
        if fraction != 0 || biased <= 1 {
            cbl = cb - 2
            k = floorLog10Pow2(q)
        } else {
            cbl = cb - 1
            k = floorLog10ThreeQuartersPow2(q)
        }
        // 10^−k ≈ g · 2^r with g on 126 bits; the shift makes (c·2^q·10^−k) · 4 = (g · (cb << h)) / 2^127.
        let power = PowerTable.shared.entry(-k)
        let h = q + power.exponent + 127
        let vb = scaled(power, cb << UInt64(h))
        let vbl = scaled(power, cbl << UInt64(h))
        let vbr = scaled(power, cbr << UInt64(h))
        // s ≤ x·10^−k < s + 1; the interval is narrower than 10 units, so it holds at most one multiple of
        // 10 (a shorter candidate, chosen when present), and at least one of s and s + 1.
        let s = vb >> 2
        if s >= 10 {
            let shorter = s / 10 * 10
            let upper = shorter + 10
            let shorterIn = vbl + open <= shorter << 2
            let upperIn = (upper << 2) + open <= vbr
            if shorterIn != upperIn { return (shorterIn ? shorter : upper, k) }
        }
        let t = s + 1
        let sIn = vbl + open <= s << 2
        let tIn = (t << 2) + open <= vbr
        if sIn != tIn { return (sIn ? s : t, k) }
        // Both (or, at the extremes of precision, neither) qualify: the closer one, the even one on a tie.
        let midpoint = (s + t) << 1
        return (vb < midpoint || (vb == midpoint && s & 1 == 0) ? s : t, k)
    }

    /// g · cp / 2^127 rounded to odd: the integer part, with the last bit set when any fraction was lost,
    /// so comparisons against multiples of 4 come out as with the exact product.
    private static func scaled(_ g: PowerTable.Entry, _ cp: UInt64) -> UInt64 {
        let x1 = g.low.multipliedFullWidth(by: cp).high
        let y = g.high.multipliedFullWidth(by: cp)
        let z = (y.low >> 1) + x1
        let mask: UInt64 = 1 << 63 - 1
        return (y.high + (z >> 63)) | ((z & mask) + mask) >> 63
    }

    /// ⌊q · log10 2⌋ for |q| ≤ 1100 (661971961083 / 2^41 agrees with log10 2 to 3·10^−14).
    static func floorLog10Pow2(_ q: Int) -> Int {
        (q * 661_971_961_083) >> 41
    }

    /// ⌊log10(¾ · 2^q)⌋ for |q| ≤ 1100.
    static func floorLog10ThreeQuartersPow2(_ q: Int) -> Int {
        (q * 661_971_961_083 - 274_743_187_321) >> 41
    }
}

/// g = ⌊10^e · 2^−r⌋ + 1 on 126 bits (2^125 ≤ g − 1 < 2^126), for e in −292 … 324 (every power that a
/// double's k needs), split as g = high · 2^63 + low. Computed once, exactly, with plain multi-word
/// arithmetic (repeated ×10 for e ≥ 0, repeated ÷10 of 2^1120 for e < 0), so no table is typed in.
struct PowerTable: Sendable {
    struct Entry: Sendable {
        var high: UInt64
        var low: UInt64
        /// r: 10^e ≈ g · 2^r.
        var exponent: Int
    }

    static let shared = PowerTable()
    static let smallest = -292
    static let largest = 324

    private let entries: [Entry]

    func entry(_ e: Int) -> Entry {
        entries[e - Self.smallest]
    }

    private init() {
        var entries = [Entry](repeating: Entry(high: 0, low: 0, exponent: 0), count: Self.largest - Self.smallest + 1)
        var power = WideInteger(1)
        for e in 0...Self.largest {
            if e > 0 { power.multiply(by: 10) }
            entries[e - Self.smallest] = Self.entry(power, scale: 0)
        }
        // ⌊⌊a/b⌋/c⌋ = ⌊a/(bc)⌋, so dividing by 10 repeatedly gives ⌊2^1120 / 10^m⌋ exactly; 2^1120 / 10^292
        // still has more than 126 bits.
        let scale = 1120
        var reciprocal = WideInteger.powerOfTwo(scale)
        for m in 1 ... -Self.smallest {
            reciprocal.divide(by: 10)
            entries[-m - Self.smallest] = Self.entry(reciprocal, scale: -scale)
        }
        self.entries = entries
    }

    /// The entry of value · 2^scale: its top 126 bits (exact or truncated) plus one.
    private static func entry(_ value: WideInteger, scale: Int) -> Entry {
        let shift = value.bitWidth - 126
        let top = value.bits(from: shift)
        let g = (high: top.high + (top.low == .max ? 1 : 0), low: top.low &+ 1)
        return Entry(high: g.high << 1 | g.low >> 63, low: g.low & (1 << 63 - 1), exponent: shift + scale)
    }
}

/// A non-negative integer of any size as 32-bit words, least significant first; only what `PowerTable` needs.
private struct WideInteger {
    private var words: [UInt32]

    init(_ value: UInt32) {
        words = [value]
    }

    static func powerOfTwo(_ n: Int) -> WideInteger {
        var result = WideInteger(0)
        result.words = [UInt32](repeating: 0, count: n / 32 + 1)
        result.words[n / 32] = 1 << UInt32(n % 32)
        return result
    }

    var bitWidth: Int {
        guard let top = words.lastIndex(where: { $0 != 0 }) else { return 0 }
        return top * 32 + 32 - words[top].leadingZeroBitCount
    }

    mutating func multiply(by factor: UInt32) {
        var carry: UInt64 = 0
        for i in words.indices {
            let product = UInt64(words[i]) * UInt64(factor) + carry
            words[i] = UInt32(truncatingIfNeeded: product)
            carry = product >> 32
        }
        if carry > 0 { words.append(UInt32(carry)) }
    }

    mutating func divide(by divisor: UInt32) {
        var remainder: UInt64 = 0
        for i in words.indices.reversed() {
            let current = remainder << 32 | UInt64(words[i])
            words[i] = UInt32(current / UInt64(divisor))
            remainder = current % UInt64(divisor)
        }
    }

    /// ⌊self / 2^shift⌋ (or self · 2^−shift for a negative shift) as a 128-bit (high, low) pair; the result
    /// must fit in 128 bits.
    func bits(from shift: Int) -> (high: UInt64, low: UInt64) {
        /// 32 bits of the value starting at bit `i` (zeros outside it).
        func word(at i: Int) -> UInt64 {
            let index = i >> 5
            let offset = i & 31
            func at(_ k: Int) -> UInt64 { k >= 0 && k < words.count ? UInt64(words[k]) : 0 }
            return (at(index) >> UInt64(offset) | at(index + 1) << UInt64(32 - offset)) & 0xFFFF_FFFF
        }
        return (
            high: word(at: shift + 96) << 32 | word(at: shift + 64), low: word(at: shift + 32) << 32 | word(at: shift)
        )
    }
}
