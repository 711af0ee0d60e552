import CARKineticsNumerics

/// The fate of every line of one input file, as far as the data layer decides it.
///
/// Every data line is blank, set aside before being read (not selected by the row filters or analysis flags,
/// a dose record, a derived record), excluded as invalid (only under ``InvalidRowPolicy/skip``) or an
/// `Observation` of exactly one profile (whose BLQ treatment the NCA step records in `NCAResult.treatments`), so
/// `dataLines == blankLines.count + setAside.count + excluded.count + quantifiable + belowLimit + missing`
/// always holds; `preInfusion` counts the observations with negative time among those.
public struct RowLedger: Sendable, Equatable {
    /// The file name used in messages.
    public var file: String
    /// Lines after the header.
    public var dataLines: Int = 0
    /// Empty lines, skipped.
    public var blankLines: [Int] = []
    public var quantifiable: Int = 0
    public var belowLimit: Int = 0
    public var missing: Int = 0
    /// Observations before infusion (time < 0), whatever their measurement.
    public var preInfusion: Int = 0
    /// Rows set aside before being read, in line order; each names its reason in ``setAsideReasons``.
    public var setAside: [SetAsideRow] = []
    /// The reasons of this file's row selection and record rules (the reason of a ``SetAsideRow``).
    public var setAsideReasons: [SetAsideReason] = []
    /// Invalid rows left out, in line order, duplicate times included (empty unless invalid rows are skipped).
    public var excluded: [ExcludedRow] = []
    /// Facts about the file worth a warning that do not stop the run (e.g. two subject identifiers that differ
    /// only in Unicode normalization or invisible characters), each worded with the file and lines.
    public var warnings: [String] = []

    /// An empty ledger for `file`.
    public init(file: String) {
        self.file = file
    }

    mutating func record(_ measurement: MeasuredValue, time: Double) {
        dataLines += 1
        switch measurement {
        case .value(let x) where x > 0: quantifiable += 1
        case .value, .belowLimit: belowLimit += 1
        case .missing: missing += 1
        }
        if time < 0 { preInfusion += 1 }
    }

    /// Takes back an observation already recorded (a duplicate time found once the profile is sorted).
    mutating func unrecord(_ measurement: MeasuredValue, time: Double) {
        dataLines -= 1
        switch measurement {
        case .value(let x) where x > 0: quantifiable -= 1
        case .value, .belowLimit: belowLimit -= 1
        case .missing: missing -= 1
        }
        if time < 0 { preInfusion -= 1 }
    }

    /// The fate and detail of a row set aside.
    public func reason(of row: SetAsideRow) -> SetAsideReason {
        row.reason >= 0 && row.reason < setAsideReasons.count
            ? setAsideReasons[row.reason] : SetAsideReason(fate: .notSelected, detail: "")
    }

    /// How many rows were set aside with `fate`.
    public func setAsideCount(_ fate: AuditFate) -> Int {
        setAside.reduce(0) { $0 + (reason(of: $1).fate == fate ? 1 : 0) }
    }

    mutating func setAside(line: Int, reason: Int32) {
        dataLines += 1
        setAside.append(SetAsideRow(line: line, reason: Int(reason) - 1))
    }

    mutating func exclude(line: Int, reason: DataError) {
        dataLines += 1
        excluded.append(ExcludedRow(line: line, reason: reason))
    }
}
