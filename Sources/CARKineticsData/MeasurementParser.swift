import CARKineticsNumerics

/// The one place where a raw concentration cell becomes a `MeasuredValue`.
///
/// Rules (see docs/nca-rules.md): empty = missing; `BLQ`, `BQL`, `<LLOQ`, `<BLQ`, `ND`, `NQ` in any case = below the
/// limit; `<x` = below the limit x; a finite non-negative number is a value, except that a number strictly
/// below the row's LLOQ (from `--lloq`) is below the limit. Anything else is an error message.
package enum MeasurementParser {
    enum Outcome {
        case measurement(MeasuredValue)
        case invalid(String)
    }

    private static let markers: [[UInt8]] = ["blq", "bql", "nd", "nq"].map { Array($0.utf8) }

    static func parse(_ raw: UnsafeBufferPointer<UInt8>, lloq: Double?) -> Outcome {
        let text = CSVScanner.trim(raw)
        if text.isEmpty { return .measurement(.missing) }
        // A digit or point cannot start a marker word, so the usual cell, a number, skips the marker checks.
        if text[0] &- 0x30 < 10 || text[0] == UInt8(ascii: ".") { return number(text, lloq: lloq) }
        if text[0] == UInt8(ascii: "<") {
            let rest = CSVScanner.trim(UnsafeBufferPointer(rebasing: text[1...]))
            // `<BLQ` is how SDTM PCSTRESC and many ADPC AVALC columns write it (CDISC pilot data).
            if equalsIgnoringCase(rest, "lloq") || equalsIgnoringCase(rest, "blq") || equalsIgnoringCase(rest, "bql") {
                return .measurement(.belowLimit(lloq: lloq))
            }
            switch NumberParser.parse(rest) {
            case .number(let limit) where limit >= 0:
                return .measurement(.belowLimit(lloq: limit))
            default:
                return .invalid(
                    "\(quoted(text)) is not a below-limit marker; expected '<' followed by a non-negative number or LLOQ"
                )
            }
        }
        for marker in markers where equalsIgnoringCase(text, marker) {
            return .measurement(.belowLimit(lloq: lloq))
        }
        return number(text, lloq: lloq)
    }

    /// A cell that is not a marker: a non-negative number (below the LLOQ = below the limit), or an error.
    private static func number(_ text: UnsafeBufferPointer<UInt8>, lloq: Double?) -> Outcome {
        switch NumberParser.parse(text) {
        case .number(let value):
            if value < 0 { return .invalid("\(quoted(text)) is negative; a concentration must be >= 0") }
            if let lloq, value < lloq { return .measurement(.belowLimit(lloq: lloq)) }
            return .measurement(.value(value))
        case .nonFinite:
            return .invalid("\(quoted(text)) is not a finite number")
        case .underflow:
            return .invalid(NumberParser.underflowMessage(text))
        case .invalid:
            return .invalid("\(quoted(text)) is not a number; expected a number, empty, or BLQ, BQL, <LLOQ, <x, ND, NQ")
        }
    }

    /// Whether a (trimmed) cell is written as below the limit: `<…` or one of the marker words. Used for the
    /// CDISC text companion (`AVALC`), which wins over the numeric cell when it says BLQ (docs/robustness.md).
    package static func isBelowLimitMarker(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = text.first else { return false }
        if first == UInt8(ascii: "<") { return true }
        return markers.contains { equalsIgnoringCase(text, $0) }
    }

    static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ lowercase: some Collection<UInt8>) -> Bool {
        bytes.count == lowercase.count
            && zip(bytes, lowercase).allSatisfy { pair in
                let b = pair.0
                let lowered = (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
                return lowered == pair.1
            }
    }

    static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ lowercase: String) -> Bool {
        equalsIgnoringCase(bytes, Array(lowercase.utf8))
    }

    /// The cell as it would be shown in an error message: quoted, and cut short when very long.
    static func quoted(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        // Decode a bounded prefix only (a cell may be megabytes long), then cap by characters.
        let text = String(decoding: bytes.prefix(4 * MessageText.limit + 4), as: UTF8.self)
        return "\"" + MessageText.capped(text)
            + (bytes.count > 4 * MessageText.limit + 4 && text.count <= MessageText.limit ? "…" : "") + "\""
    }
}
