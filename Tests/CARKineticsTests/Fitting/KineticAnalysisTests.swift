import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

@Suite("Kinetic analysis over many profiles")
struct KineticAnalysisTests {
    @Test("parallel fits equal one-by-one fits bit for bit, in input order, with progress reported to the end")
    func parallelMatchesSerial() throws {
        let flow = try ProfileCollection.read(
            files: [fixtureURL("data/waiha_cd19bcma_flow.csv")],
            selection: ColumnSelection(value: "car_t_cells_per_uL"))
        let qpcr = try ProfileCollection.read(
            files: [fixtureURL("data/aid_cd7_qpcr.csv")], selection: ColumnSelection())
        let profiles = flow.profiles + qpcr.profiles + flow.profiles
        let analysis = KineticAnalysis(method: .model(KineticFitter(model: .auto)))
        var reported: [Int] = []
        let parallel = analysis.fit(profiles) { done, total in
            #expect(total == profiles.count)
            reported.append(done)
        }
        #expect(reported.last == profiles.count)
        let serial = profiles.map { KineticAnalysis.fit($0, method: analysis.method) }
        #expect(parallel.map(\.subject) == profiles.map(\.subject))
        for (a, b) in zip(parallel, serial) {
            #expect(a.fit.ssr?.bitPattern == b.fit.ssr?.bitPattern, "\(a.subject)")
            #expect(a.fit.estimates == b.fit.estimates, "\(a.subject)")
            #expect(a.fit.status == b.fit.status)
        }
    }
}
