import CARKinetics
import Foundation
import Testing

@Suite("Dose–exposure power model")
struct DoseExposureTests {
    @Test("exact power law: b = 0.7, a = ln 3, zero-width interval")
    func exactPowerLaw() throws {
        let doses: [Double?] = [1e6, 1e6, 5e6, 2.5e7, 1e8, 1e8]
        let exposures = doses.map { $0.map { 3 * pow($0, 0.7) } }
        let fit = try DoseExposure.powerModel(doses: doses, exposures: exposures)
        #expect(fit.count == 6 && fit.excluded == 0)
        expectClose(fit.slope, 0.7, relative: 1e-12, "slope")
        expectClose(fit.intercept, log(3), relative: 1e-10, "intercept")
        let lower = try #require(fit.slopeLower)
        let upper = try #require(fit.slopeUpper)
        #expect(upper - lower < 1e-12 && lower <= 0.7 + 1e-12 && upper >= 0.7 - 1e-12)
    }

    @Test("noisy data: slope, SE and 90% CI against a hand computation")
    func noisy() throws {
        // ln dose = 0, 1, 2, 3 (doses e^k); ln exposure = 1, 1.5, 3, 3.5
        let doses: [Double?] = [1, exp(1), exp(2), exp(3), nil, 0]
        let exposures: [Double?] = [exp(1), exp(1.5), exp(3), exp(3.5), 10, 10]
        let fit = try DoseExposure.powerModel(doses: doses, exposures: exposures, confidenceLevel: 0.9)
        #expect(fit.count == 4 && fit.excluded == 2)
        // Sxx = 5, Sxy = (−1.5)(−1.25) + (−0.5)(−0.75) + 0.5·0.75 + 1.5·1.25 = 4.5 → b = 0.9, a = 2.25 − 1.35 = 0.9
        expectClose(fit.slope, 0.9, relative: 1e-14, "slope")
        expectClose(fit.intercept, 0.9, relative: 1e-14, "intercept")
        // residuals: 0.1, −0.3, 0.3, −0.1 → SSR = 0.2; SE = sqrt(0.2/2/5); t(0.95, 2) = 2.9199855803537242
        let se = (0.2 / 2 / 5).squareRoot()
        expectClose(fit.slopeStandardError, se, relative: 1e-12, "se")
        expectClose(fit.slopeLower, 0.9 - 2.9199855803537242 * se, relative: 1e-10, "lower")
        expectClose(fit.slopeUpper, 0.9 + 2.9199855803537242 * se, relative: 1e-10, "upper")
    }

    @Test("one dose level or two subjects: what cannot be estimated is absent")
    func insufficient() throws {
        let one = try DoseExposure.powerModel(doses: [5, 5, 5], exposures: [1, 2, 3])
        #expect(one.count == 3 && one.slope == nil && one.slopeLower == nil)
        let two = try DoseExposure.powerModel(doses: [1, 10], exposures: [2, 20])
        expectClose(two.slope, 1, relative: 1e-14, "two-point slope")
        #expect(two.slopeStandardError == nil && two.slopeLower == nil)
    }
}
