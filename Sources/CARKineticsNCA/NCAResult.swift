import CARKineticsData
import CARKineticsNumerics

/// The partial AUCs of one window.
public struct IntervalResult: Sendable, Equatable {
    /// The window.
    public var interval: AUCInterval
    /// Area over [start, min(end, Tlast)].
    public var auc: NCAValue
    /// `auc` plus the λz extrapolation past Tlast.
    public var aucExtrapolated: NCAValue
    /// nil when nothing is quantifiable.
    public var end: WindowEnd?
    /// Quantifiable samples with start ≤ t ≤ end.
    public var quantifiableSamples: Int
}

/// All NCA parameters of one profile.
public struct NCAResult: Sendable, Equatable {
    /// Identification, copied from the profile.
    public var subject: String
    public var groups: [String]
    public var unit: String?
    /// See `NCA.cmax(_:)` and its siblings for each definition.
    public var cmax: NCAValue
    public var tmax: NCAValue
    public var clast: NCAValue
    public var tlast: NCAValue
    public var tlag: NCAValue
    public var auclast: NCAValue
    public var aucall: NCAValue
    /// One entry per `NCAOptions.intervals` window, in that order.
    public var intervals: [IntervalResult]
    /// The terminal-phase fit, or why there is none.
    public var lambdaZ: Result<LambdaZFit, LambdaZFailure>
    public var aucinfObserved: NCAValue
    /// Samples after infusion that are quantifiable / below the limit (or 0); missing cells.
    public var quantifiableCount: Int
    public var belowLimitCount: Int
    public var missingCount: Int
    /// What happened to each observation of the profile, in the profile's order.
    public var treatments: [PointTreatment]
    /// The acceptance criteria λz fails (``NCA/lambdaZExclusions(_:options:)``); empty when accepted or absent.
    /// The values are still reported; summaries leave them out.
    public var lambdaZExcludedBy: [AcceptanceCriterion] = []
    /// The criteria AUCinf,obs fails: λz's, then its percent extrapolated; empty when accepted or absent.
    public var aucinfExcludedBy: [AcceptanceCriterion] = []
    /// The terminal phase chosen by hand for this profile, nil when λz is the best fit.
    public var lambdaZChoice: LambdaZChoice?

    /// A λz-derived value or the reason it is missing.
    public func fromLambdaZ(_ value: (LambdaZFit) -> Double) -> NCAValue {
        switch lambdaZ {
        case .success(let fit): .value(value(fit))
        case .failure(let failure): .notComputable(reason: "λz: \(failure)")
        }
    }

    /// Clast predicted by the λz regression: exp(intercept − λz·Tlast).
    public var clastPredicted: NCAValue {
        guard case .value(let t) = tlast else { return tlast }
        return fromLambdaZ { exp($0.intercept - $0.lambdaZ * t) }
    }

    /// 100·(AUCinf,obs − AUClast)/AUCinf,obs.
    public var aucPercentExtrapolated: NCAValue {
        guard case .value(let inf) = aucinfObserved, case .value(let last) = auclast else { return aucinfObserved }
        return inf > 0 ? .value(100 * (inf - last) / inf) : .notComputable(reason: "AUCinf is 0")
    }

    /// Whether a value of a λz-dependent parameter is excluded by the acceptance criteria: `aucinf` for
    /// AUCinf,obs and its percent extrapolated, otherwise λz's own criteria.
    public func isExcluded(aucinf: Bool) -> Bool {
        aucinf ? !aucinfExcludedBy.isEmpty : !lambdaZExcludedBy.isEmpty
    }

    /// Root causes of empty values: no samples or no quantifiable level, and why λz is missing (which also
    /// empties the extrapolated AUCs).
    public var notes: [String] {
        var seen: [String] = []
        if let reason = cmax.reason { seen.append(reason) }
        if let reason = tmax.reason, !seen.contains(reason) { seen.append(reason) }
        if seen.isEmpty, case .failure(let failure) = lambdaZ { seen.append("λz: \(failure)") }
        let areas = [auclast, aucall, aucinfObserved] + intervals.flatMap { [$0.auc, $0.aucExtrapolated] }
        for reason in areas.compactMap(\.reason) where reason.hasPrefix(NCA.overflowPrefix) && !seen.contains(reason) {
            seen.append(reason)
        }
        return seen
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension NCA {
    /// How the reason of an area that overflows begins (``NCAResult/notes`` lists such reasons).
    static let overflowPrefix = "not a finite number"

    /// An area that overflowed (levels near the largest `Double`) as not computable, never as `inf`.
    static func finiteArea(_ value: NCAValue, _ name: String) -> NCAValue {
        guard case .value(let x) = value, !x.isFinite else { return value }
        return .notComputable(reason: "\(overflowPrefix): \(name) exceeds the largest Double")
    }

    /// Every parameter of one profile. Pure; linear in the number of observations (λz selection included).
    public static func analyze(_ profile: Profile, options: NCAOptions = NCAOptions()) -> NCAResult {
        let curve = ConcentrationCurve(profile: profile, rule: options.blqRule)
        let method = options.aucMethod
        let choice = options.lambdaZPoints?.choice(subject: profile.subject, groups: profile.groups)
        let slope = choice.map { lambdaZ(curve, options: options, choice: $0) } ?? lambdaZ(curve, options: options)
        var quantifiable = 0
        var belowLimit = 0
        var missing = 0
        for treatment in curve.treatments {
            switch treatment {
            case .quantifiable: quantifiable += 1
            case .belowLimitAsZero, .belowLimitDropped: belowLimit += 1
            case .missing: missing += 1
            case .preInfusionCarriedToZero, .preInfusionIgnored: break
            }
        }
        let intervals = options.resolvedIntervals.map { interval in
            let auc = finiteArea(
                intervalAUC(curve, interval, method: method), "AUC(\(interval.start), \(interval.end))")
            return IntervalResult(
                interval: interval,
                auc: auc,
                aucExtrapolated: finiteArea(
                    intervalAUCExtrapolated(curve, interval, observed: auc, lambdaZ: slope),
                    "AUC(\(interval.start), \(interval.end)) extrapolated"),
                end: windowEnd(curve, interval, lambdaZ: slope),
                quantifiableSamples: quantifiableCount(curve, in: interval))
        }
        let area = finiteArea(auclast(curve, method: method), "AUClast")
        var result = NCAResult(
            subject: profile.subject, groups: profile.groups, unit: profile.unit,
            cmax: cmax(curve), tmax: tmax(curve), clast: clast(curve), tlast: tlast(curve), tlag: tlag(curve),
            auclast: area, aucall: finiteArea(aucall(curve, auclast: area), "AUCall"),
            intervals: intervals, lambdaZ: slope,
            aucinfObserved: finiteArea(aucinfObserved(curve, auclast: area, lambdaZ: slope), "AUCinf,obs"),
            quantifiableCount: quantifiable, belowLimitCount: belowLimit, missingCount: missing,
            treatments: curve.treatments)
        result.lambdaZChoice = choice
        result.lambdaZExcludedBy = lambdaZExclusions(slope, options: options)
        result.aucinfExcludedBy = aucinfExclusions(
            lambdaZExclusions: result.lambdaZExcludedBy, aucinf: result.aucinfObserved,
            percentExtrapolated: result.aucPercentExtrapolated, options: options)
        return result
    }
}
