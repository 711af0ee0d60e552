import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics

/// RFC 4180 CSV: a header line, then one line per row, LF line ends. Numbers are shortest round-trip
/// decimals (`Double.description`, so parsing them back gives the same bits); NaN is written `NaN`,
/// infinities `inf` / `-inf`; empty cells are empty. Fields containing a comma, quote, CR or LF are quoted
/// with `""` escapes.
enum CSVWriter {
    /// The whole table as CSV text.
    static func render(_ table: ResultTable) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((table.rows.count + 1) * table.columns.count * 12)
        appendHeader(table.columns, to: &out)
        for row in table.rows { appendRow(row, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the header line; `render` is this followed by `appendRow` for each row, so a table streamed in
    /// pieces has exactly the bytes of the rendered one.
    static func appendHeader(_ columns: [String], to out: inout [UInt8]) {
        appendRow(columns.map { .text($0) }, to: &out)
    }

    /// Appends one row and its line end. The row is laid out in a scratch buffer sized for its worst case and
    /// appended once, so each cell costs a few stores rather than an array append.
    static func appendRow(_ row: [ResultCell], to out: inout [UInt8]) {
        var bound = 1
        for cell in row {
            if case .text(let s) = cell { bound += 2 * s.utf8.count + 3 } else { bound += ShortestDecimal.capacity + 1 }
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bound) { buffer in
            guard let base = buffer.baseAddress else { return }
            var p = base
            for (c, cell) in row.enumerated() {
                if c > 0 {
                    p.pointee = 0x2C
                    p += 1
                }
                switch cell {
                case .number(let x): p += writeNumber(x, to: p)
                case .integer(let n): p += writeInteger(n, to: p)
                case .text(let s): p += writeEscaped(s, to: p)
                case .empty: break
                }
            }
            p.pointee = 0x0A
            out.append(contentsOf: UnsafeBufferPointer(start: base, count: p + 1 - base))
        }
    }

    /// Writes `number(x)` at `out` (room for `ShortestDecimal.capacity` bytes) and returns its length.
    private static func writeNumber(_ x: Double, to out: UnsafeMutablePointer<UInt8>) -> Int {
        if x.isFinite { return ShortestDecimal.write(x, to: out) }
        let word: StaticString = x.isNaN ? "NaN" : x > 0 ? "inf" : "-inf"
        out.update(from: word.utf8Start, count: word.utf8CodeUnitCount)
        return word.utf8CodeUnitCount
    }

    /// Writes the decimal digits of `n` (with a minus sign when negative), as `String(n)` spells them, and
    /// returns their count (at most 20). JSON spells integers the same way.
    static func writeInteger(_ n: Int, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var p = out
        if n < 0 {
            p.pointee = UInt8(ascii: "-")
            p += 1
        }
        var digits = 1
        var rest = n.magnitude
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        rest = n.magnitude
        for k in stride(from: digits - 1, through: 0, by: -1) {
            p[k] = UInt8(truncatingIfNeeded: rest % 10) &+ UInt8(ascii: "0")
            rest /= 10
        }
        return p + digits - out
    }

    /// Writes the field for `text` (quoted, with doubled quotes, when it holds a comma, quote, CR or LF) and
    /// returns its length, at most 2·(UTF-8 length) + 2.
    private static func writeEscaped(_ text: String, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var text = text
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return 0 }
            guard bytes.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else {
                out.update(from: base, count: bytes.count)
                return bytes.count
            }
            var p = out
            p.pointee = 0x22
            p += 1
            for byte in bytes {
                p.pointee = byte
                p += 1
                if byte == 0x22 {
                    p.pointee = 0x22
                    p += 1
                }
            }
            p.pointee = 0x22
            return p + 1 - out
        }
    }

    /// The spelling of a number in every writer: `Double.description`'s, with NaN and infinities as above.
    static func number(_ x: Double) -> String {
        var bytes: [UInt8] = []
        appendNumber(x, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `number(x)` without building a `String`.
    static func appendNumber(_ x: Double, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ShortestDecimal.capacity) { buffer in
            guard let base = buffer.baseAddress else { return }
            out.append(contentsOf: UnsafeBufferPointer(start: base, count: writeNumber(x, to: base)))
        }
    }
}
