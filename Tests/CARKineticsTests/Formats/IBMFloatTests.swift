@testable import CARKinetics
import Testing

/// IEEE ↔ IBM hexadecimal floating point. Expected bytes are worked out by hand from the definition
/// value = (−1)^s · 0.f (hexadecimal) · 16^(e − 64).
@Suite struct IBMFloatTests {
    @Test func knownEncodings() throws {
        // 1 = 0.1 (hex) · 16^1; 100 = 0x64 = 0.64 · 16^2; −118.625 = −0x76.A = −0.76A · 16^2 (the TS-140 example).
        #expect(try IBMFloat.encode(1) == [0x41, 0x10, 0, 0, 0, 0, 0, 0])
        #expect(try IBMFloat.encode(100) == [0x42, 0x64, 0, 0, 0, 0, 0, 0])
        #expect(try IBMFloat.encode(-118.625) == [0xC2, 0x76, 0xA0, 0, 0, 0, 0, 0])
        // 0.1 = 0x1.999999999999Ap−4 = 0.1999999999999A (hex, 14 digits) · 16^0: the 53 bits fill the 56-bit
        // fraction, whose top hex digit 1 has three leading zero bits.
        #expect(try IBMFloat.encode(0.1) == [0x40, 0x19, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9A])
        // In 4 bytes 0.1 keeps 0x199999 and the next bits 0x99… are above half: rounds up to 0x19999A (SAS
        // truncates to 0x199999; we round to nearest).
        #expect(try IBMFloat.encode(0.1, length: 4) == [0x40, 0x19, 0x99, 0x9A])
        // A carry out of the fraction renormalises: 0x0.FFFFFF8 in 4 bytes rounds to 0x1.0 = 0.1 · 16^1.
        #expect(try IBMFloat.encode(Double(0xFFFF_FF80) / 4_294_967_296, length: 4) == [0x41, 0x10, 0, 0])
        #expect(try IBMFloat.encode(0) == [0, 0, 0, 0, 0, 0, 0, 0])
        #expect(try IBMFloat.encode(-0.0) == [0x80, 0, 0, 0, 0, 0, 0, 0])
        #expect(throws: IBMFloat.EncodingError.notRepresentable) { try IBMFloat.encode(.infinity) }
        #expect(throws: IBMFloat.EncodingError.notRepresentable) { try IBMFloat.encode(.nan) }
        #expect(throws: IBMFloat.EncodingError.notRepresentable) { try IBMFloat.encode(1e76) }
        #expect(IBMFloat.decode([0xC2, 0x76, 0xA0, 0, 0, 0, 0, 0]) == -118.625)
        #expect(IBMFloat.decode([0x2E, 0, 0, 0, 0, 0, 0, 0]) == nil)
        #expect(IBMFloat.decode([0x5F, 0, 0]) == nil)
        #expect(IBMFloat.decode([0x41, 0x10]) == 1)
    }

    @Test func smallestAndLargest() throws {
        // Largest IBM number: 0x7FFFFFFFFFFFFFFF = (1 − 16^−14) · 16^63; its 56-bit fraction rounds up to 2^252.
        #expect(IBMFloat.decode([0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) == 0x1p252)
        // Smallest normalised: 0.1 (hex) · 16^−64 = 2^−260.
        #expect(IBMFloat.decode([0x00, 0x10, 0, 0, 0, 0, 0, 0]) == 0x1p-260)
        #expect(try IBMFloat.encode(0x1p-260) == [0x00, 0x10, 0, 0, 0, 0, 0, 0])
        // Below it the fraction loses digits: 2^−264 = 0.01 · 16^−64; 2^−320 (< half of 16^−78) is zero.
        #expect(try IBMFloat.encode(0x1p-264) == [0x00, 0x01, 0, 0, 0, 0, 0, 0])
        #expect(try IBMFloat.encode(0x1p-320) == [0, 0, 0, 0, 0, 0, 0, 0])
        #expect(try IBMFloat.encode(-0x1p-320) == [0x80, 0, 0, 0, 0, 0, 0, 0])
        // The largest double below 2^252 needs 53 bits: exact in 8 bytes.
        let top = 0x1p252.nextDown
        #expect(IBMFloat.decode(try IBMFloat.encode(top)) == top)
    }

    @Test func everyDoubleInRangeRoundTripsExactly() throws {
        var generator = SplitMix64(seed: 0x5A5_1BA5)
        var checked = 0
        for _ in 0..<200_000 {
            let x = Double(bitPattern: generator.next())
            guard x.isFinite, x == 0 || (abs(x) >= 0x1p-260 && abs(x) < 0x1p252) else { continue }
            let back = IBMFloat.decode(try IBMFloat.encode(x))
            #expect(back?.bitPattern == x.bitPattern, "\(x) came back as \(String(describing: back))")
            checked += 1
        }
        #expect(checked > 20_000)
        let edges: [Double] = [0x1p-260, 0x1p-260.nextUp, 0x1p252.nextDown, 1, 1.nextUp, 1.nextDown, 0.1, 1e-78, 7e75,
                               -2.5, 16, 15.999999999999998, 1e-10, 123456789.123456789]
        for x in edges {
            #expect(IBMFloat.decode(try IBMFloat.encode(x))?.bitPattern == x.bitPattern, "\(x)")
        }
    }

    @Test func shortLengthsRoundToNearest() throws {
        // For each length, the result is the nearest number with that many fraction bytes: no value with that
        // precision is closer (checked against the neighbours one unit in the last place away).
        var generator = SplitMix64(seed: 77)
        for _ in 0..<20_000 {
            let x = Double(bitPattern: generator.next() & 0x3FFF_FFFF_FFFF_FFFF | 0x3000_0000_0000_0000)
            for length in 2...7 {
                let bytes = try IBMFloat.encode(x, length: length)
                let y = try #require(IBMFloat.decode(bytes))
                var up = bytes
                var k = length - 1
                while k > 0 {
                    if up[k] == 0xFF { up[k] = 0; k -= 1 } else { up[k] += 1; break }
                }
                let next = IBMFloat.decode(up) ?? .infinity
                #expect(abs(y - x) <= abs(next - x), "\(x) in \(length) bytes")
                var down = bytes
                k = length - 1
                while k > 0 {
                    if down[k] == 0 { down[k] = 0xFF; k -= 1 } else { down[k] -= 1; break }
                }
                if let previous = IBMFloat.decode(down), down[1] != 0 {
                    #expect(abs(y - x) <= abs(previous - x), "\(x) in \(length) bytes")
                }
            }
        }
    }
}
