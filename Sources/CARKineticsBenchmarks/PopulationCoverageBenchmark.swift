import CARKinetics
import Foundation

/// The simulation–estimation coverage study of `pkfit popfit` on the Stein model (docs/population.md,
/// Validation): replicates of 150 subjects from `SteinPopulationSimulator` (the design of
/// pop_stein_example.csv), each fitted with the Laplace stage only and with the importance-sampling stage; per
/// parameter the mean error against the truth and how often the 95% interval covers it. Slow (minutes per
/// replicate pair), so it runs only when named: `scripts/popfit_coverage.sh` (BENCH_COVERAGE_SEEDS, default
/// 1…10; BENCH_COVERAGE_SUBJECTS, default 150; BENCH_COVERAGE_MODES, default `laplace,is`; BENCH_POP_DRAWS
/// the stage's draws per subject; BENCH_POP_ROUNDS its rounds, 0 = evaluate at the Laplace estimates only;
/// BENCH_POP_SE `hessian` or `sandwich`).
let populationCoverageSection = BenchmarkSection(
    name: "popcoverage", title: "Population fits: simulation-estimation coverage (Stein, M3, dose covariate)"
) {
    guard CommandLine.arguments.contains("popcoverage") else {
        print("  skipped (slow; run scripts/popfit_coverage.sh)")
        return
    }
    let environment = ProcessInfo.processInfo.environment
    let seeds =
        environment["BENCH_COVERAGE_SEEDS"].map { $0.split(separator: ",").compactMap { UInt64($0) } }
        ?? Array(1...10)
    let subjects = environment["BENCH_COVERAGE_SUBJECTS"].flatMap { Int($0) } ?? 150
    let modes =
        environment["BENCH_COVERAGE_MODES"].map { $0.split(separator: ",").map(String.init) }
        ?? ["laplace", "is"]
    let simulator = SteinPopulationSimulator()
    let names = ["cmax", "tmax", "rho", "alpha", "beta", "fb"]
    var truth: [String: Double] = ["cmax_dose": simulator.doseExponent, "sigma": simulator.sigma]
    for (k, name) in names.enumerated() {
        truth["tv_\(name)"] = simulator.typical[k]
        truth["omega_\(name)"] = simulator.omega[k]
    }
    let order = names.map { "tv_\($0)" } + ["cmax_dose"] + names.map { "omega_\($0)" } + ["sigma"]
    let clock = ContinuousClock()
    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
    struct Tally {
        var errors: [String: [Double]] = [:]
        var covered: [String: Int] = [:]
        var intervals: [String: Int] = [:]
        var withSE = 0
        var fits = 0
        var times: [Double] = []
        var minus2ll: [Double] = []
    }
    var tallies: [String: Tally] = [:]
    for seed in seeds {
        let profiles = simulator.simulate(subjects: subjects, seed: seed)
        let model = PopulationModel(structure: .stein, covariates: [CovariateEffect(parameter: "cmax", column: "dose")])
        for mode in modes {
            var options = PopulationFitter.Options()
            options.starts = 1
            options.importanceDraws = mode == "is" ? (environment["BENCH_POP_DRAWS"].flatMap { Int($0) } ?? 500) : 0
            if environment["BENCH_POP_SE"] == "sandwich" { options.standardErrors = .sandwich }
            if let rounds = environment["BENCH_POP_ROUNDS"].flatMap({ Int($0) }) { options.importanceRounds = rounds }
            do {
                let data = try PopulationData.make(profiles: profiles, groupColumns: ["dose"], model: model)
                let start = clock.now
                let fit = try PopulationFitter(model: model, options: options).fit(data)
                let elapsed = seconds(clock.now - start)
                var tally = tallies[mode] ?? Tally()
                tally.fits += 1
                tally.times.append(elapsed)
                tally.minus2ll.append(fit.minus2LogLikelihood)
                if fit.estimates.contains(where: { $0.standardError != nil }) { tally.withSE += 1 }
                var cells: [String] = []
                for estimate in fit.estimates {
                    guard let t = truth[estimate.name] else { continue }
                    let error =
                        estimate.name.hasPrefix("tv_")
                        ? Foundation.log(estimate.value / t)
                        : estimate.name == "cmax_dose" ? estimate.value - t : estimate.value / t - 1
                    tally.errors[estimate.name, default: []].append(error)
                    var mark = ""
                    if let lower = estimate.lower, let upper = estimate.upper {
                        tally.intervals[estimate.name, default: 0] += 1
                        if lower <= t && t <= upper {
                            tally.covered[estimate.name, default: 0] += 1
                        } else {
                            mark = "*"
                        }
                    }
                    cells.append("\(estimate.name) \(formatted(error, digits: 3))\(mark)")
                }
                tallies[mode] = tally
                let blq = 100 * Double(data.censoredCount) / Double(data.observationCount)
                print(
                    "  seed \(seed) \(mode): \(subjects) subjects, \(formatted(blq, digits: 3))% BLQ, \(formatted(elapsed, digits: 3)) s, -2lnL \(formatted(fit.minus2LogLikelihood, digits: 8)) (\(fit.marginalMethod)), \(fit.status); \(cells.joined(separator: ", "))"
                )
                print("    notes: \(fit.notes.joined(separator: " | "))")
            } catch {
                print("  seed \(seed) \(mode): \(error)")
            }
        }
    }
    // The summary table (markdown): mean error per parameter and coverage, per mode.
    print("")
    print("| parameter | " + modes.map { "\($0): mean error | \($0): covered" }.joined(separator: " | ") + " |")
    print("|---|" + modes.map { _ in "---|---" }.joined(separator: "|") + "|")
    for name in order {
        var row = "| \(name) |"
        for mode in modes {
            let tally = tallies[mode] ?? Tally()
            let values = tally.errors[name] ?? []
            let mean = values.isEmpty ? Double.nan : values.reduce(0, +) / Double(values.count)
            row +=
                " \(String(format: name.hasPrefix("tv_") || name == "cmax_dose" ? "%+.3f" : "%+.1f%%", name.hasPrefix("tv_") || name == "cmax_dose" ? mean : 100 * mean)) | \(tally.covered[name] ?? 0)/\(tally.intervals[name] ?? 0) |"
        }
        print(row)
    }
    for mode in modes {
        let tally = tallies[mode] ?? Tally()
        let covered = tally.covered.values.reduce(0, +)
        let intervals = tally.intervals.values.reduce(0, +)
        let meanTime = tally.times.isEmpty ? Double.nan : tally.times.reduce(0, +) / Double(tally.times.count)
        print(
            "  \(mode): SEs on \(tally.withSE) of \(tally.fits) fits; 95% intervals cover the truth in \(covered) of \(intervals) (\(formatted(100 * Double(covered) / Double(max(intervals, 1)), digits: 3))%); mean wall time \(formatted(meanTime, digits: 3)) s"
        )
    }
}
