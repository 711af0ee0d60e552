import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// `ShortestDecimal` must spell every finite double exactly as `Double.description` does (the CSV output is
/// promised byte for byte), so each test compares the two over a family of values.
@Suite struct ShortestDecimalTests {
    private func text(_ x: Double) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ShortestDecimal.capacity) { buffer in
            let count = ShortestDecimal.write(x, to: buffer.baseAddress!)
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<count]), as: UTF8.self)
        }
    }

    /// The first mismatches (value's bits, ours, Swift's); empty when all agree.
    private func mismatches(_ values: some Sequence<Double>) -> [String] {
        var found: [String] = []
        for x in values where x.isFinite {
            for v in [x, -x] where text(v) != v.description {
                if found.count < 10 {
                    found.append("\(String(v.bitPattern, radix: 16)): \(text(v)) vs \(v.description)")
                }
            }
        }
        return found
    }

    @Test func handPickedValues() {
        let expected: [(Double, String)] = [
            (0, "0.0"), (-0.0, "-0.0"), (14, "14.0"), (0.1, "0.1"), (5.371610362673248, "5.371610362673248"),
            (1e-4, "0.0001"), (1e-5, "1e-05"), (1e16, "1e+16"), (6e15, "6000000000000000.0"),
            (9_007_199_254_740_992, "9007199254740992.0"), (9_007_199_254_740_994, "9.007199254740994e+15"),
            (.leastNonzeroMagnitude, "5e-324"), (.greatestFiniteMagnitude, "1.7976931348623157e+308"),
            (-1.5e-7, "-1.5e-07"), (123_456.789, "123456.789"),
        ]
        for (x, spelled) in expected { #expect(text(x) == spelled) }
    }

    @Test func randomBitPatterns() {
        var generator = SplitMix(seed: 20_251_122)
        let values = (0..<200_000).map { _ in Double(bitPattern: generator.next() >> 1) }
        #expect(mismatches(values) == [])
    }

    /// Every binary exponent with its smallest, largest and a random significand: powers of two take the
    /// asymmetric-interval path, biased exponents 0 and 1 the subnormal edge.
    @Test func everyBinaryExponent() {
        var generator = SplitMix(seed: 3)
        var values: [Double] = []
        for biased: UInt64 in 0...2046 {
            for fraction: UInt64 in [0, 1, 2, 1 << 52 - 1, generator.next() & (1 << 52 - 1)] {
                values.append(Double(bitPattern: biased << 52 | fraction))
            }
        }
        #expect(mismatches(values) == [])
    }

    /// Short decimals in every decade, and their neighbours: these hit the "one digit fewer" candidates and
    /// the interval ends.
    @Test func shortDecimalsAndNeighbours() {
        var generator = SplitMix(seed: 11)
        var values: [Double] = []
        for exponent in -325...308 {
            for digits in 1...17 {
                let significand = generator.next() % 100_000_000_000_000_000
                guard let x = Double("\(significand % pow10(digits))e\(exponent)") else { continue }
                values += [x, x.nextUp, x.nextDown]
            }
            if let power = Double("1e\(exponent)") { values += [power, power.nextUp, power.nextDown] }
        }
        #expect(mismatches(values) == [])
    }

    @Test func integersAndTheDecimalNotationLimits() {
        var values: [Double] = (0...5000).map(Double.init)
        var generator = SplitMix(seed: 5)
        values += (0..<20_000).map { _ in Double(generator.next() >> UInt64(generator.next() % 64)) }
        let limit = 9_007_199_254_740_992.0
        values += [limit, limit.nextUp, limit.nextDown, 1e-4, (1e-4).nextUp, (1e-4).nextDown, 1e-3, 0.5, 2.5]
        #expect(mismatches(values) == [])
    }

    @Test func floorLogarithmsMatchTheirDefinitions() {
        for q in -1100...1100 {
            let exact = Double(q) * log10(2.0)
            #expect(ShortestDecimal.floorLog10Pow2(q) == Int(exact.rounded(.down)), "q = \(q)")
            #expect(
                ShortestDecimal.floorLog10ThreeQuartersPow2(q) == Int((exact + log10(0.75)).rounded(.down)), "q = \(q)")
        }
    }

    @Test func csvNumbersUseTheSameSpelling() {
        #expect(CSVWriter.number(.nan) == "NaN")
        #expect(CSVWriter.number(-.infinity) == "-inf")
        var bytes: [UInt8] = []
        CSVWriter.appendRow(
            [
                .number(0.30000000000000004), .number(.infinity), .integer(-12), .number(-0.0), .empty,
                .text("a,\"b\""), .number(.nan), .text("é"),
            ], to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "0.30000000000000004,inf,-12,-0.0,,\"a,\"\"b\"\"\",NaN,é\n")
        var generator = SplitMix(seed: 8)
        for n in [0, 7, -7, 10, Int.min, Int.max]
            + (0..<1000).map({ _ in Int(bitPattern: UInt(generator.next())) >> (generator.next() % 64) })
        {
            var digits: [UInt8] = []
            CSVWriter.appendRow([.integer(n)], to: &digits)
            #expect(String(decoding: digits, as: UTF8.self) == String(n) + "\n")
        }
    }

    private func pow10(_ n: Int) -> UInt64 {
        (0..<n).reduce(1) { value, _ in value * 10 }
    }
}
