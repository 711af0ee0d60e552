import CARKineticsNumerics

/// The unit of a time axis: the input's sample times, and every time, rate and area computed from them.
///
/// Each unit is a whole number of minutes (1, 60, 1440, 10080), so every conversion between two units is one
/// multiplication or one division by an integer — a single correctly rounded operation (hours → days is
/// `t / 24`, never `t · (1/24)`).
public enum TimeUnit: String, Sendable, CaseIterable, Hashable {
    case minutes, hours, days, weeks

    /// The symbol every output uses: `min`, `h`, `day`, `week` (the time part of `h*ng/mL`, `1/day`).
    public var symbol: String {
        switch self {
        case .minutes: "min"
        case .hours: "h"
        case .days: "day"
        case .weeks: "week"
        }
    }

    /// The short form glued to a number in compact display names (`AUC0–28d`, `AUC0–672h`): `min`, `h`, `d`,
    /// `w`. Units in columns, PP and labels use ``symbol``.
    public var abbreviation: String {
        switch self {
        case .minutes: "min"
        case .hours: "h"
        case .days: "d"
        case .weeks: "w"
        }
    }

    /// The unit as a word for sentences: `minutes`, `hours`, `days`, `weeks`.
    public var plural: String { rawValue }

    /// Length in minutes.
    public var minutes: Int {
        switch self {
        case .minutes: 1
        case .hours: 60
        case .days: 1440
        case .weeks: 10080
        }
    }

    /// How many days one unit is (1/1440 for minutes, 7 for weeks).
    public var days: Double { Double(minutes) / 1440 }

    /// `value` (in this unit) expressed in `target`: one correctly rounded multiplication or division by the
    /// integer ratio of the two units.
    @inline(__always)
    public func convert(_ value: Double, to target: TimeUnit) -> Double {
        let from = minutes
        let to = target.minutes
        if from == to { return value }
        return from > to ? value * Double(from / to) : value / Double(to / from)
    }

    /// The spellings ``init(parsing:)`` accepts, for messages.
    public static let acceptedSpellings =
        "min, minute(s), h, hr, hour(s), d, day(s), w, wk, week(s) (any case; CDISC HOURS, DAYS, …)"

    private static let spellings: [String: TimeUnit] = [
        "min": .minutes, "mins": .minutes, "minute": .minutes, "minutes": .minutes,
        "h": .hours, "hr": .hours, "hrs": .hours, "hour": .hours, "hours": .hours,
        "d": .days, "day": .days, "days": .days,
        "w": .weeks, "wk": .weeks, "wks": .weeks, "week": .weeks, "weeks": .weeks,
    ]

    /// The unit a text names, ignoring case and surrounding blanks (`h`, `HOURS`, `Days`, `wk`); nil for
    /// anything else (the caller's message lists ``acceptedSpellings``).
    public init?(parsing text: some StringProtocol) {
        let key = text.trimmingCharacters(in: " \t").lowercased()
        guard let unit = Self.spellings[key] else { return nil }
        self = unit
    }

    /// ``init(parsing:)`` on the bytes of a cell; nil for anything that is not an accepted spelling.
    init?(bytes: UnsafeBufferPointer<UInt8>) {
        // The longest spelling has 7 bytes: longer cells cannot match and are not decoded.
        guard bytes.count <= 16 else { return nil }
        self.init(parsing: String(decoding: bytes, as: UTF8.self))
    }
}

/// Where a file's time unit came from.
public enum TimeUnitSource: Sendable, Equatable {
    /// Given by the caller (``ColumnSelection/timeUnit``, `--time-unit`).
    case given
    /// Stated by a unit column of the file (`FRLTU`, `RRLTU`, `time_unit`, …); its name.
    case column(String)
    /// Stated nowhere: days are assumed.
    case assumed
}

extension StringProtocol {
    /// The text without the given characters at either end.
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text.removeFirst() }
        while let last = text.last, set.contains(last) { text.removeLast() }
        return text
    }
}
