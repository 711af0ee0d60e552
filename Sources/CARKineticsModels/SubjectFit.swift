import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics

/// One subject's fit with the identifiers and sample accounting the output needs.
public struct SubjectFit: Sendable {
    public var subject: String
    /// Values of the group columns, in the order of the group column names.
    public var groups: [String]
    public var fit: KineticFit
    /// Rows of this subject that the fit did not use, by reason (BLQ, missing, pre-infusion).
    public var notUsed: SampleExclusions

    public init(subject: String, groups: [String], fit: KineticFit, notUsed: SampleExclusions) {
        self.subject = subject
        self.groups = groups
        self.fit = fit
        self.notUsed = notUsed
    }
}

/// Counts of a subject's rows left out of a fit.
public struct SampleExclusions: Sendable, Equatable {
    public var belowLimit = 0
    public var missing = 0
    public var preInfusion = 0

    public init(belowLimit: Int = 0, missing: Int = 0, preInfusion: Int = 0) {
        self.belowLimit = belowLimit
        self.missing = missing
        self.preInfusion = preInfusion
    }
}
