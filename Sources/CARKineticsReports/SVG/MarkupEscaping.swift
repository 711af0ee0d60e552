import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics

/// Escaping of user-provided text (subject IDs, column names, units) for XML, SVG and HTML.
///
/// Every string that did not come from this package's own code goes through here before it is
/// placed in markup, so an ID such as `<script>` or `A&B` shows as text and the document stays
/// well-formed.
enum MarkupEscaping {
    /// `text` safe as element content and as a quoted attribute value: `&`, `<`, `>`, `"` and `'`
    /// become character references, and characters XML 1.0 forbids (C0 controls other than tab,
    /// newline and carriage return) become U+FFFD.
    static func escape(_ text: String) -> String {
        // Most strings (numbers, coordinates, colours) need nothing: one pass over the bytes says so. U+FFFE and
        // U+FFFF are encoded with the byte 0xEF, so any such byte takes the careful path.
        if text.utf8.allSatisfy({ byte in
            byte >= 0x20 && byte != UInt8(ascii: "&") && byte != UInt8(ascii: "<") && byte != UInt8(ascii: ">")
                && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "'") && byte != 0xEF
        }) {
            return text
        }
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    result += "\u{FFFD}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }
}
