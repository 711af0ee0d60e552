import Foundation
import PropertyBased
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// Properties of NCA that hold for every profile, checked on generated ones (swift-property-based; a
/// failure prints the seed to reproduce it with `.fixedSeed`).
@Suite struct NCAPropertyTests {
    /// Strictly increasing times from 0 (or from a first positive time) and levels in [1, 1000]; every
    /// fourth level (by the generator's choice) BLQ when `blq` is set.
    static let profilePoints = zip(Gen.double(in: 0.05...10), Gen.double(in: 1...1000), Gen.int(in: 0...3))
        .array(of: 3...14)

    static func points(_ raw: [(Double, Double, Int)], blq: Bool, startAtZero: Bool = true) -> [(Double, Double?)] {
        var t = startAtZero ? 0.0 : raw[0].0
        var result: [(Double, Double?)] = []
        for (k, (step, level, flag)) in raw.enumerated() {
            if k > 0 { t += step }
            result.append((t, blq && flag == 0 ? nil : level))
        }
        return result
    }

    static func csv(_ subject: String, _ points: [(Double, Double?)]) -> [String] {
        points.map { "\(subject),\($0.0),\($0.1.map { "\($0)" } ?? "BLQ")" }
    }

    /// A deterministic permutation from a seed (Fisher–Yates over SplitMix64).
    static func shuffled<T>(_ items: [T], seed: UInt64) -> [T] {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var result = items
        for i in stride(from: result.count - 1, to: 0, by: -1) {
            result.swapAt(i, Int(next() % UInt64(i + 1)))
        }
        return result
    }

    @Test func resultsDoNotDependOnRowOrder() async {
        await propertyCheck(count: 60, input: Self.profilePoints, Self.profilePoints, Gen.uint64()) { a, b, seed in
            let rows =
                Self.csv("A", Self.points(a, blq: true)) + Self.csv("B", Self.points(b, blq: true, startAtZero: false))
            let header = "id,time,value\n"
            let sorted = try NCAAnalysis().run([
                ProfileReader().read(bytes: Array((header + rows.joined(separator: "\n")).utf8), file: "s.csv")
            ])
            let permuted = Self.shuffled(rows, seed: seed)
            let shuffled = try NCAAnalysis().run([
                ProfileReader().read(bytes: Array((header + permuted.joined(separator: "\n")).utf8), file: "p.csv")
            ])
            // Output rows follow first appearance; compare per subject.
            let bySubject = Dictionary(uniqueKeysWithValues: shuffled.results.map { ($0.subject, $0) })
            for result in sorted.results {
                #expect(bySubject[result.subject] == result, "\(result.subject)")
            }
        }
    }

    @Test func scalingLevelsScalesCmaxAndAUCsOnly() async {
        let k = Gen.element(of: [1e-6, 0.37, 2, 1000, 3.3e5]).compactMap { $0 }
        await propertyCheck(count: 80, input: Self.profilePoints, k) { raw, k in
            let points = Self.points(raw, blq: true)
            let base = NCA.analyze(makeProfile(points))
            let scaled = NCA.analyze(makeProfile(points.map { ($0.0, $0.1.map { $0 * k }) }))
            let tolerance = 1e-9
            expectClose(scaled.cmax.number, base.cmax.number.map { $0 * k }, relative: tolerance, "cmax")
            expectClose(scaled.auclast.number, base.auclast.number.map { $0 * k }, relative: tolerance, "auclast")
            expectClose(
                scaled.aucinfObserved.number, base.aucinfObserved.number.map { $0 * k }, relative: tolerance, "aucinf")
            for (s, b) in zip(scaled.intervals, base.intervals) {
                expectClose(s.auc.number, b.auc.number.map { $0 * k }, relative: tolerance, "\(s.interval.columnName)")
                expectClose(
                    s.aucExtrapolated.number, b.aucExtrapolated.number.map { $0 * k }, relative: tolerance,
                    "\(s.interval.columnName)_extrap")
            }
            #expect(scaled.tmax == base.tmax)
            #expect(scaled.tlast == base.tlast)
            switch (scaled.lambdaZ, base.lambdaZ) {
            case (.success(let s), .success(let b)):
                expectClose(s.lambdaZ, b.lambdaZ, relative: 1e-9, "λz")
                #expect(s.points == b.points)
            case (.failure, .failure): break
            default: Issue.record("λz estimable in one and not the other: \(scaled.lambdaZ) vs \(base.lambdaZ)")
            }
        }
    }

    /// Linear interpolation of `points` (sorted, no BLQ) integrated exactly over [a, b] ⊂ [t0, tn].
    static func exactIntegral(_ points: [(Double, Double)], from a: Double, to b: Double) -> Double {
        var total = 0.0
        for ((t0, c0), (t1, c1)) in zip(points, points.dropFirst()) {
            let lo = max(a, t0)
            let hi = min(b, t1)
            guard hi > lo else { continue }
            func c(_ t: Double) -> Double { c0 + (c1 - c0) * (t - t0) / (t1 - t0) }
            total += (hi - lo) * (c(lo) + c(hi)) / 2
        }
        return total
    }

    @Test func linearAUCOfPiecewiseLinearDataIsItsExactIntegral() async {
        await propertyCheck(count: 100, input: Self.profilePoints, Gen.double(in: 0...1), Gen.double(in: 0...1)) {
            raw, u, v in
            let points = Self.points(raw, blq: false).map { ($0.0, $0.1 ?? 0) }
            let tlast = points[points.count - 1].0
            let (a, b) = (min(u, v) * tlast, max(min(u, v) + 1e-3, max(u, v)) * tlast)
            var options = NCAOptions()
            options.aucMethod = .linear
            guard let window = AUCInterval(start: a, end: b) else { return }
            options.intervals = [window]
            let result = NCA.analyze(makeProfile(points.map { ($0.0, $0.1) }), options: options)
            expectClose(
                result.auclast.number, Self.exactIntegral(points, from: 0, to: tlast), relative: 1e-12, "auclast")
            expectClose(
                result.intervals[0].auc.number, Self.exactIntegral(points, from: a, to: min(b, tlast)),
                relative: 1e-10, absolute: 1e-9, "auc over [\(a), \(b)]")
        }
    }

    @Test func samplesOnAStraightSegmentLeaveLinearAUCsUnchanged() async {
        await propertyCheck(count: 100, input: Self.profilePoints, Gen.int(in: 0...100), Gen.double(in: 0.01...0.99)) {
            raw, pick, f in
            let points = Self.points(raw, blq: false).map { ($0.0, $0.1 ?? 0) }
            let i = pick % (points.count - 1)
            let (t0, c0) = points[i]
            let (t1, c1) = points[i + 1]
            let t = t0 + f * (t1 - t0)
            guard t > t0, t < t1 else { return }
            var refined = points
            refined.insert((t, c0 + (c1 - c0) * (t - t0) / (t1 - t0)), at: i + 1)
            var options = NCAOptions()
            options.aucMethod = .linear
            options.intervals = [interval(0, 28), interval(0, 90), interval(t0 / 2 + 0.01, t1 + 1)]
            let before = NCA.analyze(makeProfile(points.map { ($0.0, $0.1) }), options: options)
            let after = NCA.analyze(makeProfile(refined.map { ($0.0, $0.1) }), options: options)
            expectClose(after.auclast.number, before.auclast.number, relative: 1e-12, "auclast")
            for (x, y) in zip(after.intervals, before.intervals) {
                expectClose(x.auc.number, y.auc.number, relative: 1e-12, absolute: 1e-12, x.interval.columnName)
            }
            #expect(after.cmax == before.cmax && after.tmax == before.tmax && after.tlast == before.tlast)
        }
    }

    @Test func logDownAUCOfMonoExponentialDataIsItsExactIntegral() async {
        let rates = Gen.double(in: 0.01...2)
        let levels = Gen.double(in: 1e-3...1e6)
        let steps = Gen.double(in: 0.05...5).array(of: 3...12)
        await propertyCheck(count: 100, input: levels, rates, steps) { c0, k, steps in
            var t = 0.0
            var points: [(Double, Double?)] = [(0, c0)]
            for step in steps {
                t += step
                points.append((t, c0 * Foundation.exp(-k * t)))
            }
            let a = steps[0] / 2
            let b = t * 0.75
            var options = NCAOptions()
            options.intervals = [interval(a, b)]
            let result = NCA.analyze(makeProfile(points), options: options)
            expectClose(result.auclast.number, c0 / k * -Foundation.expm1(-k * t), relative: 1e-9, "auclast")
            expectClose(
                result.intervals[0].auc.number, c0 / k * (Foundation.exp(-k * a) - Foundation.exp(-k * b)),
                relative: 1e-9, "auc over [\(a), \(b)]")
            // The terminal phase is exactly log-linear: λz = k and AUCinf = C0/k.
            if case .success(let fit) = result.lambdaZ {
                expectClose(fit.lambdaZ, k, relative: 1e-9, "λz")
                expectClose(result.aucinfObserved.number, c0 / k, relative: 1e-9, "aucinf")
            } else {
                Issue.record("λz not estimated on exact exponential data: \(result.lambdaZ)")
            }
        }
    }

    /// Levels spanning 1e-300 … 1e300 with zeros mixed in: nothing traps, nothing is NaN, Cmax is the largest
    /// level exactly, and the areas stay finite (each is at most Tlast × Cmax < 1e303).
    @Test func extremeMagnitudesAndZerosNeverTrapOrGiveNaN() async {
        let exponent = Gen.double(in: -300...300)
        let sample = zip(Gen.double(in: 0.01...10), exponent, Gen.int(in: 0...4)).array(of: 1...12)
        await propertyCheck(count: 150, input: sample, Gen.bool) { raw, linear in
            var t = 0.0
            var points: [(Double, Double?)] = []
            for (step, e, flag) in raw {
                points.append((t, flag == 0 ? 0 : Foundation.pow(10, e)))
                t += step
            }
            var options = NCAOptions()
            if linear { options.aucMethod = .linear }
            let result = NCA.analyze(makeProfile(points), options: options)
            let largest = points.compactMap(\.1).max() ?? 0
            #expect(result.cmax == .value(largest))
            var values = [result.cmax, result.auclast, result.aucall, result.aucinfObserved]
            values += result.intervals.flatMap { [$0.auc, $0.aucExtrapolated] }
            for value in values {
                if let x = value.number { #expect(!x.isNaN && x >= 0, "\(points)") }
            }
            for value in [result.auclast] + result.intervals.map(\.auc) {
                if let x = value.number { #expect(x.isFinite, "\(points)") }
            }
            if case .success(let fit) = result.lambdaZ { #expect(fit.lambdaZ > 0 && fit.lambdaZ.isFinite) }
        }
    }
}
