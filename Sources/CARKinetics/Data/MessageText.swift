/// Text from the input as it appears in a message: short and harmless on a terminal.
///
/// Every value echoed in an error (a cell, a subject ID, a column name, a path) is capped at
/// ``limit`` characters (an ellipsis marks the cut) and its control characters — C0 (U+0000–U+001F,
/// including ESC, which starts terminal escape and OSC sequences), DEL (U+007F) and C1 (U+0080–U+009F) —
/// are written as Swift-style escapes (`\u{1B}`), so a file cannot move the cursor, change the title or
/// hide text in the terminal that shows the message.
public enum MessageText {
    /// The most characters of one value shown in a message (value cells have always been cut at 60).
    public static let limit = 60

    /// `text` cut to `limit` characters (with `…`) and with control characters escaped.
    public static func capped(_ text: some StringProtocol, limit: Int = MessageText.limit) -> String {
        var result = ""
        var count = 0
        for character in text {
            if count == limit {
                result += "…"
                break
            }
            result += escaped(String(character))
            count += 1
        }
        return result
    }

    /// `text` with every control character escaped; line breaks too unless `keepingLineBreaks`.
    public static func escaped(_ text: some StringProtocol, keepingLineBreaks: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) }) else { return String(text) }
        var result = ""
        for scalar in text.unicodeScalars {
            if isControl(scalar) && !(keepingLineBreaks && scalar == "\n") {
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
