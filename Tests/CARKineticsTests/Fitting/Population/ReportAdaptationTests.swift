import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics

/// The reported −2 ln L's safeguards against poor proposals: the Pareto tail diagnostic of the weights, and the
/// re-adaptation of a subject's proposal when its posterior has mass the first proposal misses.
@Suite struct ReportAdaptationTests {
    /// Weights with a known tail: w = U^(−ξ) (U uniform) is Pareto with tail shape ξ exactly, and exponential
    /// weights have shape 0; k̂ from the largest M = 3√S of S = 200,000 is within 0.15 of it (its sampling SD is
    /// about (1 + ξ)/√M ≈ 0.04–0.05 here, measured by simulation). A sign error or a wrong profile likelihood misses by far more.
    @Test(arguments: [0.0, 0.3, 0.6, 0.9])
    func paretoShapeRecoversAKnownTailIndex(xi: Double) {
        var generator = SplitMix64(seed: 41 + UInt64(xi * 10))
        let draws = 200_000
        let logWeights = (0..<draws).map { _ -> Double in
            let u = generator.uniform()
            return xi == 0 ? Foundation.log(-Foundation.log(u)) : -xi * Foundation.log(u)
        }
        let largest = Array(logWeights.sorted(by: >).prefix(ParetoTail.tailCount(draws: draws) + 1))
        let shape = ParetoTail.shape(largest: largest, draws: draws)
        #expect(abs(shape - xi) <= 0.15, "k̂ \(shape) for ξ = \(xi)")
        // Too few draws for a tail: no estimate, not a number that looks like one.
        #expect(ParetoTail.shape(largest: Array(largest.prefix(3)), draws: 20).isNaN)
    }

    /// ln N(η; mean, sd²·I) in two dimensions.
    static func logNormal(_ eta: ArraySlice<Double>, mean: (Double, Double), sd: Double) -> Double {
        let a = eta[eta.startIndex] - mean.0
        let b = eta[eta.startIndex + 1] - mean.1
        return -Foundation.log(2 * Double.pi * sd * sd) - (a * a + b * b) / (2 * sd * sd)
    }

    /// Four subjects with 2-D targets of known integral C = e^(−5) (−2 ln L_i = 10 exactly, 40 in all): three are
    /// one Gaussian N(0, 0.3²I) that their proposal (a t₅ at 0 with scale 0.3, defensive t₅ over N(0, I)) fits;
    /// the first has 70% of its mass in a second mode N((1.2, −1.2), 0.25²I) that its proposal reaches only in
    /// its tails (about 0.2% of its draws). Without re-adaptation (the previous report) the budget of 10,000 draws
    /// per subject leaves the total's SE above 0.1 or the value more than 4 SE from 40; with it the second mode
    /// gets its own component and the value is within 4 SE of 40 with SE ≤ 0.1 and no heavy tail left.
    @Test func reAdaptationFindsASecondMode() throws {
        let model = try TheophReference.model()
        var options = PopulationFitter.Options()
        options.parallel = false
        let fitter = PopulationFitter(model: model, options: options)
        let logC = -5.0
        let logTarget: @Sendable (Int, MarginalPoints) -> [Double] = { i, points in
            (0..<points.count).map { k in
                let eta = points.eta[(2 * k)..<(2 * k + 2)]
                let first = Self.logNormal(eta, mean: (0, 0), sd: 0.3)
                guard i == 0 else { return logC + first }
                let second = Self.logNormal(eta, mean: (1.2, -1.2), sd: 0.25)
                return logC + logSumExp([Foundation.log(0.3) + first, Foundation.log(0.7) + second])
            }
        }
        let proposal = ReportProposal(
            components: [.init(weight: 0.9, center: [0, 0], root: [0.3, 0, 0, 0.3])],
            defensive: .init(weight: 0.1, center: [0, 0], root: [1, 0, 0, 1]))
        let proposals = [ReportProposal](repeating: proposal, count: 4)
        let old = fitter.allocatedDraws(
            proposals: proposals, budget: 40_000, cap: 512_000, adaptations: 0, logTarget: logTarget)
        #expect(
            old.standardError > 0.1 || abs(old.value - 40) > 4 * old.standardError,
            "without re-adaptation: \(old.value) ± \(old.standardError)")
        // (Measured: 39.99 ± 0.137 with 34,000 draws for the first subject, whose k̂ is 2.5: the diagnostic says
        // its SE is not to be trusted.)
        #expect(old.tailShapes[0] > ParetoTail.unreliable)
        #expect("\(old.method)".contains("the SE is a lower bound"), "\(old.method)")
        let new = fitter.allocatedDraws(
            proposals: proposals, budget: 40_000, cap: 512_000, adaptations: 2, logTarget: logTarget)
        #expect(new.subjects[0].adaptations >= 1)
        #expect(new.subjects[0].proposal.components.count >= 2)
        #expect(new.standardError <= 0.1, "\(new.value) ± \(new.standardError)")
        #expect(abs(new.value - 40) <= 4 * new.standardError, "\(new.value) ± \(new.standardError)")
        guard case .importanceSamplingAllocated(_, _, _, _, let adapted, _, let heavy, _) = new.method else {
            Issue.record("\(new.method)")
            return
        }
        #expect(adapted >= 1 && heavy == 0, "\(new.method); k̂ \(new.tailShapes)")
    }
}
