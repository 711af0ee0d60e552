import Foundation
import Testing

@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsReports
@testable import CARKineticsStatistics

@Suite("Population report section: figures with BLQ data")
struct PopulationReportTests {
    /// 30 simulated Stein subjects (~⅓ BLQ at LLOQ 100) with the generating values as the "estimates" and η̂ = 0:
    /// every figure of the section, the BLQ panel included, well-formed and free of NaN, the BLQ samples drawn as
    /// triangles at their limit and never given a CWRES.
    @Test("Every figure is drawn, well-formed, without NaN; BLQ samples at their limit, without CWRES")
    func section() throws {
        let simulator = SteinPopulationSimulator()
        let profiles = simulator.simulate(subjects: 30, seed: 11)
        let model = PopulationModel(structure: .stein, covariates: [CovariateEffect(parameter: "cmax", column: "dose")])
        let data = try PopulationData.make(profiles: profiles, groupColumns: ["dose"], model: model)
        let names = ["cmax", "tmax", "rho", "alpha", "beta", "fb"]
        var estimates: [(String, Double)] = zip(names, simulator.typical).map { ("tv_\($0)", $1) }
        estimates.append(("cmax_dose", simulator.doseExponent))
        estimates += zip(names, simulator.omega).map { ("omega_\($0)", $1) }
        estimates.append(("sigma", simulator.sigma))
        let fit = diagnosticFit(estimates, random: names, parameters: names, etas: [])
        let predictor = try PopulationPredictor(model: model, data: data, fit: fit)
        let diagnostics = PopulationDiagnostics.run(predictor, replicates: 25)
        let censored = data.censoredCount
        #expect(censored > 50)
        // No CWRES for a censored sample; every quantified one has one.
        let rows = diagnostics.predictions.flatMap { $0 }
        #expect(rows.filter(\.censored).allSatisfy { $0.conditionalResidual == nil })
        #expect(rows.filter { !$0.censored }.allSatisfy { $0.conditionalResidual?.isFinite == true })
        // Every bin's simulated fraction below the limit lies in [0, 1] with lower ≤ median ≤ upper.
        for bin in diagnostics.predictiveCheck {
            let f = bin.simulatedBelow
            let (lower, median, upper) = (try #require(f.lower), try #require(f.median), try #require(f.upper))
            #expect(0 <= lower && lower <= median && median <= upper && upper <= 1)
        }
        let blocks = PopulationReport.blocks(fit: fit, model: model, data: data, diagnostics: diagnostics)
        var images: [SVGImage] = []
        for block in blocks {
            switch block {
            case .figure(let image, _): images.append(image)
            case .figureGrid(let grid): images += grid.map(\.image)
            default: break
            }
        }
        // Obs vs PRED, vs IPRED, CWRES vs time, vs PRED, VPC with the BLQ fraction under it, 2 pages of small
        // multiples (28 + 2).
        #expect(images.count == 7)
        for image in images {
            let xml = XMLCheck(image.markup)
            #expect(xml.error == nil, "\(xml.error ?? "")")
            #expect(!image.markup.lowercased().contains("nan"))
        }
        // Obs vs PRED: one triangle (polygon) per BLQ sample plus the legend's.
        #expect(XMLCheck(images[0].markup).count("polygon") == censored + 1)
        let html = HTMLReport.render(Report(title: "t", blocks: blocks))
        #expect(html.contains("Fraction below the LLOQ"))
        #expect(html.contains("the \(censored) BLQ samples have none"))
        #expect(!html.lowercased().contains("nan"))
    }
}
