import CARKineticsNumerics

/// Subject identifiers that look the same but are different text: the same characters in another Unicode
/// normalization (NFC `é` U+00E9 and NFD `e` U+0301), or with invisible characters (zero-width space,
/// joiners, word joiner, byte-order mark, soft hyphen) inside. They are NOT merged — an identifier is the
/// text as written — but each such pair is worded as a warning so that a split subject is seen.
enum SubjectSpellings {
    /// Scalars that render as nothing; removed before comparing.
    private static let invisible: Set<Unicode.Scalar> = [
        "\u{200B}", "\u{200C}", "\u{200D}", "\u{2060}", "\u{FEFF}", "\u{00AD}",
    ]

    /// One warning per identifier whose look-alike came earlier, naming both spellings (as code points) and
    /// lines. `subjects[p]` was first seen on `firstLine(p)`. ASCII-only identifiers cannot collide, so a file
    /// of them costs one byte scan.
    static func warnings(subjects: [String], file: String, firstLine: (Int) -> Int) -> [String] {
        guard subjects.contains(where: { $0.utf8.contains { $0 >= 0x80 } }) else { return [] }
        // Swift's String equality and hashing are by canonical equivalence, so NFC and NFD spellings meet.
        var seen: [String: Int] = [:]
        var warnings: [String] = []
        for (p, subject) in subjects.enumerated() {
            var visible = String.UnicodeScalarView()
            visible.append(contentsOf: subject.unicodeScalars.filter { !invisible.contains($0) })
            let key = String(visible)
            guard let q = seen[key] else {
                seen[key] = p
                continue
            }
            let other = subjects[q]
            // The same bytes are the same subject (another profile of it, under --profile-by).
            guard !other.utf8.elementsEqual(subject.utf8) else { continue }
            warnings.append(
                "\(file): subject \(shown(other)) (line \(firstLine(q))) and \(shown(subject)) (line \(firstLine(p))) differ only in Unicode normalization or invisible characters; they are analysed as two subjects"
            )
        }
        return warnings
    }

    /// `'é' [U+0065 U+0301]`, cut short after 40 scalars.
    private static func shown(_ subject: String) -> String {
        let scalars = subject.unicodeScalars.prefix(40).map {
            "U+" + String($0.value, radix: 16, uppercase: true).leftPadded(4)
        }
        return
            "'\(String(subject.prefix(40)))' [\(scalars.joined(separator: " "))\(subject.unicodeScalars.count > 40 ? " …" : "")]"
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
