import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

func parseCell(_ text: String, lloq: Double? = nil) -> MeasurementParser.Outcome {
    Array(text.utf8).withUnsafeBufferPointer { MeasurementParser.parse($0, lloq: lloq) }
}

extension MeasurementParser.Outcome {
    var measurement: MeasuredValue? {
        if case .measurement(let m) = self { return m }
        return nil
    }
    var message: String? {
        if case .invalid(let m) = self { return m }
        return nil
    }
}

@Suite struct MeasurementParserTests {
    @Test func belowLimitSpellingsInAnyCase() {
        for text in ["BLQ", "blq", "BQL", "bql", "<LLOQ", "<lloq", "ND", "nd", "NQ", "Nq", " BLQ "] {
            #expect(parseCell(text).measurement == .belowLimit(lloq: nil), "\(text)")
        }
        #expect(parseCell("BLQ", lloq: 50).measurement == .belowLimit(lloq: 50))
        #expect(parseCell("<1.0").measurement == .belowLimit(lloq: 1))
        #expect(parseCell("< 50").measurement == .belowLimit(lloq: 50))
    }

    @Test func valuesMissingAndLLOQThreshold() {
        #expect(parseCell("12.5").measurement == .value(12.5))
        #expect(parseCell("0").measurement == .value(0))
        #expect(parseCell("").measurement == .missing)
        #expect(parseCell("  ").measurement == .missing)
        #expect(parseCell("49.9", lloq: 50).measurement == .belowLimit(lloq: 50))
        #expect(parseCell("50", lloq: 50).measurement == .value(50), "a value equal to the LLOQ is quantifiable")
    }

    @Test func errors() {
        #expect(
            parseCell("1.2.3").message
                == "\"1.2.3\" is not a number; expected a number, empty, or BLQ, BQL, <LLOQ, <x, ND, NQ")
        #expect(parseCell("-3").message == "\"-3\" is negative; a concentration must be >= 0")
        #expect(parseCell("nan").message == "\"nan\" is not a finite number")
        #expect(parseCell("1e400").message == "\"1e400\" is not a finite number")
        #expect(parseCell("<abc").message?.hasPrefix("\"<abc\" is not a below-limit marker") == true)
        #expect(parseCell("<-1").message != nil)
    }
}
