import CARKineticsData
import CARKineticsNumerics

/// What NCA did with one observation of a profile (for the audit of every input row).
public enum PointTreatment: Sendable, Equatable {
    /// A quantifiable level (> 0) used as measured.
    case quantifiable
    /// Below the limit (or an observed 0); set to 0 by the BLQ rule at this position.
    case belowLimitAsZero(BLQPosition)
    /// Below the limit; dropped by the BLQ rule at this position.
    case belowLimitDropped(BLQPosition)
    /// Empty cell; excluded.
    case missing
    /// The last pre-infusion sample, carried to time 0 because nothing was sampled at 0.
    case preInfusionCarriedToZero
    /// A pre-infusion sample that takes no part.
    case preInfusionIgnored
}

/// Position of a below-limit sample relative to the quantifiable ones.
public enum BLQPosition: String, Sendable, Equatable {
    case first, middle, last
}

/// The curve NCA integrates: levels at times ≥ 0 after the BLQ rule, starting at time 0.
///
/// Built from a profile as follows. Missing rows are dropped. Below-limit samples and observed zeros are
/// set to 0 or dropped by their position (`BLQRule`). When nothing is kept at time 0, a point (0, C0) is
/// put first: C0 is the last pre-infusion sample's level (below-limit → 0), or 0 without one. That point is
/// an anchor for areas only; it is not an observation for Cmax, Tmax, Tlast or λz.
public struct ConcentrationCurve: Sendable, Equatable {
    /// Times (ascending, first = 0) and levels of the curve.
    public private(set) var times: [Double]
    public private(set) var levels: [Double]
    /// Whether each point is an observed sample (false only for the time-0 anchor).
    public private(set) var observed: [Bool]
    /// What happened to each observation of the source profile, in the profile's order.
    public private(set) var treatments: [PointTreatment]
    /// Index (into the curve) of the first and last quantifiable points; nil when none.
    public private(set) var firstQuantifiable: Int?
    public private(set) var lastQuantifiable: Int?
    /// Observations (missing excluded) at times ≥ 0.
    public private(set) var sampleCount: Int

    /// Prepares the curve of `profile` (observations sorted by time) under `rule`.
    public init(profile: Profile, rule: BLQRule) {
        let observations = profile.observations
        var firstQ: Int?
        var lastQ: Int?
        for (i, o) in observations.enumerated() where o.time >= 0 {
            if case .value(let x) = o.measurement, x > 0 {
                if firstQ == nil { firstQ = i }
                lastQ = i
            }
        }
        var times: [Double] = []
        var levels: [Double] = []
        var observed: [Bool] = []
        var treatments = [PointTreatment](repeating: .missing, count: observations.count)
        var lastPreInfusion: Int?
        var samples = 0
        times.reserveCapacity(observations.count + 1)
        levels.reserveCapacity(observations.count + 1)
        observed.reserveCapacity(observations.count + 1)
        for (i, o) in observations.enumerated() {
            if o.measurement == .missing { continue }
            if o.time < 0 {
                treatments[i] = .preInfusionIgnored
                lastPreInfusion = i
                continue
            }
            samples += 1
            if case .value(let x) = o.measurement, x > 0 {
                treatments[i] = .quantifiable
                times.append(o.time)
                levels.append(x)
                observed.append(true)
                continue
            }
            let position: BLQPosition
            let treatment: BLQTreatment
            if let firstQ, let lastQ, i > firstQ {
                position = i < lastQ ? .middle : .last
                treatment = i < lastQ ? rule.middle : rule.last
            } else {
                position = .first
                treatment = rule.first
            }
            switch treatment {
            case .keep:
                treatments[i] = .belowLimitAsZero(position)
                times.append(o.time)
                levels.append(0)
                observed.append(true)
            case .drop:
                treatments[i] = .belowLimitDropped(position)
            }
        }
        if times.first != 0 {
            var c0 = 0.0
            if let p = lastPreInfusion {
                treatments[p] = .preInfusionCarriedToZero
                if case .value(let x) = observations[p].measurement { c0 = x }
            }
            times.insert(0, at: 0)
            levels.insert(c0, at: 0)
            observed.insert(false, at: 0)
        }
        self.times = times
        self.levels = levels
        self.observed = observed
        self.treatments = treatments
        self.sampleCount = samples
        var first: Int?
        var last: Int?
        for i in levels.indices where observed[i] && levels[i] > 0 {
            if first == nil { first = i }
            last = i
        }
        self.firstQuantifiable = first
        self.lastQuantifiable = last
    }
}
