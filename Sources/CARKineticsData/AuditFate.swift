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
    /// Not selected: a row condition (``ColumnSelection/rowFilters``, `pkfit --where`) or the file's analysis
    /// flags (`ANLzzFL`) leave it out; the detail names the condition. Its cells are not checked.
    case notSelected = "not-selected"
    /// A dose record of an ADNCA file (`PARAMCD` `DOSE`, `EVID` ≠ 0, or a dose unit such as `mg`): not an
    /// observation. Its cells are not checked.
    case doseRecord = "dose-record"
    /// A derived record (`DTYPE` set, e.g. `COPY`, a duplicate of another sample): not a sample as measured.
    /// Its cells are not checked.
    case derived
}
