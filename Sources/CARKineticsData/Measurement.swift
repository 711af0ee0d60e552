import CARKineticsNumerics

/// One measured level as read from a cell, before any BLQ rule is applied.
public enum MeasuredValue: Sendable, Equatable {
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
    public var measurement: MeasuredValue
    /// 1-based line number in the input file; the header is line 1.
    public var line: Int

    /// An observation at `time` (since infusion) read from `line`.
    public init(time: Double, measurement: MeasuredValue, line: Int) {
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
    /// Every row of the profile, including missing and pre-infusion ones, sorted by time (ties by line).
    /// Read-only outside the package, so a profile can never hold its samples out of order (NCA relies on it).
    public package(set) var observations: [Observation]
    /// The unit stated in the unit column, when the file has one.
    public var unit: String?

    /// A profile of `observations` in any order: they are sorted here by time, ties by
    /// ``Observation/line`` (one pass when they already are). Two quantified samples at one time are not
    /// rejected here (the readers reject them naming both lines); ``init(subject:groups:times:values:lloq:unit:)``
    /// rejects them.
    public init(subject: String, groups: [String] = [], observations: [Observation], unit: String? = nil) {
        self.subject = subject
        self.groups = groups
        self.observations = Profile.sortedByTime(observations)
        self.unit = unit
    }
}
