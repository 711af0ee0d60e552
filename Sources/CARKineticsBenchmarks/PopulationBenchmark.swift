import CARKinetics
import Foundation

/// `pkfit popfit`'s engine: wall time of whole population fits. Theoph (nlme's fm2Theo model, 12 subjects) from
/// the test fixture, against R's `nlme()` on the same machine (measured separately: docs/population.md); and
/// simulated Stein populations with ~40% BLQ (M3) of 50, 150 and 400 subjects (BENCH_POP_SUBJECTS to change).
let populationSection = BenchmarkSection(name: "popfit", title: "Population fits (Laplace/AGQ, M3)") {
    let clock = ContinuousClock()
    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
    do {
        let formula = "C = Dose*exp(lKe+lKa-lCl)*(exp(-exp(lKe)*t)-exp(-exp(lKa)*t))/(exp(lKa)-exp(lKe))"
        let model = PopulationModel(
            structure: try .formula(formula, parameters: ["lKe", "lKa", "lCl"]), random: ["lKa", "lCl"],
            error: .additive, start: ["lKe": -2.5, "lKa": 0.5, "lCl": -3])
        let url = URL(fileURLWithPath: "Tests/CARKineticsTests/Fixtures/population/theoph.csv")
        let profiles = try ProfileCollection.read(files: [url], selection: ColumnSelection(groups: ["Dose"])).profiles
        let data = try PopulationData.make(profiles: profiles, groupColumns: ["Dose"], model: model)
        var times: [Double] = []
        var fit: PopulationFit?
        for _ in 0..<5 {
            let start = clock.now
            fit = try PopulationFitter(model: model).fit(data)
            times.append(seconds(clock.now - start))
        }
        let median = times.sorted()[times.count / 2]
        print(
            "  Theoph: median of 5 fits \(formatted(median, digits: 3)) s; -2lnL \(formatted(fit?.minus2LogLikelihood ?? .nan, digits: 9)), \(fit?.evaluations ?? 0) objective evaluations"
        )
    } catch {
        print("  Theoph: \(error)")
    }
    // Simulation–estimation: replicates of 150 subjects from the generating model (BENCH_POP_REPLICATES seeds,
    // comma-separated; default 101,202,303), each fitted with 1 start; log-ratios of the typical values, the dose
    // exponent's error, relative errors of ω and σ, and whether each 95% interval covers the truth.
    let replicateSeeds =
        ProcessInfo.processInfo.environment["BENCH_POP_REPLICATES"].map {
            $0.split(separator: ",").compactMap { UInt64($0) }
        } ?? [101, 202, 303]
    let simulator = SteinPopulationSimulator()
    let names = ["cmax", "tmax", "rho", "alpha", "beta", "fb"]
    var truth: [String: Double] = ["cmax_dose": simulator.doseExponent, "sigma": simulator.sigma]
    for (k, name) in names.enumerated() {
        truth["tv_\(name)"] = simulator.typical[k]
        truth["omega_\(name)"] = simulator.omega[k]
    }
    var covered = 0
    var intervals = 0
    for seed in replicateSeeds {
        let profiles = simulator.simulate(subjects: 150, seed: seed)
        let model = PopulationModel(structure: .stein, covariates: [CovariateEffect(parameter: "cmax", column: "dose")])
        do {
            let data = try PopulationData.make(profiles: profiles, groupColumns: ["dose"], model: model)
            var options = PopulationFitter.Options()
            options.starts = 1
            let start = clock.now
            let fit = try PopulationFitter(model: model, options: options).fit(data)
            let elapsed = seconds(clock.now - start)
            var cells: [String] = []
            for estimate in fit.estimates {
                guard let t = truth[estimate.name] else { continue }
                let error: Double
                if estimate.name.hasPrefix("tv_") {
                    error = Foundation.log(estimate.value / t)
                } else if estimate.name == "cmax_dose" {
                    error = estimate.value - t
                } else {
                    error = estimate.value / t - 1
                }
                var mark = ""
                if let lower = estimate.lower, let upper = estimate.upper {
                    intervals += 1
                    if lower <= t && t <= upper { covered += 1 } else { mark = "*" }
                }
                cells.append("\(estimate.name) \(formatted(error, digits: 3))\(mark)")
            }
            let blq = 100 * Double(data.censoredCount) / Double(data.observationCount)
            print(
                "  Stein replicate seed \(seed), 150 subjects (\(formatted(blq, digits: 3))% BLQ): \(formatted(elapsed, digits: 3)) s, \(fit.status); errors (tv: log-ratio, cmax_dose: difference, omega/sigma: relative; * = truth outside the 95% interval): \(cells.joined(separator: ", "))"
            )
        } catch {
            print("  Stein replicate seed \(seed): \(error)")
        }
    }
    if intervals > 0 { print("  Stein replicates: 95% intervals cover the truth in \(covered) of \(intervals)") }
    let sizes =
        ProcessInfo.processInfo.environment["BENCH_POP_SUBJECTS"].map {
            $0.split(separator: ",").compactMap { Int($0) }
        } ?? [50, 150, 400]
    for n in sizes {
        let profiles = SteinPopulationSimulator().simulate(subjects: n, seed: 42)
        let model = PopulationModel(structure: .stein, covariates: [CovariateEffect(parameter: "cmax", column: "dose")])
        do {
            let data = try PopulationData.make(profiles: profiles, groupColumns: ["dose"], model: model)
            let start = clock.now
            var options = PopulationFitter.Options()
            options.starts = 1
            let fit = try PopulationFitter(model: model, options: options).fit(data)
            let elapsed = seconds(clock.now - start)
            let blq = 100 * Double(data.censoredCount) / Double(data.observationCount)
            print(
                "  Stein \(n) subjects (\(formatted(blq, digits: 3))% BLQ): \(formatted(elapsed, digits: 3)) s, \(fit.iterations) iterations, \(fit.evaluations) evaluations, \(fit.status)"
            )
        } catch {
            print("  Stein \(n): \(error)")
        }
    }
}
