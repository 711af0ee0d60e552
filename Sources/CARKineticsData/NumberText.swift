import CARKineticsNumerics

/// The number grammar of data cells, for text that does not come from a file (command-line options), so a
/// number means the same wherever it is written (docs/robustness.md, "One number grammar").
///
/// Grammar (after trimming spaces): `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`, correctly
/// rounded. Not numbers: `nan`, `inf`, hexadecimal (`0x1p3`), thousands separators. Out of range:
/// magnitudes that overflow (`1e400`) or underflow to 0 (`1e-400`).
public enum NumberText {
    /// What a text is as a number.
    public enum Outcome: Sendable, Equatable {
        /// A finite number.
        case number(Double)
        /// It is written as a number (or `nan`/`inf`) but has no finite, non-zero-preserving `Double` value;
        /// the message says why, e.g. `"1e400" is not a finite number`.
        case outOfRange(String)
        /// Not a number at all (a column name, a word).
        case notANumber
    }

    /// Reads `text` with the cell grammar.
    public static func parse(_ text: String) -> Outcome {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer in
            let raw = UnsafeBufferPointer(buffer)
            switch NumberParser.parse(raw) {
            case .number(let value): return .number(value)
            case .nonFinite:
                return .outOfRange("\(MeasurementParser.quoted(CSVScanner.trim(raw))) is not a finite number")
            case .underflow: return .outOfRange(NumberParser.underflowMessage(CSVScanner.trim(raw)))
            case .invalid: return .notANumber
            }
        }
    }
}
