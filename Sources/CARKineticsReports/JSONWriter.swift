import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics

/// JSON: an object stating what made it (``generator``) with the table under `rows`, an array with one
/// object per row, keys in column order:
///
/// ```json
/// {"generator": {"name": "CARKinetics", "version": "0.4.0"}, "schema": "https://carkinetics.example/schema/nca/1",
///  "units": {"cmax": "copies/ug", …}, "rows": [
///   {"subject": "P01", "cmax": 12000, …}
/// ]}
/// ```
///
/// `schema` and `units` (``JSONEnvelope``) are written for the tables that carry one (`nca`, `fit`, `summary`).
/// Every JSON output of the package carries the same `generator` object first (`validate --json` puts the
/// estimates under `estimates`). Finite numbers are JSON numbers with
/// shortest round-trip digits; JSON has no NaN or infinity, so those are the strings `"NaN"`, `"Infinity"`,
/// `"-Infinity"` (never null, so they cannot be confused with an empty cell); empty cells are `null`.
enum JSONWriter {
    /// The whole table as JSON text: ``opening``, ``appendObject(_:keys:first:to:)`` for each row, then
    /// ``closing(empty:)`` — the pieces a streamed table is written with, so both have the same bytes.
    static func render(_ table: ResultTable) -> String {
        let keys = keys(table.columns)
        var out = opening(table.envelope, columns: table.columns)
        for (r, row) in table.rows.enumerated() { appendObject(row, keys: keys, first: r == 0, to: &out) }
        out += closing(empty: table.rows.isEmpty)
        return String(decoding: out, as: UTF8.self)
    }

    /// `"generator": {"name": "CARKinetics", "version": "…"}`: the provenance every JSON output starts with
    /// (``PackageVersion/current``; pkfit and the library share it).
    static var generator: [UInt8] {
        var out = Array("\"generator\": {\"name\": \"CARKinetics\", \"version\": ".utf8)
        appendQuoted(PackageVersion.current, to: &out)
        out += Array("}".utf8)
        return out
    }

    /// The bytes before the first row: `generator`, then the ``JSONEnvelope`` (schema and units) when the
    /// table has one.
    static func opening(_ envelope: JSONEnvelope?, columns: [String]) -> [UInt8] {
        Array("{".utf8) + generator + (envelope?.bytes(columns: columns) ?? [])
            + Array(", \"rows\": [\n".utf8)
    }

    /// The bytes after the last row: the line end of the last row, if any, and the closing brackets.
    static func closing(empty: Bool) -> [UInt8] {
        Array((empty ? "]}\n" : "\n]}\n").utf8)
    }

    /// What precedes each column's value in a row: the row's opening and the quoted key, or the separator and
    /// the quoted key; computed once per table.
    static func keys(_ columns: [String]) -> [[UInt8]] {
        columns.enumerated().map { c, name in
            var key = Array((c == 0 ? "  {" : ", ").utf8)
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 6 * name.utf8.count + 2) { buffer in
                guard let base = buffer.baseAddress else { return }
                key.append(contentsOf: UnsafeBufferPointer(start: base, count: writeQuoted(name, to: base)))
            }
            return key + Array(": ".utf8)
        }
    }

    /// Appends one row's object, preceded by the previous row's separator unless it is the `first`, and
    /// without its own line end (``closing(empty:)`` or the next row's separator supplies it). The object is
    /// laid out in a scratch buffer sized for its worst case and appended once, so each cell costs a few
    /// stores rather than an array append or a `String`.
    static func appendObject(_ row: [ResultCell], keys: [[UInt8]], first: Bool, to out: inout [UInt8]) {
        var bound = 3
        for (c, key) in keys.enumerated() {
            bound += key.count
            // A byte becomes at most six ("\u001f"); a number at most `ShortestDecimal.capacity` plus quotes.
            if c < row.count, case .text(let s) = row[c] {
                bound += 6 * s.utf8.count + 2
            } else {
                bound += ShortestDecimal.capacity + 2
            }
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bound) { buffer in
            guard let base = buffer.baseAddress else { return }
            var p = base
            func put(_ word: StaticString) {
                p.update(from: word.utf8Start, count: word.utf8CodeUnitCount)
                p += word.utf8CodeUnitCount
            }
            if !first { put(",\n") }
            for (c, key) in keys.enumerated() {
                key.withUnsafeBufferPointer { bytes in
                    guard let start = bytes.baseAddress else { return }
                    p.update(from: start, count: bytes.count)
                    p += bytes.count
                }
                switch c < row.count ? row[c] : .empty {
                case .number(let x): p += writeNumber(x, to: p)
                case .integer(let n): p += CSVWriter.writeInteger(n, to: p)
                case .text(let s): p += writeQuoted(s, to: p)
                case .empty: put("null")
                }
            }
            put("}")
            out.append(contentsOf: UnsafeBufferPointer(start: base, count: p - base))
        }
    }

    /// Appends `x` as a JSON value the way a table cell is written: shortest round-trip digits, or the strings
    /// `"NaN"`, `"Infinity"`, `"-Infinity"`.
    static func appendNumber(_ x: Double, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ShortestDecimal.capacity + 2) { buffer in
            guard let base = buffer.baseAddress else { return }
            out.append(contentsOf: UnsafeBufferPointer(start: base, count: writeNumber(x, to: base)))
        }
    }

    /// Writes `x` as ``appendNumber(_:to:)`` spells it at `out` (room for `ShortestDecimal.capacity` + 2 bytes)
    /// and returns its length.
    private static func writeNumber(_ x: Double, to out: UnsafeMutablePointer<UInt8>) -> Int {
        guard x.isFinite else {
            let word: StaticString = x.isNaN ? "\"NaN\"" : x > 0 ? "\"Infinity\"" : "\"-Infinity\""
            out.update(from: word.utf8Start, count: word.utf8CodeUnitCount)
            return word.utf8CodeUnitCount
        }
        return ShortestDecimal.write(x, to: out)
    }

    /// Appends `text` as a JSON string (escaped as keys and text cells are).
    static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 6 * text.utf8.count + 2) { buffer in
            guard let base = buffer.baseAddress else { return }
            out.append(contentsOf: UnsafeBufferPointer(start: base, count: writeQuoted(text, to: base)))
        }
    }

    /// Writes `text` as a JSON string at `out` (room for 6 × its UTF-8 length + 2 bytes) and returns its
    /// length: `"` and `\` escaped, LF, CR and tab as `\n`, `\r`, `\t`, other controls as `\u00xx`. Bytes of
    /// multi-byte characters are all ≥ 0x80, so escaping byte by byte is escaping scalar by scalar.
    private static func writeQuoted(_ text: String, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let hex: StaticString = "0123456789abcdef"
        var text = text
        return text.withUTF8 { bytes in
            var p = out
            p.pointee = 0x22
            p += 1
            for byte in bytes {
                let escaped: UInt8
                switch byte {
                case 0x22, 0x5C: escaped = byte
                case 0x0A: escaped = UInt8(ascii: "n")
                case 0x0D: escaped = UInt8(ascii: "r")
                case 0x09: escaped = UInt8(ascii: "t")
                case ..<0x20:
                    p[0] = UInt8(ascii: "\\")
                    p[1] = UInt8(ascii: "u")
                    p[2] = UInt8(ascii: "0")
                    p[3] = UInt8(ascii: "0")
                    p[4] = hex.utf8Start[Int(byte >> 4)]
                    p[5] = hex.utf8Start[Int(byte & 0xF)]
                    p += 6
                    continue
                default:
                    p.pointee = byte
                    p += 1
                    continue
                }
                p[0] = UInt8(ascii: "\\")
                p[1] = escaped
                p += 2
            }
            p.pointee = 0x22
            return p + 1 - out
        }
    }
}
