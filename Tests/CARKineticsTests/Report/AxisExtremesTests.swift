import Foundation
import Testing
@testable import CARKinetics

/// Issue 11: axis layout on extreme data never traps (the old code stopped with "Double value cannot be
/// converted to Int" for a one-row file at time 5e-324) and never gives NaN positions.
@Suite struct AxisExtremesTests {
    static let ranges: [(Double, Double)] = [
        (0, 5e-324), (5e-324, 5e-324), (0, 0), (-1.7e308, 1.7e308), (0, .greatestFiniteMagnitude),
        (-.greatestFiniteMagnitude, -.greatestFiniteMagnitude), (1e-300, 1e-299), (.nan, 1), (1, .infinity), (3, 2),
    ]

    @Test(arguments: ranges)
    func linearAxisIsFiniteForAnyRange(_ low: Double, _ high: Double) {
        for padding in [nil, 0.03] as [Double?] {
            let axis = AxisLayout.linear(minimum: low, maximum: high, padding: padding)
            #expect(axis.lower.isFinite && axis.upper.isFinite && axis.lower < axis.upper, "\(low)…\(high): \(axis.lower)…\(axis.upper)")
            #expect(!axis.ticks.isEmpty && axis.ticks.count <= 1001)
            for value in [low, high, axis.lower, axis.upper] + axis.ticks.map(\.value) where value.isFinite {
                #expect(axis.fraction(value).isFinite, "\(low)…\(high): position of \(value)")
            }
        }
    }

    @Test(arguments: [(5e-324, 1.0), (5e-324, 5e-324), (1.0, 1.7e308), (1e308, .greatestFiniteMagnitude), (1e-320, 1e300)])
    func logarithmicAxisIsFiniteForAnyPositiveRange(_ low: Double, _ high: Double) {
        let axis = AxisLayout.logarithmic(minimum: low, maximum: high)
        #expect(axis.lower > 0 && axis.upper.isFinite && axis.lower < axis.upper, "\(low)…\(high): \(axis.lower)…\(axis.upper)")
        for value in [low, high] + axis.ticks.map(\.value) {
            #expect(axis.fraction(value).isFinite, "\(low)…\(high): position of \(value)")
        }
    }

    @Test func temporaryNamesFitAnyValidFileName() {
        for name in [String(repeating: "n", count: 255), String(repeating: "é", count: 127), "a"] {
            let temporary = TemporaryFiles.temporaryName(for: name)
            #expect(temporary.utf8.count <= 255, "\(temporary.utf8.count) bytes")
            #expect(temporary.hasPrefix(".") && temporary.hasSuffix(".tmp"))
        }
    }
}
