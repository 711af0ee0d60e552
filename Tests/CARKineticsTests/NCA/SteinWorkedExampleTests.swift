import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// The worked example of the domain reference §3: the Stein 2019 typical curve (§8.1) sampled at days
/// 0, 1, 4, 7, 10, 14, 21, 28, 60, 90 with the day-0 value set to 0. The reference values are rounded to
/// integers, so agreement is to half a unit.
@Suite struct SteinWorkedExampleTests {
    static func typicalCurve(_ t: Double) -> Double {
        let foldx = 3900.0
        let tmax = 9.3
        let cmax = 24000.0
        let alpha = 0.16
        let fb = 0.0079
        let beta = 0.0032
        let rho = log(foldx) / tmax
        if t < tmax { return cmax / foldx * exp(rho * t) }
        let tau = t - tmax
        return cmax * ((1 - fb) * exp(-alpha * tau) + fb * exp(-beta * tau))
    }

    static let profile = makeProfile(
        [0.0, 1, 4, 7, 10, 14, 21, 28, 60, 90].map { t in (t, t == 0 ? 0 : typicalCurve(t)) })

    @Test(arguments: [(AUCMethod.linear, 179_647.0, 209_041.0), (.linearUpLogDown, 171_372, 194_460)])
    func partialAUCs(method: AUCMethod, auc28: Double, auc90: Double) {
        let r = NCA.analyze(Self.profile, options: NCAOptions(aucMethod: method))
        expectClose(r.intervals[0].auc.number, auc28, relative: 0, absolute: 0.5, "AUC0-28 \(method)")
        expectClose(r.intervals[1].auc.number, auc90, relative: 0, absolute: 0.5, "AUC0-90 \(method)")
        #expect(r.intervals[1].auc == r.auclast, "day 90 is Tlast")
        #expect(r.intervals[0].end == .observed)
    }

    /// §5: best fit selects days 14–90 with adjusted R² 0.81 and t½ ≈ 12.4 d.
    @Test func terminalPhase() throws {
        let fit = try NCA.analyze(Self.profile).lambdaZ.get()
        #expect(fit.timeFirst == 14 && fit.timeLast == 90)
        expectClose(fit.adjustedR2, 0.81, relative: 0, absolute: 0.005, "r2adj")
        expectClose(fit.halfLife, 12.4, relative: 0, absolute: 0.05, "half-life")
    }
}
