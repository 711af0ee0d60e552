import CARKineticsData
import CARKineticsNumerics

/// The order in which a report shows its groups (cohorts).
///
/// By default groups are sorted numeric-aware rather than in file order: when every value of a group column
/// reads as a number (`1e6`, `2.5e7`) they are sorted by that number; otherwise each value is split into runs of
/// digits (with one decimal point) and other text, numbers compare by value and text case-insensitively, so
/// `DL2` comes before `DL10` and `0.25x10^8` before `1x10^8` before `2x10^8`. Ties keep file order. An explicit
/// order (`--group-order a,b,c`) puts the named groups first, in that order, and the rest after them in the
/// default order.
public struct GroupOrder: Sendable, Equatable {
    /// Group names to put first, in this order; a name is a group's values joined by `" / "` (one grouping
    /// column: the value itself).
    public var explicit: [String]

    /// An order; `explicit` empty = the numeric-aware default.
    public init(explicit: [String] = []) {
        self.explicit = explicit
    }

    /// The name a group is matched by in ``explicit``.
    public static func name(_ key: [String]) -> String { key.joined(separator: " / ") }

    /// The names in ``explicit`` that are not among `keys`' names (for an error naming them).
    public func unknown(among keys: [[String]]) -> [String] {
        let names = Set(keys.map(Self.name))
        return explicit.filter { !names.contains($0) }
    }

    /// `keys` (distinct group keys, in file order) in report order.
    public func sorted(_ keys: [[String]]) -> [[String]] {
        let width = keys.map(\.count).max() ?? 0
        // Per grouping column: all values numbers → compare as numbers.
        let numericColumns = (0..<width).map { column in
            keys.allSatisfy { key in
                column < key.count && { if case .number = NumberText.parse(key[column]) { true } else { false } }()
            }
        }
        let rank = Dictionary(explicit.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        return keys.enumerated().sorted { a, b in
            let ra = rank[Self.name(a.element)] ?? Int.max
            let rb = rank[Self.name(b.element)] ?? Int.max
            if ra != rb { return ra < rb }
            for column in 0..<width {
                let x = column < a.element.count ? a.element[column] : ""
                let y = column < b.element.count ? b.element[column] : ""
                let order =
                    numericColumns[column] ? Self.compareNumbers(x, y) : Self.compareNatural(x, y)
                if order != 0 { return order < 0 }
            }
            return a.offset < b.offset
        }.map(\.element)
    }

    private static func compareNumbers(_ x: String, _ y: String) -> Int {
        guard case .number(let a) = NumberText.parse(x), case .number(let b) = NumberText.parse(y) else { return 0 }
        return a < b ? -1 : (a > b ? 1 : 0)
    }

    /// One piece of a value: a run of digits (with at most one decimal point) or of other characters.
    enum Chunk: Equatable {
        case number(Double)
        case text(String)
    }

    static func chunks(_ text: String) -> [Chunk] {
        var result: [Chunk] = []
        var current = ""
        var inNumber = false
        func flush() {
            guard !current.isEmpty else { return }
            if inNumber, let value = Double(current) {
                result.append(.number(value))
            } else {
                result.append(.text(current.lowercased()))
            }
            current = ""
        }
        for character in text {
            let digit = character.isASCII && character.isNumber
            let point = character == "." && inNumber && !current.contains(".")
            if digit || point {
                if !inNumber {
                    flush()
                    inNumber = true
                }
                current.append(character)
            } else {
                if inNumber {
                    flush()
                    inNumber = false
                }
                current.append(character)
            }
        }
        flush()
        return result
    }

    /// Negative, zero or positive as `x` sorts before, with or after `y`.
    static func compareNatural(_ x: String, _ y: String) -> Int {
        let a = chunks(x)
        let b = chunks(y)
        for (p, q) in zip(a, b) {
            switch (p, q) {
            case (.number(let u), .number(let v)) where u != v: return u < v ? -1 : 1
            case (.text(let u), .text(let v)) where u != v: return u < v ? -1 : 1
            case (.number, .text): return -1
            case (.text, .number): return 1
            default: continue
            }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }
}
