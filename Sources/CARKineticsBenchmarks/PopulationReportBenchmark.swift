import CARKinetics
import Foundation

/// `pkfit report --popfit` beyond the fit: on a simulated Stein population of 150 subjects (seed 101, ~33% BLQ,
/// dose covariate), the fit itself against the diagnostics — PRED/IPRED/CWRES, the model curves, the VPC
/// (200 simulated data sets of the design, `PopulationReport.replicates`) — and rendering the section to HTML.
/// BENCH_POP_SUBJECTS (first value) changes the population size.
let populationReportSection = BenchmarkSection(name: "popreport", title: "Population report: fit vs diagnostics") {
    let clock = ContinuousClock()
    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
    let subjects =
        ProcessInfo.processInfo.environment["BENCH_POP_SUBJECTS"].flatMap {
            $0.split(separator: ",").first.flatMap { Int($0) }
        } ?? 150
    let profiles = SteinPopulationSimulator().simulate(subjects: subjects, seed: 101)
    let model = PopulationModel(structure: .stein, covariates: [CovariateEffect(parameter: "cmax", column: "dose")])
    do {
        let data = try PopulationData.make(profiles: profiles, groupColumns: ["dose"], model: model)
        var options = PopulationFitter.Options()
        options.starts = 1
        var start = clock.now
        let fit = try PopulationFitter(model: model, options: options).fit(data)
        let fitTime = seconds(clock.now - start)
        start = clock.now
        let predictor = try PopulationPredictor(model: model, data: data, fit: fit)
        let predictions = predictor.predictions()
        let predictionTime = seconds(clock.now - start)
        start = clock.now
        let diagnostics = PopulationDiagnostics.run(predictor, replicates: PopulationReport.replicates)
        let diagnosticsTime = seconds(clock.now - start)
        start = clock.now
        let bins = PredictiveCheck.bins(times: data.subjects.flatMap(\.times))
        let check = PredictiveCheck.compute(
            observed: [Double?](repeating: nil, count: bins.index.count), bins: bins,
            replicates: PopulationReport.replicates
        ) { k in predictor.simulate(replicate: k, seed: 1) }
        let vpcTime = seconds(clock.now - start)
        start = clock.now
        let html = HTMLReport.render(
            Report(
                title: "popreport",
                blocks: PopulationReport.blocks(fit: fit, model: model, data: data, diagnostics: diagnostics)))
        let renderTime = seconds(clock.now - start)
        print(
            "  \(subjects) subjects, \(data.observationCount) samples (\(data.censoredCount) BLQ): fit \(formatted(fitTime, digits: 3)) s; PRED/IPRED/CWRES \(formatted(predictionTime, digits: 3)) s (\(predictions.count) subjects); all diagnostics incl. VPC \(formatted(diagnosticsTime, digits: 3)) s; VPC alone (\(PopulationReport.replicates) replicates, \(check.count) bins) \(formatted(vpcTime, digits: 3)) s; rendering \(formatted(renderTime, digits: 3)) s, \(html.utf8.count) bytes"
        )
    } catch {
        print("  \(error)")
    }
}
