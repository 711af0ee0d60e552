import CARKinetics
import Foundation

/// Stein fits with BLQ samples censored (M3) against least squares (BLQ dropped) on the fit cohort of the `fit`
/// section (LLOQ 50), measured in the same run: `pkfit fit` end to end (release binary, all cores), and the
/// library's fitter on one core over the same subjects. Target: M3 within 2× of least squares.
let censoredFitSection = BenchmarkSection(
    name: "m3", title: "pkfit fit --blq m3 vs --blq drop (stein, same cohort, same run)"
) {
    guard let pkfit = siblingExecutable("pkfit") else {
        print("  pkfit not found next to this benchmark; build it first: swift build -c release")
        return
    }
    do {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("fit-cohort.csv")
        let output = directory.appendingPathComponent("fit.csv")
        try CohortGenerator(subjects: fitSubjects, seed: 7).write(to: input)
        let lloq = String(CohortGenerator.lloq)
        let common = [pkfit, "fit", "--model", "stein", input.path, "--lloq", lloq, "--output", output.path]
        let drop = bestOf(3, common + ["--blq", "drop"])
        let m3 = bestOf(3, common + ["--blq", "m3"])
        guard drop.status == 0, m3.status == 0 else {
            print("  pkfit fit failed (status \(drop.status), \(m3.status))")
            return
        }
        let profiles = try ProfileReader().read(contentsOf: input).profiles
        let count = Double(profiles.count)
        print("  cohort: \(profiles.count) subjects (LLOQ \(lloq))")
        print(
            "    pkfit fit --blq drop (least squares) \(formatted(count / drop.seconds, digits: 4)) subjects/s wall, \(formatted(count / drop.cpuSeconds, digits: 4)) per CPU-second"
        )
        print(
            "    pkfit fit --blq m3                   \(formatted(count / m3.seconds, digits: 4)) subjects/s wall, \(formatted(count / m3.cpuSeconds, digits: 4)) per CPU-second"
        )
        let endToEnd = m3.cpuSeconds / drop.cpuSeconds
        print(
            "      M3 ÷ least squares: ×\(formatted(endToEnd, digits: 3)) CPU time   [target ≤ 2×: \(endToEnd <= 2 ? "met" : "NOT met")]"
        )

        // One core, the library's fitter: every subject with and without its censored samples.
        var quantified: [(times: [Double], values: [Double])] = []
        var censored: [(times: [Double], limits: [Double])] = []
        for profile in profiles {
            var q: ([Double], [Double]) = ([], [])
            var c: ([Double], [Double]) = ([], [])
            for o in profile.observations where o.time >= 0 {
                switch o.measurement {
                case .value(let x) where x > 0:
                    q.0.append(o.time)
                    q.1.append(x)
                case .belowLimit, .value:
                    c.0.append(o.time)
                    c.1.append(CohortGenerator.lloq)
                case .missing: continue
                }
            }
            quantified.append(q)
            censored.append(c)
        }
        let fitter = KineticFitter(model: .stein)
        let clock = ContinuousClock()
        func seconds(_ body: () -> Void) -> Double {
            let begin = clock.now
            body()
            let d = clock.now - begin
            return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        var used = 0
        var lower = 0
        let leastSquares = seconds {
            for q in quantified { _ = try? fitter.fit(times: q.times, values: q.values) }
        }
        let censoredSeconds = seconds {
            for (q, c) in zip(quantified, censored) {
                // Equal lengths by construction: the arrays were built in pairs above.
                guard
                    let fit = try? fitter.fit(
                        times: q.times, values: q.values, censoredTimes: c.times, limits: c.limits)
                else { continue }
                used += fit.censoredCount
                if fit.censoredCount > 0 { lower += 1 }
            }
        }
        print(
            "    KineticFitter, one core: least squares \(formatted(count / leastSquares, digits: 4)) fits/s, M3 \(formatted(count / censoredSeconds, digits: 4)) fits/s (×\(formatted(censoredSeconds / leastSquares, digits: 3))); \(used) BLQ samples censored in \(lower) subjects"
        )
    } catch {
        print("  cannot run: \(error)")
    }
}
