import CARKineticsData
import CARKineticsNumerics

/// One function per NCA parameter, each a pure function of the prepared curve (PKNCA's organisation).
/// Definitions and conventions: docs/nca-rules.md.
public enum NCA {
    static let noSamples = NCAValue.notComputable(reason: "no samples after infusion")
    static let noQuantifiable = NCAValue.notComputable(reason: "no quantifiable level")

    /// Index of Cmax in the curve: the first observed point with the largest level.
    static func cmaxIndex(_ curve: ConcentrationCurve) -> Int? {
        guard curve.firstQuantifiable != nil else { return nil }
        var best: Int?
        var highest = -Double.infinity
        for i in curve.levels.indices where curve.observed[i] && curve.levels[i] > highest {
            best = i
            highest = curve.levels[i]
        }
        return best
    }

    /// Largest level after infusion; 0 when nothing is quantifiable.
    public static func cmax(_ curve: ConcentrationCurve) -> NCAValue {
        guard curve.sampleCount > 0 else { return noSamples }
        guard let i = cmaxIndex(curve) else { return .value(0) }
        return .value(curve.levels[i])
    }

    /// First time at which Cmax occurs.
    public static func tmax(_ curve: ConcentrationCurve) -> NCAValue {
        guard curve.sampleCount > 0 else { return noSamples }
        guard let i = cmaxIndex(curve) else { return noQuantifiable }
        return .value(curve.times[i])
    }

    /// Time of the last quantifiable level.
    public static func tlast(_ curve: ConcentrationCurve) -> NCAValue {
        guard curve.sampleCount > 0 else { return noSamples }
        guard let i = curve.lastQuantifiable else { return noQuantifiable }
        return .value(curve.times[i])
    }

    /// The last quantifiable level.
    public static func clast(_ curve: ConcentrationCurve) -> NCAValue {
        guard curve.sampleCount > 0 else { return noSamples }
        guard let i = curve.lastQuantifiable else { return noQuantifiable }
        return .value(curve.levels[i])
    }

    /// Time of the last sample before the first quantifiable one (the time-0 anchor counts as a sample);
    /// 0 when the first quantifiable level is at time 0.
    public static func tlag(_ curve: ConcentrationCurve) -> NCAValue {
        guard curve.sampleCount > 0 else { return noSamples }
        guard let first = curve.firstQuantifiable else { return noQuantifiable }
        return .value(curve.times[max(0, first - 1)])
    }

    /// Area from 0 to Tlast; 0 when nothing is quantifiable.
    public static func auclast(_ curve: ConcentrationCurve, method: AUCMethod) -> NCAValue {
        guard curve.sampleCount > 0 else { return noSamples }
        guard let last = curve.lastQuantifiable else { return .value(0) }
        return .value(
            AUC.area(times: curve.times, levels: curve.levels, from: 0, to: curve.times[last], method: method))
    }

    /// AUClast plus the linear segment from Clast down to the next point when the BLQ rule kept it as 0.
    public static func aucall(_ curve: ConcentrationCurve, method: AUCMethod) -> NCAValue {
        aucall(curve, auclast: auclast(curve, method: method))
    }

    /// `aucall` from an AUClast already computed (the per-profile analysis computes each area once).
    static func aucall(_ curve: ConcentrationCurve, auclast: NCAValue) -> NCAValue {
        guard case .value(let area) = auclast else { return auclast }
        guard let last = curve.lastQuantifiable, last + 1 < curve.times.count else { return .value(area) }
        return .value(area + AUC.segment(curve.times[last], curve.levels[last], curve.times[last + 1], 0, log: false))
    }

    /// Area of the observed curve over [start, min(end, Tlast)]; nothing is added after Tlast. Window ends
    /// inside the data are interpolated by the method's rule. 0 when nothing is quantifiable.
    public static func intervalAUC(_ curve: ConcentrationCurve, _ interval: AUCInterval, method: AUCMethod) -> NCAValue
    {
        guard curve.sampleCount > 0 else { return noSamples }
        guard let last = curve.lastQuantifiable else { return .value(0) }
        let end = min(interval.end, curve.times[last])
        return .value(AUC.area(times: curve.times, levels: curve.levels, from: interval.start, to: end, method: method))
    }

    /// `intervalAUC` plus, when the window ends after Tlast, the exact integral of Clast·e^(−λz(t − Tlast))
    /// over the part of the window after Tlast. Not computable when that tail is needed and λz is not.
    public static func intervalAUCExtrapolated(
        _ curve: ConcentrationCurve, _ interval: AUCInterval, method: AUCMethod,
        lambdaZ: Result<LambdaZFit, LambdaZFailure>
    ) -> NCAValue {
        intervalAUCExtrapolated(
            curve, interval, observed: intervalAUC(curve, interval, method: method), lambdaZ: lambdaZ)
    }

    /// `intervalAUCExtrapolated` from the window's `intervalAUC` already computed.
    static func intervalAUCExtrapolated(
        _ curve: ConcentrationCurve, _ interval: AUCInterval, observed: NCAValue,
        lambdaZ: Result<LambdaZFit, LambdaZFailure>
    ) -> NCAValue {
        guard case .value(let area) = observed, let last = curve.lastQuantifiable else { return observed }
        let tlast = curve.times[last]
        guard interval.end > tlast else { return observed }
        switch lambdaZ {
        case .success(let fit):
            let tail = AUC.exponentialTail(
                clast: curve.levels[last], tlast: tlast, lambdaZ: fit.lambdaZ,
                from: max(interval.start, tlast), to: interval.end)
            return .value(area + tail)
        case .failure(let failure):
            return .notComputable(reason: "window ends after Tlast and λz is not estimable: \(failure)")
        }
    }

    /// Terminal-slope fit over the quantifiable points strictly after Tmax.
    public static func lambdaZ(_ curve: ConcentrationCurve, options: NCAOptions) -> Result<LambdaZFit, LambdaZFailure> {
        guard let peak = cmaxIndex(curve), let last = curve.lastQuantifiable else {
            return .failure(.tooFewPoints(0, needed: max(3, options.minimumLambdaZPoints)))
        }
        var times: [Double] = []
        var levels: [Double] = []
        if peak < last {
            times.reserveCapacity(last - peak)
            levels.reserveCapacity(last - peak)
            for i in (peak + 1)...last where curve.levels[i] > 0 {
                times.append(curve.times[i])
                levels.append(curve.levels[i])
            }
        }
        return LambdaZ.select(
            times: times, levels: levels, minimumPoints: options.minimumLambdaZPoints,
            tolerance: options.adjustedR2Tolerance)
    }

    /// AUClast + Clast/λz; 0 when nothing is quantifiable (the curve is identically 0).
    public static func aucinfObserved(
        _ curve: ConcentrationCurve, method: AUCMethod,
        lambdaZ: Result<LambdaZFit, LambdaZFailure>
    ) -> NCAValue {
        aucinfObserved(curve, auclast: auclast(curve, method: method), lambdaZ: lambdaZ)
    }

    /// `aucinfObserved` from an AUClast already computed.
    static func aucinfObserved(
        _ curve: ConcentrationCurve, auclast area: NCAValue,
        lambdaZ: Result<LambdaZFit, LambdaZFailure>
    ) -> NCAValue {
        guard case .value(let auc) = area, let last = curve.lastQuantifiable else { return area }
        switch lambdaZ {
        case .success(let fit): return .value(auc + curve.levels[last] / fit.lambdaZ)
        case .failure(let failure): return .notComputable(reason: "λz: \(failure)")
        }
    }

    /// Where a window's end falls relative to the data: after Tlast it is `extrapolated` when λz exists
    /// (`auc_A_B_extrap` extrapolates to it) and `truncated` when it does not (nothing is extrapolated).
    public static func windowEnd(
        _ curve: ConcentrationCurve, _ interval: AUCInterval, lambdaZ: Result<LambdaZFit, LambdaZFailure>
    ) -> WindowEnd? {
        guard let last = curve.lastQuantifiable else { return nil }
        let tlast = curve.times[last]
        if interval.end > tlast {
            if case .success = lambdaZ { return .extrapolated }
            return .truncated
        }
        return curve.times[...last].contains(interval.end) ? .observed : .interpolated
    }

    /// Quantifiable samples with start ≤ t ≤ end.
    public static func quantifiableCount(_ curve: ConcentrationCurve, in interval: AUCInterval) -> Int {
        var count = 0
        for i in curve.levels.indices
        where curve.observed[i] && curve.levels[i] > 0 && curve.times[i] >= interval.start
            && curve.times[i] <= interval.end
        {
            count += 1
        }
        return count
    }
}

/// How a window end was reached.
public enum WindowEnd: String, Sendable, Equatable {
    /// A sample lies exactly at the window end.
    case observed
    /// Between two samples, at or before Tlast.
    case interpolated
    /// After Tlast, with λz: the plain interval AUC stops at Tlast, the `_extrap` one extrapolates with λz.
    case extrapolated
    /// After Tlast, without λz: the plain interval AUC stops at Tlast and nothing is extrapolated (the `_extrap`
    /// one is empty).
    case truncated
}
