import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

@Suite struct AUCTests {
    @Test func segmentRules() {
        #expect(AUC.segment(1, 2, 3, 6, method: .linear) == 8)
        #expect(AUC.segment(1, 6, 3, 2, method: .linear) == 8)
        // rising stays linear under linear-up/log-down
        #expect(AUC.segment(1, 2, 3, 6, method: .linearUpLogDown) == 8)
        expectClose(AUC.segment(1, 6, 3, 2, method: .linearUpLogDown), 2 * 4 / log(3.0), relative: 1e-15, "log segment")
        // falling to 0 or flat: linear fallback
        #expect(AUC.segment(0, 6, 2, 0, method: .linearUpLogDown) == 6)
        #expect(AUC.segment(0, 5, 2, 5, method: .linearUpLogDown) == 10)
    }

    @Test func logSegmentWithNearlyEqualOrExtremeLevelsStaysFinite() {
        let c = 1e300
        let close = AUC.segment(0, c.nextUp, 2, c, method: .linearUpLogDown)
        expectClose(close, 2 * c, relative: 1e-15, "adjacent doubles")
        let near = AUC.segment(0, 1 + 1e-10, 1, 1, method: .linearUpLogDown)
        expectClose(near, 1 + 0.5e-10, relative: 1e-15, "close levels")
        let wide = AUC.segment(0, 1e300, 1, 1e-300, method: .linearUpLogDown)
        expectClose(wide, 1e300 / (log(1e300) - log(1e-300)), relative: 1e-14, "ratio 1e600")
    }

    @Test func logSegmentIsTheExactIntegralOfAnExponential() {
        let k = 0.3
        let c0 = 1e4
        let exact = c0 / k * (exp(-k * 2) - exp(-k * 9))
        expectClose(
            AUC.segment(2, c0 * exp(-k * 2), 9, c0 * exp(-k * 9), method: .linearUpLogDown), exact, relative: 1e-14,
            "exact")
    }

    @Test func splittingASegmentNeverChangesTheArea() {
        let times = [0.0, 2, 5, 9]
        let levels = [0.0, 80, 20, 0]
        for method in AUCMethod.allCases {
            let whole = AUC.area(times: times, levels: levels, from: 0, to: 9, method: method)
            for cut in [0.7, 2, 3.3, 5, 7.1] {
                let parts =
                    AUC.area(times: times, levels: levels, from: 0, to: cut, method: method)
                    + AUC.area(times: times, levels: levels, from: cut, to: 9, method: method)
                expectClose(parts, whole, relative: 1e-14, "\(method) cut at \(cut)")
            }
        }
    }

    @Test func interpolation() {
        #expect(AUC.interpolate(0, 10, 4, 30, at: 1, method: .linearUpLogDown) == 15)
        expectClose(AUC.interpolate(0, 16, 4, 1, at: 2, method: .linearUpLogDown), 4, relative: 1e-15, "log")
        #expect(AUC.interpolate(0, 16, 4, 1, at: 2, method: .linear) == 8.5)
    }

    @Test func exponentialTailKeepsPrecisionForTinySpans() {
        // 1 − e^(−1e-12) computed naively loses ~4 digits; with expm1 it is exact to rounding
        let tail = AUC.exponentialTail(clast: 5, tlast: 0, lambdaZ: 1e-3, from: 0, to: 1e-9)
        expectClose(tail, 5e-9 * (1 - 5e-13), relative: 1e-14, "short span")
        #expect(AUC.exponentialTail(clast: 5, tlast: 10, lambdaZ: 0.1, from: 12, to: 12) == 0)
    }

    @Test func intervalNames() {
        #expect(interval(0, 28).columnName == "auc_0_28")
        #expect(interval(0.5, 90).columnName == "auc_0.5_90")
        #expect(AUCInterval(start: 5, end: 5) == nil)
        #expect(AUCInterval(start: -1, end: 5) == nil)
        #expect(AUCInterval(start: 0, end: .infinity) == nil)
    }

    @Test func registryOrderIsTheIssueOrder() {
        let names = NCARegistry.columns(for: NCAOptions()).map(\.name)
        #expect(
            Array(names.prefix(15)) == [
                "cmax", "tmax", "clast", "tlast", "auclast", "auc_0_28", "auc_0_28_extrap", "auc_0_90",
                "auc_0_90_extrap",
                "lambda_z", "half_life", "r2adj", "lambda_z_points", "aucinf_obs", "r2",
            ])
        #expect(Set(names).count == names.count)
        let custom = NCARegistry.columns(for: NCAOptions(intervals: [interval(0, 7)])).map(\.name)
        #expect(custom[5] == "auc_0_7" && custom[6] == "auc_0_7_extrap" && custom[7] == "lambda_z")
    }
}
