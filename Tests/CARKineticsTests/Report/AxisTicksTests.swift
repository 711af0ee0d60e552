import CARKinetics
import Testing

@testable import CARKineticsReports

@Suite("Axis ticks")
struct AxisTicksTests {
    func majors(_ layout: AxisLayout) -> [String] { layout.ticks.filter(\.isMajor).compactMap(\.label) }

    @Test("log axis over three decades: decades labelled, 2 and 5 minor ticks unlabelled")
    func threeDecades() {
        let axis = AxisLayout.logarithmic(minimum: 3, maximum: 4200)
        #expect(axis.lower == 1 && axis.upper == 10_000)
        #expect(majors(axis) == ["1", "10", "100", "1000", "10⁴"])
        let minors = axis.ticks.filter { !$0.isMajor }
        #expect(minors.map(\.value) == [2, 5, 20, 50, 200, 500, 2000, 5000])
        #expect(minors.allSatisfy { $0.label == nil })
    }

    @Test("range inside one decade: widened to the decade, minor ticks labelled")
    func withinDecade() {
        let axis = AxisLayout.logarithmic(minimum: 20, maximum: 80)
        #expect(axis.lower == 10 && axis.upper == 100)
        #expect(axis.ticks.compactMap(\.label) == ["10", "20", "50", "100"])
    }

    @Test("exact powers of ten stay on their decade; a single value gets one decade")
    func exactDecades() {
        let axis = AxisLayout.logarithmic(minimum: 0.001, maximum: 1000)
        #expect(axis.lower == 0.001 && axis.upper == 1000)
        #expect(majors(axis) == ["0.001", "0.01", "0.1", "1", "10", "100", "1000"])
        let single = AxisLayout.logarithmic(minimum: 100, maximum: 100)
        #expect(single.lower == 100 && single.upper == 1000)
    }

    @Test("many decades: no minor ticks, every second decade labelled, superscript powers")
    func manyDecades() {
        let axis = AxisLayout.logarithmic(minimum: 2e-6, maximum: 3e8)
        #expect(axis.lower == 1e-6 && axis.upper == 1e9)
        #expect(axis.ticks.allSatisfy(\.isMajor) && axis.ticks.count == 16)
        #expect(axis.ticks.compactMap(\.label) == ["10⁻⁶", "10⁻⁴", "0.01", "1", "100", "10⁴", "10⁶", "10⁸"])
    }

    @Test("positions on a log axis are proportional to log10")
    func fraction() {
        let axis = AxisLayout.logarithmic(minimum: 1, maximum: 1000)
        #expect(abs(axis.fraction(10) - 1.0 / 3) < 1e-12)
        #expect(abs(axis.fraction(1000) - 1) < 1e-12)
    }

    @Test("linear axis: nice steps, ends rounded outward")
    func linear() {
        let axis = AxisLayout.linear(minimum: -1, maximum: 28)
        // rough step 29/5 = 5.8 → 10
        #expect(axis.lower == -10 && axis.upper == 30)
        #expect(axis.ticks.compactMap(\.label) == ["-10", "0", "10", "20", "30"])
        let small = AxisLayout.linear(minimum: 0, maximum: 0.9)
        #expect(small.ticks.compactMap(\.label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let flat = AxisLayout.linear(minimum: 5, maximum: 5)
        #expect(flat.lower < 5 && flat.upper > 5)
    }
}

@Suite("Axis ticks, padded linear")
struct PaddedLinearAxisTests {
    @Test("padding keeps the axis close to the data and ticks inside it")
    func padded() {
        let axis = AxisLayout.linear(minimum: -1, maximum: 360, padding: 0.03)
        // step: rough 361/5 = 72.2 → 100; ends −1 − 10.83 and 360 + 10.83
        #expect(abs(axis.lower - (-1 - 0.03 * 361)) < 1e-12 && abs(axis.upper - (360 + 0.03 * 361)) < 1e-12)
        #expect(axis.ticks.compactMap(\.label) == ["0", "100", "200", "300"])
    }
}
