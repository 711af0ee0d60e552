import CARKineticsData
import CARKineticsNumerics

/// The text grammar of a partial-AUC window (`pkfit … --interval`): `A,B`, in the unit of the analysis' times,
/// or `A,B<unit>` / `A<unit>,B<unit>` with one time unit (`0,24h`, `0,28d`, `0,2w`, `0h,36h`; any spelling
/// ``TimeUnit/init(parsing:)`` accepts). Numbers follow the number grammar of data cells (no hexadecimal,
/// `nan`, `inf`, over- or underflow); 0 ≤ A < B. A window with a unit must stay a valid window in every unit it
/// can be converted into (minutes to weeks), so converting it later never fails.
package enum AUCIntervalGrammar {
    /// Why a text is not a window; `message` is meant to follow the option and its text.
    package struct Failure: Error, Sendable, Equatable {
        package var message: String
    }

    static let expected = "expected A,B with 0 <= A < B, optionally with a time unit after B (0,28 0,24h 0,28d 0,2w)"

    /// The window `text` spells.
    package static func parse(_ text: String) throws(Failure) -> AUCInterval {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw Failure(message: expected) }
        let (a, startUnit) = try bound(parts[0])
        let (b, endUnit) = try bound(parts[1])
        if let startUnit, startUnit != endUnit {
            throw Failure(
                message:
                    endUnit == nil
                    ? "a unit after A needs the same unit after B; \(expected)"
                    : "A and B are in different time units (\(startUnit.symbol), \(endUnit?.symbol ?? "")); give both in one"
            )
        }
        guard let interval = AUCInterval(start: a, end: b, unit: endUnit) else { throw Failure(message: expected) }
        if endUnit != nil {
            for target in [TimeUnit.minutes, .weeks] where interval.converted(to: target) == nil {
                throw Failure(message: "the window cannot be expressed in \(target.plural) (too large or too small)")
            }
        }
        return interval
    }

    /// A number with an optional unit glued after it (`28`, `24h`, `2 weeks`).
    private static func bound(_ part: Substring) throws(Failure) -> (Double, TimeUnit?) {
        var number = part.drop { $0 == " " }
        var unitText = Substring("")
        // The unit is the trailing run of letters; an exponent's `e` is followed by digits, never at the end.
        if let last = number.lastIndex(where: { !($0.isASCII && $0.isLetter) && $0 != " " }) {
            unitText = number[number.index(after: last)...]
            number = number[...last]
        } else {
            throw Failure(message: expected)
        }
        let unitName = unitText.trimmingCharacters(in: " ")
        var unit: TimeUnit?
        if !unitName.isEmpty {
            guard let parsed = TimeUnit(parsing: unitName) else {
                throw Failure(
                    message:
                        "'\(MessageText.capped(String(unitName)))' is not a time unit; expected \(TimeUnit.acceptedSpellings)"
                )
            }
            unit = parsed
        }
        guard case .number(let value) = NumberText.parse(String(number)) else { throw Failure(message: expected) }
        return (value, unit)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var text = self
        while let first = text.first, set.contains(first) { text.removeFirst() }
        while let last = text.last, set.contains(last) { text.removeLast() }
        return text
    }
}
