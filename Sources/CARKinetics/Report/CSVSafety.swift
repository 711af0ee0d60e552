/// OWASP "CSV injection" neutralisation for files meant for spreadsheets (`pkfit --csv-safe`).
///
/// A spreadsheet treats a cell that begins with `=`, `+`, `-` or `@` (and, in some programs, a tab or a
/// carriage return) as a formula. Without the option pkfit writes every cell as it is (RFC 4180 quoting
/// only), because the CSV is data for programs. With it, a **text** cell (a subject ID, a group value, a
/// column name) that begins with one of those six characters gets a `'` in front, unless the text is a
/// plain decimal number (`-1.5`, `+2`, `-3e-4`), which a spreadsheet reads as that number and not as a
/// formula. Numeric result cells are never changed: a negative number stays a number.
public enum CSVSafety {
    /// The characters that start a formula.
    static let triggers: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]

    /// `text` as written with `--csv-safe`.
    public static func neutralised(_ text: String) -> String {
        guard let first = text.first, triggers.contains(first), !isPlainNumber(text) else { return text }
        return "'" + text
    }

    /// `table` with every text cell and column name neutralised.
    public static func neutralised(_ table: ResultTable) -> ResultTable {
        var table = table
        table.columns = table.columns.map(neutralised)
        table.rows = table.rows.map { row in
            row.map { cell in
                if case let .text(text) = cell { return .text(neutralised(text)) }
                return cell
            }
        }
        return table
    }

    /// `[+-]? digits [. digits] [e [+-] digits]` (or `.digits`), nothing else.
    static func isPlainNumber(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        func digits() -> Int {
            var n = 0
            while let b = bytes.first, b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { bytes = bytes.dropFirst(); n += 1 }
            return n
        }
        var mantissa = digits()
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            mantissa += digits()
        }
        guard mantissa > 0 else { return false }
        if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return bytes.isEmpty
    }
}
