import Foundation

/// A named group of measurements.
struct BenchmarkSection: Sendable {
    var name: String
    var title: String
    var run: @Sendable () -> Void
}

/// Operations per second of `body` (which performs one operation and returns a value that is folded into a
/// checksum so the optimiser cannot drop it), measured over about `seconds` of wall time after a warm-up.
func measureRate(seconds: Double = 1.0, _ body: () -> Double) -> (rate: Double, checksum: Double) {
    let clock = ContinuousClock()
    var checksum = 0.0
    for _ in 0..<10 { checksum += body() }
    var operations = 0
    let start = clock.now
    var elapsed = 0.0
    repeat {
        for _ in 0..<50 { checksum += body() }
        operations += 50
        let duration = clock.now - start
        elapsed = Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    } while elapsed < seconds
    return (Double(operations) / elapsed, checksum)
}

/// `value` with `digits` significant digits, for compact tables.
func formatted(_ value: Double, digits: Int = 4) -> String {
    String(format: "%.\(digits)g", value)
}
