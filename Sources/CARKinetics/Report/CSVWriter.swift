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
            case .number(let x): appendNumber(x, to: &out)
            case .integer(let n): appendInteger(n, to: &out)
            case .text(let s): appendEscaped(s, to: &out)
            case .empty: break
            }
        }
        out.append(0x0A)
    }

    /// The spelling of a number in every writer: `Double.description`'s, with NaN and infinities as above.
    static func number(_ x: Double) -> String {
        var bytes: [UInt8] = []
        appendNumber(x, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `number(x)` without building a `String`.
    static func appendNumber(_ x: Double, to out: inout [UInt8]) {
        guard x.isFinite else {
            out.append(contentsOf: x.isNaN ? "NaN".utf8 : x > 0 ? "inf".utf8 : "-inf".utf8)
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ShortestDecimal.capacity) { buffer in
            guard let base = buffer.baseAddress else { return }
            out.append(contentsOf: UnsafeBufferPointer(start: base, count: ShortestDecimal.write(x, to: base)))
        }
    }

    /// Appends the decimal digits of `n` (with a minus sign when negative), as `String(n)` spells them.
    static func appendInteger(_ n: Int, to out: inout [UInt8]) {
        if n < 0 { out.append(UInt8(ascii: "-")) }
        var rest = n.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var k = buffer.count
            repeat {
                k -= 1
                buffer[k] = UInt8(truncatingIfNeeded: rest % 10) &+ UInt8(ascii: "0")
                rest /= 10
            } while rest > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[k...]))
        }
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
