import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

func parseNumber(_ text: String) -> NumberParser.Outcome {
    Array(text.utf8).withUnsafeBufferPointer { NumberParser.parse($0) }
}

@Suite struct NumberParserTests {
    @Test func acceptedForms() {
        #expect(parseNumber("1.5") == .number(1.5))
        #expect(parseNumber(" -2e-3 ") == .number(-0.002))
        #expect(parseNumber("+.5") == .number(0.5))
        #expect(parseNumber("7.") == .number(7))
        #expect(parseNumber("0.1") == .number(0.1))
        #expect(parseNumber("1E+2") == .number(100))
        #expect(parseNumber("00012.50") == .number(12.5))
        #expect(parseNumber("0e-400") == .number(0))
        #expect(parseNumber("4.9e-324") == .number(4.9e-324), "the smallest subnormal is a number")
    }

    /// A non-zero number that rounds to 0 would pass for an observed zero: refused (issue 11).
    @Test func underflowIsNotZero() {
        for text in ["1e-400", "-2.5e-330", "0.0000001e-330"] {
            #expect(parseNumber(text) == .underflow, "\(text)")
        }
    }

    @Test func rejectedForms() {
        for text in ["", "1.2.3", "abc", "1e", "1e+", ".", "-", "0x10", "1,5", "12a", "- 1"] {
            #expect(parseNumber(text) == .invalid, "\(text)")
        }
        for text in ["nan", "NaN", "inf", "-Infinity", "1e400", "-1e309"] {
            #expect(parseNumber(text) == .nonFinite, "\(text)")
        }
    }

    @Test func roundTripsShortestDecimalsOfRandomDoubles() {
        var state: UInt64 = 12345
        for _ in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let x = Double(bitPattern: state >> 1)
            guard x.isFinite else { continue }
            #expect(parseNumber(x.description) == .number(x), "\(x)")
        }
    }

    @Test func fastPathMatchesCorrectRounding() {
        var state: UInt64 = 777
        for _ in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let significand = (state >> 11) % 1_000_000_000_000_000
            let exponent = Int((state >> 3) % 45) - 22
            let text = "\(significand)e\(exponent)"
            #expect(parseNumber(text) == .number(Double(text)!), "\(text)")
            let decimal = "0.\(significand)"
            #expect(parseNumber(decimal) == .number(Double(decimal)!), "\(decimal)")
        }
    }

    /// Plain `[-]digits.digits` cells take a one-pass path; the same text with an exponent (`e0`) takes the
    /// general one: both must give the correctly rounded value, bit for bit (signed zero included).
    @Test func plainDecimalsAgreeWithTheGeneralPath() {
        var generator = SplitMix(seed: 31)
        for _ in 0..<20_000 {
            let digits = Int(generator.next() % 18) + 1
            var body = String(generator.next() % 1_000_000_000_000_000_000).prefix(digits)
            let point = Int(generator.next() % UInt64(body.count + 1))
            body.insert(".", at: body.index(body.startIndex, offsetBy: point))
            let text = (generator.next() % 2 == 0 ? "-" : "") + body
            guard let expected = Double(text) else { continue }
            let plain = parseNumber(text)
            let general = parseNumber(text + "e0")
            #expect(plain == .number(expected) && general == .number(expected), "\(text)")
            if case .number(let x) = plain { #expect(x.sign == expected.sign, "\(text)") }
        }
        #expect(parseNumber("-0.000") == .number(-0.0))
        if case .number(let x) = parseNumber("-0.000") { #expect(x.sign == .minus) }
    }

    @Test func longDecimalsRoundCorrectly() {
        // 17+ significant digits and halfway cases go through strtod
        for text in [
            "0.30000000000000004", "2.2250738585072014e-308", "4.9406564584124654e-324",
            "9007199254740993", "1.7976931348623157e308", "123456789012345678901234567890",
        ] {
            #expect(parseNumber(text) == .number(Double(text)!), "\(text)")
        }
    }
}
