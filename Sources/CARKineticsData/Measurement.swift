import CARKineticsNumerics

/// One measured level as read from a cell, before any BLQ rule is applied.
public enum Measurement: Sendable, Equatable {
    /// A quantified, finite, non-negative level.
    case value(Double)
    /// Below the assay's lower limit of quantification; `lloq` is the limit when the file states it
    /// (`<50`, or a value below the `--lloq` column/number).
    case belowLimit(lloq: Double?)
    /// An empty cell: excluded from every computation and reported.
    case missing
}

/// One input row of one profile.
public struct Observation: Sendable, Equatable {
    /// Time since infusion, in the time unit of its profile set (``ProfileSet/timeUnit``: the input's, or the
    /// one asked for); negative before infusion.
    public var time: Double
    /// The cell as read, before any BLQ rule.
    public var measurement: Measurement
    /// 1-based line number in the input file; the header is line 1.
    public var line: Int

    /// An observation at `time` (since infusion) read from `line`.
    public init(time: Double, measurement: Measurement, line: Int) {
        self.time = time
        self.measurement = measurement
        self.line = line
    }
}

/// All rows of one subject (and one combination of group values) in one file.
public struct Profile: Sendable {
    /// Subject identifier as written in the file.
    public var subject: String
    /// Values of the `--group` columns, in flag order.
    public var groups: [String]
    /// Every row of the profile, including missing and pre-infusion ones, sorted by time (stable).
    public var observations: [Observation]
    /// The unit stated in the unit column, when the file has one.
    public var unit: String?

    /// A profile; `observations` should already be sorted by time.
    public init(subject: String, groups: [String] = [], observations: [Observation], unit: String? = nil) {
        self.subject = subject
        self.groups = groups
        self.observations = observations
        self.unit = unit
    }
}
