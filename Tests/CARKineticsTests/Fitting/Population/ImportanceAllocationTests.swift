import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics

/// The reported −2 ln L's draw allocation: batches pooled exactly, and the Neyman allocation against equal
/// allocation.
@Suite struct ImportanceAllocationTests {
    /// Theoph with random lKa and lCl at nlme's estimates: the fitter, layout, x, data and every subject's mode.
    static func theoph() throws -> (
        PopulationFitter, PopulationFitter.Layout, [Double], PopulationData, SubjectObjective, [SubjectMode]
    ) {
        var model = try TheophReference.model()
        model.random = ["lKa", "lCl"]
        let data = try TheophReference.data(model: model)
        let (layout, x) = PopulationImportanceTests.theophLayout(random: ["lKa", "lCl"])
        var options = PopulationFitter.Options()
        options.parallel = false
        let fitter = PopulationFitter(model: model, options: options)
        let objective = SubjectObjective(model: model)
        let point = layout.point(x)
        let modes = data.subjects.map { subject in
            objective.mode(
                subject, base: objective.baseParameters(subject, point: point, terms: []), point: point,
                start: [0, 0])
        }
        return (fitter, layout, x, data, objective, modes)
    }

    /// Two batches (1,500 and 2,500 draws, independent seeds) pooled give the value and variance of one run over
    /// the union of their draws through the fixed-point objective (the log weights rebased from −ln K_b to
    /// −ln(K₁ + K₂)) to rounding: ``PopulationFitter/logJoint`` is −F/2 of that objective and the pooling is exact.
    @Test func pooledBatchesEqualOneRunOverTheUnion() throws {
        let (fitter, layout, x, data, objective, modes) = try Self.theoph()
        let root = PopulationFitter.priorRoot(x, layout: layout, objective: objective)
        let subject = try #require(data.subjects.firstIndex { $0.id == "9" })
        let a = fitter.importancePoints(mode: modes[subject], moment: nil, priorRoot: root, draws: 1500, seed: 3)
        let b = fitter.importancePoints(mode: modes[subject], moment: nil, priorRoot: root, draws: 2500, seed: 11)
        func batch(_ points: MarginalPoints) -> WeightBatch {
            WeightBatch(
                points: points,
                logTargets: fitter.logJoint(
                    x, layout: layout, subject: data.subjects[subject], terms: [], objective: objective,
                    points: points),
                keepLargest: 100, keepBest: 10)
        }
        func term(_ points: MarginalPoints) -> MarginalTerm {
            fitter.marginalTerm(
                x, layout: layout, subject: data.subjects[subject], terms: [], objective: objective, points: points,
                wantsGradient: false)
        }
        var pooled = PooledWeights()
        pooled.add(batch(a))
        pooled.add(batch(b))
        let logUnion = Foundation.log(4000.0)
        let union = MarginalPoints(
            eta: a.eta + b.eta,
            logWeight: a.logWeight.map { $0 + Foundation.log(1500.0) - logUnion }
                + b.logWeight.map { $0 + Foundation.log(2500.0) - logUnion },
            randomCount: 2)
        let whole = term(union)
        #expect(pooled.count == 4000)
        #expect(abs(pooled.value - whole.value) <= 1e-12 * max(1, abs(whole.value)), "\(pooled.value) \(whole.value)")
        #expect(abs(pooled.variance - whole.variance) <= 1e-10 * whole.variance)
        // Not the mean of the two batches' values (what averaging −2 ln L_b would give).
        #expect(abs(pooled.value - (term(a).value + term(b).value) / 2) > 1e-6)
        // The largest weights kept are the batch's, descending.
        let largest = batch(a).largest
        #expect(largest.count == 100 && zip(largest, largest.dropFirst()).allSatisfy { $0 >= $1 })
    }

    /// Subject 9 with a poor proposal (centred 1.5 posterior SDs off and 3× too narrow: heavy-tailed weights, kept
    /// bounded by the defensive component) among eleven subjects with the Laplace one: at the same total number
    /// of draws the allocation (no re-adaptation) gives a smaller total SE than equal draws per subject, and most
    /// of the draws go to the poor subject.
    @Test func allocationBeatsEqualDrawsWithOnePoorProposal() throws {
        let (fitter, layout, x, data, objective, laplaceModes) = try Self.theoph()
        let root = PopulationFitter.priorRoot(x, layout: layout, objective: objective)
        let poor = try #require(data.subjects.firstIndex { $0.id == "9" })
        var shifted = laplaceModes
        let sd = 1 / shifted[poor].cholesky[0]
        shifted[poor].eta[0] += 1.5 * 2.squareRoot() * sd
        shifted[poor].cholesky = shifted[poor].cholesky.map { $0 * 3 }
        let proposals = shifted.map { fitter.proposal(mode: $0, moment: nil, priorRoot: root) }
        let logTarget: @Sendable (Int, MarginalPoints) -> [Double] = { i, points in
            fitter.logJoint(
                x, layout: layout, subject: data.subjects[i], terms: [], objective: objective, points: points)
        }
        var aiming = fitter
        aiming.options.importanceTarget = 1e-6 // unreachable: the whole budget is spent
        let n = data.subjects.count
        let allocated = aiming.allocatedDraws(
            proposals: proposals, budget: 12_000 * n, cap: 1_000_000, adaptations: 0, logTarget: logTarget
        ).subjects.map(\.pooled)
        let total = allocated.reduce(0) { $0 + $1.count }
        #expect(total <= 12_000 * n + 500 * n)
        #expect(allocated[poor].count > total / 4, "\(allocated.map(\.count))")
        let equalDraws = total / n
        var equal = 0.0
        for i in 0..<n {
            var weights = PooledWeights()
            let points = MarginalPoints.importance(
                components: proposals[i].mixture, draws: equalDraws, seed: PopulationFitter.subjectSeed(99, subject: i))
            weights.add(WeightBatch(points: points, logTargets: logTarget(i, points), keepLargest: 1, keepBest: 1))
            equal += weights.variance
        }
        let allocatedSE = allocated.reduce(0) { $0 + $1.variance }.squareRoot()
        #expect(
            allocatedSE < 0.7 * equal.squareRoot(),
            "allocated \(allocatedSE) vs equal \(equal.squareRoot()); v \(allocated.map(\.perDrawVariance))")
    }

    /// The allocation rule by hand: K_i ∝ √v_i toward the target, at most 4× the current draws, the cap, the
    /// budget shared in proportion, small requests raised to the minimum.
    @Test func neymanRule() {
        // v = (400, 9, 0), K = 100 each, target 0.5: ideal K_i = √v_i·Σ√v/T² = (20·23/0.25, 3·23/0.25, 0)
        // = (1,840, 276, 0); the first is capped at 400 (4×), so 300 and 176 more.
        #expect(
            DrawAllocation.further(
                current: [100, 100, 100], perDrawVariance: [400, 9, 0], target: 0.5, cap: 1_000_000,
                budget: 1_000_000, minimum: 100) == [300, 176, 0])
        // Budget 200: the Neyman shares of the 500 draws are (434.8, 65.2, 0), so all 200 go to the first subject
        // (its 4× ceiling, 300 more, scaled to the budget).
        #expect(
            DrawAllocation.further(
                current: [100, 100, 100], perDrawVariance: [400, 9, 0], target: 0.5, cap: 1_000_000, budget: 200,
                minimum: 50) == [200, 0, 0])
        // The per-subject cap.
        #expect(
            DrawAllocation.further(
                current: [100, 100], perDrawVariance: [400, 9], target: 0.5, cap: 300, budget: 1_000_000,
                minimum: 100) == [200, 176])
        // A positive request under the minimum is raised to it (else a total just above target stops early).
        #expect(
            DrawAllocation.further(
                current: [100, 100], perDrawVariance: [400, 9], target: 0.5, cap: 1_000_000, budget: 1_000_000,
                minimum: 200) == [300, 200])
        // Subjects that already have their share: nothing.
        #expect(
            DrawAllocation.further(
                current: [100, 100], perDrawVariance: [400, 9], target: 10, cap: 1_000_000, budget: 1_000_000,
                minimum: 100) == [0, 0])
    }
}
