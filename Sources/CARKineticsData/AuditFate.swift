import CARKineticsNumerics

/// What became of one data row of an input file, as the audit reports it.
public enum AuditFate: String, Sendable, Equatable, CaseIterable {
    /// A quantifiable level (> 0) at t ≥ 0 that entered the analysis as measured.
    case used
    /// Below the limit, or an observed 0, at t ≥ 0; the detail says how the BLQ rule treated it.
    case blq
    /// An empty value cell; not used.
    case missing
    /// A sample before infusion (t < 0); the detail says whether it became the level at time 0.
    case preInfusion = "pre-infusion"
    /// Not read as an observation: an invalid row under `--skip-invalid`, or a blank line.
    case excluded
}
