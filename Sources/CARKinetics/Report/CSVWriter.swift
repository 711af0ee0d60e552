/// RFC 4180 CSV: a header line, then one line per row, LF line ends. Numbers are shortest round-trip
/// decimals (`Double.description`, so parsing them back gives the same bits); NaN is written `NaN`,
/// infinities `inf` / `-inf`; empty cells are empty. Fields containing a comma, quote, CR or LF are quoted
/// with `""` escapes.
public enum CSVWriter {
    public static func render(_ table: ResultTable) -> String {
        var out = ""
        out += table.columns.map(escape).joined(separator: ",")
        out += "\n"
        for row in table.rows {
            out += row.map(field).joined(separator: ",")
            out += "\n"
        }
        return out
    }

    static func field(_ cell: ResultCell) -> String {
        switch cell {
        case .number(let x): number(x)
        case .integer(let n): String(n)
        case .text(let s): escape(s)
        case .empty: ""
        }
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
