/// RFC 4180 CSV: a header line, then one line per row, LF line ends. Numbers are shortest round-trip
/// decimals (`Double.description`, so parsing them back gives the same bits); NaN is written `NaN`,
/// infinities `inf` / `-inf`; empty cells are empty. Fields containing a comma, quote, CR or LF are quoted
/// with `""` escapes.
public enum CSVWriter {
    /// The whole table as CSV text.
    public static func render(_ table: ResultTable) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((table.rows.count + 1) * table.columns.count * 12)
        appendHeader(table.columns, to: &out)
        for row in table.rows { appendRow(row, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the header line; `render` is this followed by `appendRow` for each row, so a table streamed in
    /// pieces has exactly the bytes of the rendered one.
    static func appendHeader(_ columns: [String], to out: inout [UInt8]) {
        for (c, name) in columns.enumerated() {
            if c > 0 { out.append(0x2C) }
            appendEscaped(name, to: &out)
        }
        out.append(0x0A)
    }

    /// Appends one row and its line end.
    static func appendRow(_ row: [ResultCell], to out: inout [UInt8]) {
        for (c, cell) in row.enumerated() {
            if c > 0 { out.append(0x2C) }
            switch cell {
            case .number(let x):
                var text = number(x)
                text.withUTF8 { out.append(contentsOf: $0) }
            case .integer(let n):
                var text = String(n)
                text.withUTF8 { out.append(contentsOf: $0) }
            case .text(let s): appendEscaped(s, to: &out)
            case .empty: break
            }
        }
        out.append(0x0A)
    }

    static func number(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return x.description
    }

    static func escape(_ text: String) -> String {
        guard needsQuotes(text) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private static func needsQuotes(_ text: String) -> Bool {
        text.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D })
    }

    private static func appendEscaped(_ text: String, to out: inout [UInt8]) {
        var text = needsQuotes(text) ? escape(text) : text
        text.withUTF8 { out.append(contentsOf: $0) }
    }
}
