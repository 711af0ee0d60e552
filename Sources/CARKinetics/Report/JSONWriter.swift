/// JSON: an array with one object per row, keys in column order. Finite numbers are JSON numbers with
/// shortest round-trip digits; JSON has no NaN or infinity, so those are the strings `"NaN"`, `"Infinity"`,
/// `"-Infinity"` (never null, so they cannot be confused with an empty cell); empty cells are `null`.
public enum JSONWriter {
    /// The whole table as JSON text.
    public static func render(_ table: ResultTable) -> String {
        var out = "[\n"
        for (r, row) in table.rows.enumerated() {
            out += "  {"
            for (c, name) in table.columns.enumerated() {
                if c > 0 { out += ", " }
                out += quote(name) + ": " + value(c < row.count ? row[c] : .empty)
            }
            out += r + 1 < table.rows.count ? "},\n" : "}\n"
        }
        return out + "]\n"
    }

    static func value(_ cell: ResultCell) -> String {
        switch cell {
        case .number(let x):
            if x.isNaN { return "\"NaN\"" }
            if x.isInfinite { return x > 0 ? "\"Infinity\"" : "\"-Infinity\"" }
            return x.description
        case .integer(let n): return String(n)
        case .text(let s): return quote(s)
        case .empty: return "null"
        }
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
