import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// The O(n) λz selection (incremental centred sums) picks the same candidate as the previous rule written
/// out naively — one two-pass regression per k, O(n²) — and its values agree to 1e-12 relative.
@Suite struct LambdaZIncrementalTests {
    /// The previous implementation, kept here as the reference: every candidate regressed from scratch.
    static func reference(times: [Double], levels: [Double], minimum: Int = 3, tolerance: Double = 1e-4) -> LambdaZFit?
    {
        let n = times.count
        guard n >= minimum else { return nil }
        let logLevels = levels.map { log($0) }
        var candidates: [LambdaZFit] = []
        var best = -Double.infinity
        for k in minimum...n {
            guard let fit = LambdaZ.regress(times[(n - k)...], logLevels[(n - k)...]), fit.slope < 0 else { continue }
            let adjusted = 1 - (1 - fit.r2) * Double(k - 1) / Double(k - 2)
            best = max(best, adjusted)
            candidates.append(
                LambdaZFit(
                    lambdaZ: -fit.slope, intercept: fit.intercept, r2: fit.r2, adjustedR2: adjusted,
                    points: k, timeFirst: times[n - k], timeLast: times[n - 1]))
        }
        return candidates.last { $0.adjustedR2 >= best - tolerance }
    }

    static func agree(_ a: LambdaZFit?, _ b: LambdaZFit?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return a.points == b.points && a.timeFirst == b.timeFirst && a.timeLast == b.timeLast
            && isClose(a.lambdaZ, b.lambdaZ, relative: 1e-12)
            && isClose(a.intercept, b.intercept, relative: 1e-12, absolute: 1e-12)
            && isClose(a.r2, b.r2, relative: 1e-12, absolute: 1e-12)
            && isClose(a.adjustedR2, b.adjustedR2, relative: 1e-12, absolute: 1e-12)
    }

    @Test func randomProfilesGiveTheReferenceSelection() {
        var g = RandomProfileTests.Generator(state: 911)
        var compared = 0
        for _ in 0..<3000 {
            let n = 3 + Int(g.next() % 60)
            let start = Double(g.next() % 1000) * [1, 1e-3, 1e5][Int(g.next() % 3)]
            var t = start
            var times: [Double] = []
            var levels: [Double] = []
            let scale = [1e-300, 1e-3, 1, 1e6, 1e300][Int(g.next() % 5)]
            let k = 0.01 + g.uniform()
            let noise = [0, 1e-9, 0.05, 0.5][Int(g.next() % 4)]
            for _ in 0..<n {
                t += 0.1 + g.uniform() * 5
                times.append(t)
                levels.append(scale * exp(-k * (t - start)) * (1 + noise * (g.uniform() - 0.5)))
            }
            let mine = try? LambdaZ.select(times: times, levels: levels).get()
            let theirs = Self.reference(times: times, levels: levels)
            #expect(Self.agree(mine, theirs), "n \(n): \(String(describing: mine)) vs \(String(describing: theirs))")
            compared += 1
        }
        #expect(compared == 3000)
    }

    @Test func fixtureProfilesGiveTheReferenceSelection() throws {
        let files = [
            ("data/aid_cd7_qpcr.csv", ColumnSelection()),
            ("data/waiha_cd19bcma_flow.csv", ColumnSelection(value: "car_t_cells_per_uL")),
            ("data/noise_free_profiles.csv", ColumnSelection()),
        ]
        for (file, selection) in files {
            let set = try ProfileReader(selection: selection).read(
                bytes: Array(try Data(contentsOf: fixtureURL(file))), file: file)
            for profile in set.profiles {
                let curve = ConcentrationCurve(profile: profile, rule: .pknca)
                guard let peak = NCA.cmaxIndex(curve), let last = curve.lastQuantifiable, last > peak else { continue }
                let times = Array(curve.times[(peak + 1)...last])
                let levels = Array(curve.levels[(peak + 1)...last])
                let quantifiable = zip(times, levels).filter { $0.1 > 0 }
                let t = quantifiable.map(\.0)
                let y = quantifiable.map(\.1)
                #expect(
                    Self.agree(try? LambdaZ.select(times: t, levels: y).get(), Self.reference(times: t, levels: y)),
                    "\(file) \(profile.subject)")
            }
        }
    }
}
