import CARKineticsNumerics

/// One condition on a column that a row must meet to be read (`pkfit --where COL=VALUE`, `--where COL!=VALUE`).
///
/// Cells are compared as text: the cell with surrounding spaces and tabs removed must equal ``value`` exactly,
/// case-sensitively (CDISC values are case-sensitive), byte for byte (no Unicode normalization). A numeric cell
/// of a SAS transport file is compared in the text form the reader gives it (the shortest decimal that reads
/// back to the same number, integers without a fraction: `100`, `0.25`); Dataset-JSON and Excel numbers in the
/// decimal text the file holds. An empty ``value`` matches an empty (or missing) cell.
///
/// Several conditions combine as a row selection: conditions on different columns must all hold; two or more
/// `=` conditions on one column hold when any of them does (`COHORT=A`, `COHORT=B`: cohort A or B); every `!=`
/// condition must hold. A row that fails is not read as an observation: its other cells are not checked, and
/// it is counted in the ledger with the fate ``AuditFate/notSelected``.
public struct RowFilter: Sendable, Hashable {
    /// The column name, matched like an explicit column (exactly, else ignoring case).
    public var column: String
    /// The text compared with the cell (surrounding spaces and tabs removed).
    public var value: String
    /// `!=`: the row is selected when its cell is *not* ``value``.
    public var excludes: Bool

    /// A condition `column = value` (or `column != value` when `excludes`); `column` and `value` lose their
    /// surrounding spaces and tabs.
    public init(column: String, value: String, excludes: Bool = false) {
        self.column = Self.trimmed(column)
        self.value = Self.trimmed(value)
        self.excludes = excludes
    }

    /// Reads `COL=VALUE` or `COL!=VALUE` (the first `=` splits; a `!` just before it makes the condition `!=`).
    /// The column must not be empty; the value may be (`DTYPE=` selects rows whose DTYPE is empty).
    public init(parsing text: String) throws(RowFilterError) {
        let bytes = Array(text.utf8)
        guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else {
            throw RowFilterError(text: text, problem: "expected COLUMN=VALUE or COLUMN!=VALUE")
        }
        let excludes = equals > 0 && bytes[equals - 1] == UInt8(ascii: "!")
        let column = String(decoding: bytes[..<(excludes ? equals - 1 : equals)], as: UTF8.self)
        let value = String(decoding: bytes[(equals + 1)...], as: UTF8.self)
        guard !Self.trimmed(column).isEmpty else {
            throw RowFilterError(text: text, problem: "no column name before '\(excludes ? "!=" : "=")'")
        }
        if bytes.contains(0) { throw RowFilterError(text: text, problem: "contains a NUL character") }
        // `A! =B` would print as `A!=B`, which reads back as a `!=` condition: a column name ending in `!` is
        // refused rather than shown ambiguously.
        if Self.trimmed(column).hasSuffix("!") {
            throw RowFilterError(text: text, problem: "a column name cannot end with '!'; write COLUMN!=VALUE")
        }
        self.init(column: column, value: value, excludes: excludes)
    }

    /// `COL=VALUE` or `COL!=VALUE`, as parsed.
    public var text: String { column + (excludes ? "!=" : "=") + value }

    static func trimmed(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}

/// A row condition that is not `COL=VALUE` or `COL!=VALUE`.
public struct RowFilterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The condition as given.
    public var text: String
    /// What is wrong with it.
    public var problem: String

    public var description: String { "'\(MessageText.capped(text))': \(problem)" }
}
