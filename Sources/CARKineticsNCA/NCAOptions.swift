import CARKineticsData
import CARKineticsNumerics

/// How the area of one segment between two samples is computed.
public enum AUCMethod: String, Sendable, CaseIterable {
    /// Linear trapezoid everywhere; linear interpolation.
    case linear
    /// Log trapezoid (and log interpolation) on segments where the level falls and both ends are > 0;
    /// linear otherwise. PKNCA's default ("lin up/log down").
    case linearUpLogDown = "linear-up-log-down"
}

/// What happens to a below-limit sample (or an observed 0) in one position of the profile.
public enum BLQTreatment: String, Sendable, CaseIterable {
    /// Kept as a level of 0.
    case keep
    /// Removed from the curve.
    case drop
}

/// BLQ handling by position relative to the quantifiable values (PKNCA's `conc.blq`).
public struct BLQRule: Sendable, Equatable {
    /// Before the first quantifiable value (also: every sample when none is quantifiable).
    public var first: BLQTreatment
    /// Between the first and last quantifiable values.
    public var middle: BLQTreatment
    /// After the last quantifiable value.
    public var last: BLQTreatment

    /// A rule from the three positions' treatments.
    public init(first: BLQTreatment, middle: BLQTreatment, last: BLQTreatment) {
        self.first = first
        self.middle = middle
        self.last = last
    }

    /// PKNCA's default: first = keep (0), middle = drop, last = keep (0).
    public static let pknca = BLQRule(first: .keep, middle: .drop, last: .keep)
}

/// A window [start, end] for a partial AUC.
///
/// The bounds are in ``unit`` when it is set (`0,28d` stays 0–28 days whatever unit the times are in), otherwise
/// in the unit of the analysis' times (``NCAOptions/timeUnit``). ``NCAOptions/resolved(to:)`` converts every
/// window into that unit, which names its columns: 0–28 days analysed in hours is `auc_0_672`.
public struct AUCInterval: Sendable, Equatable, Hashable {
    /// Window bounds, 0 ≤ start < end.
    public var start: Double
    public var end: Double
    /// The unit of the bounds; nil = the unit of the analysis' times.
    public var unit: TimeUnit?

    /// Fails unless 0 ≤ start < end and both are finite.
    public init?(start: Double, end: Double, unit: TimeUnit? = nil) {
        guard start.isFinite, end.isFinite, start >= 0, start < end else { return nil }
        self.start = start
        self.end = end
        self.unit = unit
    }

    /// The window in `target` (untagged: its bounds are then in the analysis' unit); a window without a unit
    /// is taken to be in `target` already. Nil when a bound does not survive the conversion (overflow, or an
    /// end that rounds onto the start).
    public func converted(to target: TimeUnit) -> AUCInterval? {
        guard let unit else { return self }
        return AUCInterval(start: unit.convert(start, to: target), end: unit.convert(end, to: target))
    }

    /// `auc_0_28`: bounds printed as integers when integral, otherwise shortest round-trip decimals. The numbers
    /// are the bounds as stored: name a window after ``NCAOptions/resolved(to:)``.
    public var columnName: String {
        "auc_\(Self.format(start))_\(Self.format(end))"
    }

    /// A window bound as the column names and reports write it.
    package static func format(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }
}

/// Everything that changes how NCA computes, with PKNCA-compatible defaults.
public struct NCAOptions: Sendable, Equatable {
    /// Segment rule for every AUC.
    public var aucMethod: AUCMethod
    public var blqRule: BLQRule
    /// Partial AUC windows, in output order.
    public var intervals: [AUCInterval]
    /// Fits within this distance of the best adjusted R² count as equally good; the one with most points wins.
    public var adjustedR2Tolerance: Double
    /// Fewest points in a λz regression.
    public var minimumLambdaZPoints: Int
    /// The unit of the profiles' times, hence of every time (`h`), rate (`1/h`) and area (`h*…`) computed, and
    /// of windows given without one. ``NCAAnalysis`` sets it from the input (``resolved(to:)``).
    public var timeUnit: TimeUnit = .days
    /// λz is accepted only when its regression's (unadjusted) R² ≥ this (PKNCA's `min.hl.r.squared`, 0.9).
    public var lambdaZMinimumR2: Double
    /// λz is accepted only when the span ratio (time from the first to the last λz point over the half-life)
    /// ≥ this (PKNCA's `min.span.ratio`, 2).
    public var lambdaZMinimumSpanRatio: Double
    /// AUCinf is accepted only when its percent extrapolated ≤ this (PKNCA's `max.aucinf.pext`, 20), and when
    /// λz is accepted.
    public var aucinfMaximumPercentExtrapolated: Double
    /// Terminal phases chosen by hand for some profiles (`--lambda-z-points`); nil = the best-fit rule for all.
    /// ``NCAAnalysis`` checks the choices against the data before analysing (each names one profile, its times
    /// are samples' times, enough points remain); ``NCA/analyze(_:options:)`` applies them as they are.
    public var lambdaZPoints: LambdaZPoints?

    /// Options; defaults are PKNCA's (linear-up/log-down, first=keep middle=drop last=keep, windows 0–28 and 0–90,
    /// acceptance R² ≥ 0.9, span ratio ≥ 2, AUCinf extrapolated ≤ 20%).
    public init(
        aucMethod: AUCMethod = .linearUpLogDown, blqRule: BLQRule = .pknca,
        intervals: [AUCInterval] = NCAOptions.defaultIntervals,
        adjustedR2Tolerance: Double = 1e-4, minimumLambdaZPoints: Int = 3,
        lambdaZMinimumR2: Double = 0.9, lambdaZMinimumSpanRatio: Double = 2,
        aucinfMaximumPercentExtrapolated: Double = 20, lambdaZPoints: LambdaZPoints? = nil
    ) {
        self.aucMethod = aucMethod
        self.blqRule = blqRule
        self.intervals = intervals
        self.adjustedR2Tolerance = adjustedR2Tolerance
        self.minimumLambdaZPoints = minimumLambdaZPoints
        self.lambdaZMinimumR2 = lambdaZMinimumR2
        self.lambdaZMinimumSpanRatio = lambdaZMinimumSpanRatio
        self.aucinfMaximumPercentExtrapolated = aucinfMaximumPercentExtrapolated
        self.lambdaZPoints = lambdaZPoints
    }

    /// Days 0–28 and 0–90, the windows product labels report, in days whatever the unit of the times.
    public static let defaultIntervals: [AUCInterval] = [
        AUCInterval(start: 0, end: 28, unit: .days), AUCInterval(start: 0, end: 90, unit: .days),
    ].compactMap { $0 }

    /// These options for times in `unit`: ``timeUnit`` set and every window converted into it (windows without
    /// a unit are taken as in `unit`), so their columns are named by their numbers in it (`auc_0_672` for 0–28
    /// days in hours). Two windows that become the same (`0,28d` and `0,672` for times in hours) are kept once.
    /// A window that does not survive the conversion is dropped — only possible for bounds near the limits of
    /// `Double`, which `pkfit`'s option grammar refuses.
    public func resolved(to unit: TimeUnit) -> NCAOptions {
        var options = self
        options.timeUnit = unit
        options.intervals = options.resolvedIntervals
        return options
    }

    /// The windows in ``timeUnit`` (those with a unit converted), in order, each once.
    public var resolvedIntervals: [AUCInterval] {
        // Already resolved (the streamed path, per profile): nothing to convert or compare.
        if intervals.allSatisfy({ $0.unit == nil }) { return intervals }
        var windows: [AUCInterval] = []
        for interval in intervals {
            guard let window = interval.converted(to: timeUnit), !windows.contains(window) else { continue }
            windows.append(window)
        }
        return windows
    }
}
