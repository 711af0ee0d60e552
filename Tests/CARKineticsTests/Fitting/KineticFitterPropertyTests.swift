import Foundation
import PropertyBased
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// The model fits on hostile input: extreme magnitudes, zeros, NaN and infinities never trap, and
/// non-convergence is a status, not a crash.
@Suite struct KineticFitterPropertyTests {
    static let samples = zip(Gen.double(in: 0.05...20), Gen.double(in: -300...300)).array(of: 0...10)

    static func series(_ raw: [(Double, Double)]) -> (times: [Double], values: [Double]) {
        var t = 0.0
        var times: [Double] = []
        var values: [Double] = []
        for (step, exponent) in raw {
            t += step
            times.append(t)
            values.append(Foundation.pow(10, exponent))
        }
        return (times, values)
    }

    static func expectSane(_ fit: KineticFit, _ input: String, sourceLocation: SourceLocation = #_sourceLocation) {
        if fit.status.hasEstimates {
            #expect(!fit.estimates.isEmpty, "\(input)", sourceLocation: sourceLocation)
            for estimate in fit.estimates {
                #expect(!estimate.value.isNaN, "\(estimate.name) for \(input)", sourceLocation: sourceLocation)
            }
            if let ssr = fit.ssr { #expect(ssr >= 0 && !ssr.isNaN, "\(input)", sourceLocation: sourceLocation) }
        } else {
            #expect(fit.estimates.allSatisfy { !$0.value.isNaN }, "\(input)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: [KineticModel.expansion, .monoexp, .biexp, .expansionMonoexp, .stein])
    func extremeMagnitudesGiveAStatusNeverATrap(_ model: KineticModel) async throws {
        let fitter = KineticFitter(model: model)
        await propertyCheck(count: model == .stein ? 12 : 25, input: Self.samples) { raw in
            let (times, values) = Self.series(raw)
            Self.expectSane(try fitter.fit(times: times, values: values), "\(values)")
        }
    }

    /// Samples that are NaN, infinite, zero, negative or at negative/non-finite times are not used: the fit
    /// equals the fit without them.
    @Test(arguments: [KineticModel.expansion, .monoexp, .biexp])
    func nonFiniteAndNonPositiveSamplesAreIgnored(_ model: KineticModel) async throws {
        let fitter = KineticFitter(model: model)
        let junk: [(Double, Double)] = [
            (1.5, .nan), (2.5, .infinity), (3.5, 0), (4.5, -2), (-1, 5), (.nan, 3), (.infinity, 3),
        ]
        await propertyCheck(count: 20, input: Self.samples, Gen.uint64()) { raw, seed in
            let (times, values) = Self.series(raw)
            let clean = try fitter.fit(times: times, values: values)
            var pairs = Array(zip(times, values)) + junk
            pairs = NCAPropertyTests.shuffled(pairs, seed: seed)
            let dirty = try fitter.fit(times: pairs.map(\.0), values: pairs.map(\.1))
            #expect(dirty.status == clean.status)
            #expect(dirty.estimates == clean.estimates)
            #expect(dirty.sampleCount == clean.sampleCount)
        }
    }

    /// Regression (found by the property above): a NaN time among the samples broke the sort's ordering, so
    /// the valid samples reached the model scrambled and the expansion phase changed.
    @Test func nanTimeDoesNotScrambleTheSamples() throws {
        let times = [0.5, 1, 2, 4, 7, 10, 14, 21, 28]
        let values = [1.0, 3, 10, 40, 120, 80, 30, 10, 4]
        let fitter = KineticFitter(model: .expansion)
        let clean = try fitter.fit(times: times, values: values)
        let dirty = try fitter.fit(
            times: [21, .nan, 28, 7, .nan, 0.5, 14, 1, 2, .nan, 4, 10],
            values: [10, 5, 4, 120, 7, 1, 30, 3, 10, 9, 40, 80])
        #expect(clean.status == .converged)
        #expect(clean.sampleCount == 5, "the five samples up to the peak at day 7")
        #expect(dirty.sampleCount == clean.sampleCount)
        #expect(dirty.estimates == clean.estimates)
    }
}
