import CARKineticsNumerics

/// What a reader does with a data row it cannot accept.
///
/// Row problems are the ones confined to one record: a ragged row, an empty subject, an empty, non-numeric
/// or non-finite time or value, a negative level, a bad LLOQ cell, a unit that differs from the profile's
/// first unit, and two non-missing samples of one profile at one time. Problems with the file as a whole —
/// empty file, no data rows, missing or ambiguous columns, an unterminated quote, invalid UTF-8 or NUL bytes
/// (binary content) — always stop the read, whatever the policy.
public enum InvalidRowPolicy: Sendable, Equatable {
    /// Stop at the first invalid row with its error (the default: a person fixes the file).
    case stop
    /// Exclude invalid rows and go on; each one is listed in ``RowLedger/excluded`` with its error.
    /// Duplicate times exclude every row of the profile at that time, since none of them can be preferred.
    case skip
}

/// A data row left out under ``InvalidRowPolicy/skip``, with the error that would have stopped a strict read.
public struct ExcludedRow: Sendable, Equatable {
    /// 1-based line (header = 1).
    public var line: Int
    /// Why the row was left out.
    public var reason: DataError
}
