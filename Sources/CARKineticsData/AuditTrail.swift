import CARKineticsNumerics
import Foundation

/// One line per data row of every input file, saying what became of it (`--audit PATH`).
///
/// Rows are blank lines, rows set aside before being read (not selected, dose and derived records), rows
/// excluded as invalid (only with `--skip-invalid`) and observations; every one of
/// them appears exactly once, so the entries of a file always number its ledger's `dataLines` (lines after
/// the header; a record with a line break inside quotes is one row, listed at its first line). Blank lines
/// are listed as `excluded` with the detail `blank line`, so that nothing in the file goes unaccounted.
public struct AuditTrail: Sendable, Equatable {
    /// One audited row.
    public struct Entry: Sendable, Equatable {
        /// The file name as given.
        public var file: String
        /// 1-based line (header = 1).
        public var line: Int
        /// The subject cell as written (trimmed); empty for a blank line.
        public var subject: String
        /// The time cell as written (trimmed).
        public var time: String
        /// The value cell that was read, as written (trimmed): `AVALC` when `AVAL` is empty in ADPC files.
        public var rawValue: String
        /// What became of the row.
        public var fate: AuditFate
        /// How a BLQ or pre-infusion row was treated, or why a row was excluded.
        public var detail: String
    }

    /// Entries in file order, then line order.
    public var entries: [Entry]

    /// The number of entries with `fate`.
    public func count(_ fate: AuditFate) -> Int {
        entries.reduce(0) { $0 + ($1.fate == fate ? 1 : 0) }
    }

    /// `fate: count` for every fate, and the total, e.g. `252 rows: 118 used, 116 blq, 0 missing, ...`; the fates
    /// of rows set aside before being read (not-selected, dose-record, derived) only when there are any.
    public var summary: String {
        let setAside: Set<AuditFate> = [.notSelected, .doseRecord, .derived]
        return "\(entries.count) rows: "
            + AuditFate.allCases.filter { !setAside.contains($0) || count($0) > 0 }.map {
                "\(count($0)) \($0.rawValue)"
            }
            .joined(separator: ", ")
    }

    /// Assembles the audit of profiles read from `ledgers`' files. `fate(p, k)` says what the analysis did
    /// with observation `k` of profile `p`; `sources[i]` holds the raw cells of file `i`.
    package init(
        ledgers: [RowLedger], profiles: [Profile], profileFiles: [Int], sources: [AuditSource],
        fate: (_ profile: Int, _ observation: Int) -> (AuditFate, String)
    ) {
        var perFile = [[Entry]](repeating: [], count: ledgers.count)
        func entry(_ file: Int, _ line: Int, _ fate: AuditFate, _ detail: String) -> Entry {
            let cells = sources[file].cells[line]
            return Entry(
                file: ledgers[file].file, line: line, subject: cells?.subject ?? "", time: cells?.time ?? "",
                rawValue: cells?.value ?? "", fate: fate, detail: detail)
        }
        for (file, ledger) in ledgers.enumerated() {
            for line in ledger.blankLines { perFile[file].append(entry(file, line, .excluded, "blank line")) }
            for row in ledger.setAside {
                let reason = ledger.reason(of: row)
                perFile[file].append(entry(file, row.line, reason.fate, reason.detail))
            }
            for row in ledger.excluded {
                let reason = row.reason
                perFile[file].append(
                    entry(
                        file, row.line, .excluded,
                        (reason.column.map { "column '\($0)': " } ?? "") + reason.message))
            }
        }
        for (p, profile) in profiles.enumerated() {
            let file = profileFiles[p]
            for (k, observation) in profile.observations.enumerated() {
                let (fate, detail) = fate(p, k)
                perFile[file].append(entry(file, observation.line, fate, detail))
            }
        }
        entries = perFile.flatMap { $0.sorted { $0.line < $1.line } }
    }
}
