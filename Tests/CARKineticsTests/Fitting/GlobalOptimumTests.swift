import Foundation
import Testing

@testable import CARKineticsModels

/// The exact global optimum of the mono-exponential decline (issue 14 item 1): expansion-monoexp against a dense
/// brute-force Tmax scan (`MonoexpScan`, which shares no code with the library), and stein never above the
/// optimum of its fb → 0 sub-model.
@Suite struct GlobalOptimumTests {
    /// Profiles (ln C) from the plateau family of `plateauProfile(seed:schedule:)` on which the multi-start alone
    /// ended in the wrong basin. Days 1, 4, 7, 9, 11, 14, 21, 28 — before the fix, stein and expansion-monoexp
    /// both ended at ssr 3.3175 (Tmax 6.24, ρ 1.52) where 2.3651 exists (Tmax 7.92, ρ 1.09, α 0.393).
    static let earlyPeakMissed: (times: [Double], logs: [Double]) = (
        [1, 4, 7, 9, 11, 14, 21, 28],
        [
            2.7582066327167034, 7.307443302550243, 9.290076586649361, 9.571463640286334, 9.782328016114546,
            9.11077088464448, 5.353117048303293, 2.7361817257937413,
        ]
    )
    /// Days 2, 4, 7, 9, 11, 14, 17, 21, 28: before the fix stein ended at ssr 2.3830 with Tmax 9.57, ρ 0.70 (the
    /// late, slow rise of the issue) where its fb → 0 sub-model reaches 1.7153 (Tmax 7.92, ρ 0.97, α 0.418).
    static let latePeakMissed: (times: [Double], logs: [Double]) = (
        [2, 4, 7, 9, 11, 14, 17, 21, 28],
        [
            4.365857663638042, 7.245826270501023, 9.324262906559776, 9.246775537966291, 9.478239888696406,
            8.600291193742773, 6.651287551490802, 4.826222258328362, 1.9186665668847878,
        ]
    )

    @Test func profilesInTheBasinTheGridMissesReachTheGlobalOptimum() throws {
        for (times, logs) in [Self.earlyPeakMissed, Self.latePeakMissed] {
            let values = logs.map { Foundation.exp($0) }
            let scan = try #require(MonoexpScan.best(times: times, logs: logs))
            let mono = try KineticFitter(model: .expansionMonoexp).fit(times: times, values: values)
            let stein = try KineticFitter(model: .stein).fit(times: times, values: values)
            let monoSSR = try #require(mono.ssr)
            let steinSSR = try #require(stein.ssr)
            #expect(monoSSR <= scan.ssr * (1 + 1e-9), "expansion-monoexp \(monoSSR) vs scan \(scan.ssr)")
            #expect(steinSSR <= scan.ssr * (1 + 1e-9), "stein \(steinSSR) vs its fb -> 0 optimum \(scan.ssr)")
            expectClose(mono.curve?.tmax, scan.tmax, relative: 1e-6, "tmax")
            expectClose(mono.curve?.rho, scan.rho, relative: 1e-6, "rho")
            expectClose(mono.curve?.alpha, scan.alpha, relative: 1e-6, "alpha")
        }
        // The numbers quoted above, so the fixtures keep meaning what the comments say.
        let early = try #require(MonoexpScan.best(times: Self.earlyPeakMissed.times, logs: Self.earlyPeakMissed.logs))
        expectClose(early.ssr, 2.3651029406, relative: 1e-9, "early ssr")
        let late = try #require(MonoexpScan.best(times: Self.latePeakMissed.times, logs: Self.latePeakMissed.logs))
        expectClose(late.ssr, 1.7153335930, relative: 1e-9, "late ssr")
    }

    /// The exact optimum over Tmax is at or below the best of a 100,000-point scan polished by golden sections,
    /// and the fitter reports it.
    @Test(arguments: 0..<4) func exactOptimumIsAtOrBelowADenseScan(_ index: Int) throws {
        let (times, logs) =
            switch index {
            case 0: Self.earlyPeakMissed
            case 1: Self.latePeakMissed
            default: Self.plateauProfile(seed: UInt64(index), schedule: 0)
            }
        let exact = try #require(MonoexpProfile.expansionMonoexp(times: times, logs: logs))
        let scan = try #require(MonoexpScan.best(times: times, logs: logs, count: 100_000))
        #expect(exact.ssr <= scan.ssr * (1 + 1e-12), "exact \(exact.ssr) vs scan \(scan.ssr)")
        // The scan's polish reaches the same point to its resolution.
        #expect(abs(exact.tmax - scan.tmax) < 1e-5 * scan.tmax, "tmax \(exact.tmax) vs \(scan.tmax)")
        let fit = try KineticFitter(model: .expansionMonoexp).fit(times: times, values: logs.map { Foundation.exp($0) })
        #expect(try #require(fit.ssr) <= scan.ssr * (1 + 1e-12))
    }

    /// At a kink the optimum is a sample time: a profile whose best Tmax is the peak sample itself.
    @Test func optimumOnASampleTimeIsFoundAndPinned() throws {
        // Exact lines (rise 1/day to day 7, fall 0.5/day after) with the day-7 sample 0.3 above their corner: each
        // interval's two-line fit is pulled towards the spike and meets outside its interval, so the optimum is
        // the kink at day 7.
        let times: [Double] = [1, 3, 5, 7, 10, 14, 21]
        var logs = times.map { $0 <= 7 ? 10 + ($0 - 7) : 10 - 0.5 * ($0 - 7) }
        logs[3] += 0.3
        let exact = try #require(MonoexpProfile.expansionMonoexp(times: times, logs: logs))
        let scan = try #require(MonoexpScan.best(times: times, logs: logs, count: 100_000))
        #expect(exact.atSample)
        #expect(exact.tmax == 7)
        #expect(exact.ssr <= scan.ssr * (1 + 1e-12) + 1e-300)
        let fit = try KineticFitter(model: .expansionMonoexp).fit(times: times, values: logs.map { Foundation.exp($0) })
        #expect(fit.curve?.tmax == 7)
        #expect(fit.note?.contains("kink") == true)
    }

    /// Property: on seeded noisy profiles with a plateau after an early steep rise (the shape of the issue),
    /// stein never ends above the global optimum of its fb → 0 sub-model, and expansion-monoexp reaches it.
    /// Before the fix, seed 39 ended above it on schedules 0 (stein 3.611 vs 3.290) and 1 (stein 3.967 vs
    /// 3.731).
    @Test(arguments: 0..<3) func steinIsNeverWorseThanItsMonoExponentialSubModel(_ schedule: Int) throws {
        var worse: [String] = []
        for seed in UInt64(30)..<50 {
            let (times, logs) = Self.plateauProfile(seed: seed, schedule: schedule)
            guard let scan = MonoexpScan.best(times: times, logs: logs, count: 20_000) else { continue }
            let values = logs.map { Foundation.exp($0) }
            let stein = try KineticFitter(model: .stein).fit(times: times, values: values)
            let mono = try KineticFitter(model: .expansionMonoexp).fit(times: times, values: values)
            if (stein.ssr ?? .infinity) > scan.ssr * (1 + 1e-9) { worse.append("stein seed \(seed)") }
            if (mono.ssr ?? .infinity) > scan.ssr * (1 + 1e-9) { worse.append("expansion-monoexp seed \(seed)") }
        }
        #expect(worse.isEmpty, "\(worse)")
    }

    /// A noisy expansion-monoexp profile (Tmax 5.8 d, ρ 1.5/day, α 0.34/day, residual SD 0.3) with a plateau
    /// bump of 0.3–1.8 added to two of the samples between days 8 and 14.
    static func plateauProfile(seed: UInt64, schedule: Int) -> (times: [Double], logs: [Double]) {
        let schedules: [[Double]] = [
            [1, 2, 3, 4, 7, 9, 11, 14, 17, 21, 28], [1, 4, 7, 9, 11, 14, 21, 28], [2, 4, 7, 9, 11, 14, 17, 21, 28],
        ]
        let times = schedules[schedule]
        var rng = SplitMix(seed: seed &+ 1000 * UInt64(schedule))
        let bump = Double.random(in: 0.3...1.8, using: &rng)
        let bumped = Set([8.0, 9, 11, 14].filter { times.contains($0) }.shuffled(using: &rng).prefix(2))
        let logs = times.map { t -> Double in
            let base = t <= 5.8 ? 10 + 1.5 * (t - 5.8) : 10 - 0.34 * (t - 5.8)
            return base + 0.3 * normal(&rng) + (bumped.contains(t) ? bump : 0)
        }
        return (times, logs)
    }

    static func normal(_ rng: inout SplitMix) -> Double {
        let u = max(Double.random(in: 0..<1, using: &rng), 1e-300)
        let v = Double.random(in: 0..<1, using: &rng)
        return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v)
    }
}
