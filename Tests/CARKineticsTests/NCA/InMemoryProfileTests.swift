import PropertyBased
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA

/// The library as users call it (issue 13 item 5): a profile from parallel arrays, results that do not depend
/// on the order of the samples, interval AUCs by their bounds, and arrays of different lengths refused.
@Suite struct InMemoryProfileTests {
    static let linear = NCAOptions(aucMethod: .linear)

    /// Hand-computed, linear trapezoid: BLQ at 0 → 0; 0–1: 10/2 = 5; 1–2: (10+6)/2 = 8; 2–4: (6+2)/2·2 = 8.
    /// AUClast = 21, Tlast = 4, Cmax = 10 at 1; AUC0–3 = 5 + 8 + (6+4)/2 = 18 (C(3) = 4 on the 2–4 line).
    @Test func profileFromArraysSortsItsInput() throws {
        let options = NCAOptions(aucMethod: .linear, intervals: [try #require(AUCInterval(start: 0, end: 3))])
        let profile = try Profile(subject: "P1", times: [4, 2, 1, 0], values: [2, 6, 10, nil], lloq: 1)
        #expect(profile.observations.map(\.time) == [0, 1, 2, 4])
        // The line is the position in the caller's arrays, kept through the sort.
        #expect(profile.observations.map(\.line) == [4, 3, 2, 1])
        #expect(profile.observations[0].measurement == .belowLimit(lloq: 1))
        let nca = NCA.analyze(profile, options: options)
        #expect(nca.auclast == .value(21))
        #expect(nca.tlast == .value(4))
        #expect(nca.cmax == .value(10))
        #expect(nca.tmax == .value(1))
        #expect(nca.auc(from: 0, to: 3) == 18)
    }

    /// Issue 13: the same points in reverse order gave AUClast 87.5 instead of 11,113 and Tlast 7 instead of 28
    /// through the `observations:` initialiser, which trusted its input to be sorted. It now sorts.
    @Test func reversedObservationsGiveTheSortedResult() {
        let points: [(Double, MeasuredValue)] = [
            (0, .belowLimit(lloq: nil)), (7, .value(1_500)), (14, .value(400)), (28, .value(25)),
        ]
        let forward = points.enumerated().map { Observation(time: $1.0, measurement: $1.1, line: $0 + 2) }
        let sorted = NCA.analyze(Profile(subject: "P", observations: forward), options: Self.linear)
        let reversed = NCA.analyze(Profile(subject: "P", observations: forward.reversed()), options: Self.linear)
        // 7·1500/2 + 7·(1500+400)/2 + 14·(400+25)/2 = 5250 + 6650 + 2975.
        #expect(sorted.auclast == .value(14_875))
        #expect(reversed == sorted)
        #expect(reversed.tlast == .value(28))
    }

    /// A value below `lloq` is below the limit, as when a file is read with `--lloq`; without a limit 0 stays a
    /// measured 0.
    @Test func valuesBelowTheLimitAreBLQ() throws {
        let profile = try Profile(subject: "P", times: [0, 1, 2, 3], values: [0, 0.5, 1, 3], lloq: 1)
        #expect(
            profile.observations.map(\.measurement) == [
                .belowLimit(lloq: 1), .belowLimit(lloq: 1), .value(1), .value(3),
            ])
        let unlimited = try Profile(subject: "P", times: [0, 1, 2], values: [nil, 0.5, 0])
        #expect(unlimited.observations.map(\.measurement) == [.belowLimit(lloq: nil), .value(0.5), .value(0)])
    }

    @Test func initialiserErrors() {
        func error(_ times: [Double], _ values: [Double?], lloq: Double? = nil) -> SampleArrayError? {
            do {
                _ = try Profile(subject: "P", times: times, values: values, lloq: lloq)
                return nil
            } catch {
                return error
            }
        }
        #expect(error([0, 1, 2], [1, 2]) == .lengthMismatch(times: 3, values: 2))
        #expect(error([0, 1], [1, 2, 3]) == .lengthMismatch(times: 2, values: 3))
        #expect(isNaNTime(error([0, .nan], [1, 2])))
        #expect(error([0, .infinity], [1, 2]) == .nonFiniteTime(index: 1, time: .infinity))
        #expect(error([0, 1], [.infinity, 2]) == .nonFiniteValue(index: 0, value: .infinity))
        #expect(isNaNValue(error([0, 1], [1, .nan]), index: 1))
        #expect(error([0, 1], [1, -2]) == .negativeValue(index: 1, value: -2))
        #expect(error([5, 1, 3, 1], [1, 2, 3, 4]) == .duplicateTime(time: 1, first: 1, second: 3))
        #expect(error([0, 1], [1, 2], lloq: -1) == .invalidLLOQ(-1))
        #expect(error([0, 1], [1, 2], lloq: .infinity) == .invalidLLOQ(.infinity))
        // Messages name the arrays' indices, never a file line.
        #expect(
            SampleArrayError.duplicateTime(time: 1, first: 1, second: 3).description
                == "times[1] and times[3] are both 1.0; expected one sample per time")
        #expect(
            SampleArrayError.lengthMismatch(times: 3, values: 2).description
                == "times has 3 elements but values has 2; expected one value per time")
    }

    private func isNaNTime(_ error: SampleArrayError?) -> Bool {
        if case .nonFiniteTime(1, let time)? = error { return time.isNaN }
        return false
    }

    private func isNaNValue(_ error: SampleArrayError?, index: Int) -> Bool {
        if case .nonFiniteValue(let at, let value)? = error { return at == index && value.isNaN }
        return false
    }

    /// Any permutation of the samples gives the identical result (every parameter, λz, intervals, notes),
    /// through both initialisers, with BLQ samples and pre-infusion times among them.
    @Test func resultsDoNotDependOnInputOrder() async {
        let options = NCAOptions(aucMethod: .linearUpLogDown)
        await propertyCheck(count: 80, input: NCAPropertyTests.profilePoints, Gen.uint64(), Gen.bool) {
            raw, seed, preInfusion in
            var points = NCAPropertyTests.points(raw, blq: true)
            if preInfusion { points.insert((-1, 5), at: 0) }
            let ordered = try Profile(subject: "S", times: points.map(\.0), values: points.map(\.1))
            let shuffled = NCAPropertyTests.shuffled(points, seed: seed)
            let permuted = try Profile(subject: "S", times: shuffled.map(\.0), values: shuffled.map(\.1))
            let expected = NCA.analyze(ordered, options: options)
            #expect(NCA.analyze(permuted, options: options) == expected)
            // The observations initialiser sorts too.
            let observations = NCAPropertyTests.shuffled(ordered.observations, seed: seed &+ 1)
            #expect(NCA.analyze(Profile(subject: "S", observations: observations), options: options) == expected)
        }
    }

    @Test func intervalAUCByItsBounds() throws {
        let profile = try Profile(
            subject: "P", times: [0, 7, 14, 21, 28, 35], values: [nil, 1_500, 400, 100, 25, nil])
        let nca = NCA.analyze(profile, options: Self.linear)
        // Default intervals 0–28 and 0–90: the observed area stops at Tlast = 28.
        // 7·1500/2 + 7·1900/2 + 7·500/2 + 7·125/2 = 5250 + 6650 + 1750 + 437.5.
        #expect(nca.auc(from: 0, to: 28) == 14_087.5)
        #expect(nca.auc(from: 0, to: 90) == 14_087.5)
        #expect(nca.auc(from: 0, to: 28) == nca.intervals[0].auc.number)
        #expect(nca.auc(from: 0, to: 90, extrapolated: true) == nca.intervals[1].aucExtrapolated.number)
        #expect(try #require(nca.auc(from: 0, to: 90, extrapolated: true)) > 14_087.5)
        // A window that was not analysed is nil, not 0 and not a neighbour's value.
        #expect(nca.auc(from: 0, to: 21) == nil)
        #expect(nca.auc(from: 7, to: 28) == nil)
    }

    /// Issue 13: `fit(times:values:)` with arrays of different lengths truncated silently and reported "too
    /// few samples: 2".
    @Test func fittingRefusesArraysOfDifferentLengths() throws {
        #expect(throws: SampleArrayError.lengthMismatch(times: 5, values: 2)) {
            try KineticFitter(model: .monoexp).fit(times: [1, 2, 3, 4, 5], values: [100, 50])
        }
        let formula = try FormulaKineticModel(text: "C = c0*exp(-k*t)", start: [("c0", 100), ("k", 0.1)])
        #expect(throws: SampleArrayError.lengthMismatch(times: 2, values: 3)) {
            try formula.fit(times: [1, 2], values: [100, 50, 25])
        }
    }
}
