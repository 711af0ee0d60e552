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
        print("  Theoph: median of 5 fits \(formatted(median, digits: 3)) s; -2lnL \(formatted(fit?.minus2LogLikelihood ?? .nan, digits: 9)), \(fit?.evaluations ?? 0) objective evaluations")
    } catch {
        print("  Theoph: \(error)")
    }
    let sizes = ProcessInfo.processInfo.environment["BENCH_POP_SUBJECTS"].map { $0.split(separator: ",").compactMap { Int($0) } } ?? [50, 150, 400]
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
            print("  Stein \(n) subjects (\(formatted(blq, digits: 3))% BLQ): \(formatted(elapsed, digits: 3)) s, \(fit.iterations) iterations, \(fit.evaluations) evaluations, \(fit.status)")
        } catch {
            print("  Stein \(n): \(error)")
        }
    }
}
