import CARKinetics
import Foundation
import Testing

// The code of the DocC getting-started article (Sources/CARKinetics/CARKinetics.docc/GettingStarted.md) and of
// the layer overviews, compiled and run here so the documentation cannot drift from the API. Only the file
// path differs: tests read their fixtures.
@Suite("Getting started (DocC)")
struct GettingStartedTests {
    @Test("CSV → NCA → cohort summary")
    func csvToCohortSummary() throws {
        let selection = ColumnSelection(groups: ["COHORT"], lloq: .column("LLOQ"))
        let analysis = CohortAnalysis(selection: selection)
        let output = try analysis.run(files: [fixtureURL("data/aid_cd7_qpcr.csv")])

        var lines: [String] = []
        for result in output.nca.results {
            lines.append("\(result.subject) \(result.cmax.number ?? .nan) \(result.auclast.number ?? .nan)")
        }
        let summary = output.summary.displayTable(levelUnit: output.unit).rendered(as: .table)
        #expect(lines.count == output.nca.results.count && !lines.isEmpty)
        #expect(summary.contains("geometric mean (geometric CV%)"))
        #expect(output.nca.table.rows.count == output.nca.results.count)
    }

    @Test("in-memory profile → NCA → Stein fit")
    func profileToSteinFit() throws {
        let times: [Double] = [1, 4, 7, 9.3, 14, 21, 28, 60, 90, 180, 365]
        let levels = times.map { t in
            t <= 9.3
                ? 20_000 * exp(0.8 * (t - 9.3))
                : 20_000 * (0.95 * exp(-0.25 * (t - 9.3)) + 0.05 * exp(-0.006 * (t - 9.3)))
        }
        let profile = Profile(
            subject: "P01",
            observations: zip(times, levels).enumerated().map { k, sample in
                Observation(time: sample.0, measurement: .value(sample.1), line: k + 2)
            })

        let nca = NCA.analyze(profile)
        #expect(nca.cmax.number == 20_000 && nca.tmax.number == 9.3)

        let fit = try KineticFitter(model: .stein).fit(times: times, values: levels)
        #expect(fit.status == .converged)
        #expect(abs((fit.estimate("alpha")?.value ?? .nan) / 0.25 - 1) < 1e-6)
        #expect(abs((fit.estimate("beta")?.value ?? .nan) / 0.006 - 1) < 1e-6)
    }

    @Test("layer overviews")
    func layerOverviews() throws {
        let x = [77.6, 114.9, 141.1, 190.8, 239.9]
        let y = [10.07, 14.73, 17.94, 23.93, 29.61]
        let design = Matrix(rows: x.count, columns: 2) { i, j in j == 0 ? 1 : x[i] }
        let line = try LinearLeastSquares.solve(design: design, response: y)
        #expect(line.coefficients.count == 2)

        let reader = ProfileReader(selection: ColumnSelection(groups: ["COHORT"], lloq: .column("LLOQ")))
        let set = try reader.read(contentsOf: fixtureURL("data/aid_cd7_qpcr.csv"))
        #expect(set.profiles.count > 0 && set.ledger.dataLines > 0)

        let profile = Profile(
            subject: "P01",
            observations: [
                Observation(time: 0, measurement: .belowLimit(lloq: 50), line: 2),
                Observation(time: 7, measurement: .value(12_000), line: 3),
                Observation(time: 28, measurement: .value(900), line: 4),
            ])
        #expect(NCA.analyze(profile).cmax.number == 12_000)

        let statistics = DescriptiveStatistics([12_000, 8_500, nil, 20_100])
        #expect(statistics.count == 3 && statistics.median == 12_000)

        let table = ResultTable(columns: ["subject", "cmax"], rows: [[.text("P01"), .number(12_000)]])
        #expect(table.rendered(as: .csv) == "subject,cmax\nP01,12000.0\n")
    }
}
