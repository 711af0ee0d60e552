extension RowLedger {
    /// The rows excluded under ``InvalidRowPolicy/skip``, worded for a person: nil when none, otherwise a
    /// count line followed by one line per excluded row (`file:line: column 'c': message`), in file and line
    /// order.
    public static func exclusionReport(_ ledgers: [RowLedger]) -> String? {
        let total = ledgers.reduce(0) { $0 + $1.excluded.count }
        guard total > 0 else { return nil }
        var lines = ["excluded \(total) invalid row\(total == 1 ? "" : "s") (--skip-invalid):"]
        for ledger in ledgers {
            for row in ledger.excluded.sorted(by: { $0.line < $1.line }) { lines.append("  " + row.reason.description) }
        }
        return lines.joined(separator: "\n")
    }

    /// The ledgers' warnings, one per line, each starting `warning: `; nil when there are none.
    public static func warningReport(_ ledgers: [RowLedger]) -> String? {
        let warnings = ledgers.flatMap(\.warnings)
        return warnings.isEmpty ? nil : warnings.map { "warning: " + $0 }.joined(separator: "\n")
    }
}
