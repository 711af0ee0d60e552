/// RFC 4180 CSV: a header line, then one line per row, LF line ends. Numbers are shortest round-trip
/// decimals (`Double.description`, so parsing them back gives the same bits); NaN is written `NaN`,
/// infinities `inf` / `-inf`; empty cells are empty. Fields containing a comma, quote, CR or LF are quoted
/// with `""` escapes.
public enum CSVWriter {
    /// The whole table as CSV text.
    public static func render(_ table: ResultTable) -> String {
        var out = ""
        out.reserveCapacity((table.rows.count + 1) * table.columns.count * 12)
        for (c, name) in table.columns.enumerated() {
            if c > 0 { out.append(",") }
            out.append(escape(name))
        }
        out.append("\n")
        for row in table.rows {
            for (c, cell) in row.enumerated() {
                if c > 0 { out.append(",") }
                switch cell {
                case .number(let x): out.append(number(x))
                case .integer(let n): out.append(String(n))
                case .text(let s): out.append(escape(s))
                case .empty: break
                }
            }
            out.append("\n")
        }
        return out
    }

    static func number(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return x.description
    }

    static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
