import CARKineticsData
import CARKineticsNumerics
import Foundation

/// A terminal phase chosen by hand for one profile, with the reason (docs/nca-rules.md, "Choosing λz by hand").
public struct LambdaZChoice: Sendable, Equatable {
    /// Which samples the λz regression may use.
    public enum Points: Sendable, Equatable {
        /// One regression over every quantifiable sample with first ≤ t ≤ last (Tmax included when it lies in
        /// the range: the choice is the analyst's). Both times are times of samples of the profile.
        case range(first: Double, last: Double)
        /// The best-fit rule over the λz candidates (quantifiable samples after Tmax) without the samples at
        /// these times, each of which is a candidate.
        case excluding([Double])
    }

    /// Which samples.
    public var points: Points
    /// Why, as the analyst wrote it; it travels to the NCA output (`lambda_z_reason`), the audit and PP.
    public var reason: String

    /// A choice; see the properties.
    public init(points: Points, reason: String) {
        self.points = points
        self.reason = reason
    }

    /// `manual-range` or `manual-exclusion`, the `lambda_z_rule` of a profile with this choice.
    public var rule: String {
        switch points {
        case .range: "manual-range"
        case .excluding: "manual-exclusion"
        }
    }
}

extension NCA {
    /// The `lambda_z_rule` of profiles without a choice made by hand.
    static let bestFitRule = "best-fit"

    /// The points a choice made by hand gives the λz regression (quantifiable samples of the curve, in time
    /// order): the range's samples, or the best-fit candidates without the excluded times.
    static func lambdaZPoints(
        _ curve: ConcentrationCurve, _ choice: LambdaZChoice
    ) -> (times: [Double], levels: [Double]) {
        var times: [Double] = []
        var levels: [Double] = []
        switch choice.points {
        case .range(let first, let last):
            for i in curve.times.indices
            where curve.observed[i] && curve.levels[i] > 0 && curve.times[i] >= first && curve.times[i] <= last {
                times.append(curve.times[i])
                levels.append(curve.levels[i])
            }
        case .excluding(let excluded):
            guard let peak = cmaxIndex(curve), let last = curve.lastQuantifiable, peak < last else { break }
            for i in (peak + 1)...last where curve.levels[i] > 0 && !excluded.contains(curve.times[i]) {
                times.append(curve.times[i])
                levels.append(curve.levels[i])
            }
        }
        return (times, levels)
    }

    /// λz of a profile whose terminal phase was chosen by hand: one regression over the range, or the best-fit
    /// rule over the candidates that remain after the exclusions.
    static func lambdaZ(
        _ curve: ConcentrationCurve, options: NCAOptions, choice: LambdaZChoice
    ) -> Result<LambdaZFit, LambdaZFailure> {
        let (times, levels) = lambdaZPoints(curve, choice)
        let minimum = max(3, options.minimumLambdaZPoints)
        switch choice.points {
        case .excluding:
            return LambdaZ.select(
                times: times, levels: levels, minimumPoints: minimum, tolerance: options.adjustedR2Tolerance)
        case .range:
            guard times.count >= minimum else { return .failure(.tooFewPoints(times.count, needed: minimum)) }
            let logs = levels.map { log($0) }
            guard let fit = LambdaZ.regress(times[...], logs[...]), fit.slope < 0 else { return .failure(.noDecline) }
            let k = Double(times.count)
            return .success(
                LambdaZFit(
                    lambdaZ: -fit.slope, intercept: fit.intercept, r2: fit.r2,
                    adjustedR2: 1 - (1 - fit.r2) * (k - 1) / (k - 2), points: times.count,
                    timeFirst: times[0], timeLast: times[times.count - 1]))
        }
    }
}
