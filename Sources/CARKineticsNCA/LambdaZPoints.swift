import CARKineticsData
import CARKineticsNumerics
import Foundation

/// Terminal phases chosen by hand, read from a small CSV file (`pkfit … --lambda-z-points FILE`;
/// format in docs/nca-rules.md, "Choosing λz by hand").
///
/// Header (names in any case, any order): `subject`, optionally any of the analysis's group columns
/// (`--group`, `--profile-by`) by name, `first`, `last`, `exclude`, `reason`. Each row names one profile and
/// either a range (`first` and `last`: the times of two samples) or the times to leave out (`exclude`: times
/// separated by `;`), never both, and a reason (required). Times are in the profile's time unit, the unit of
/// the NCA output. A group cell left empty matches any value. Every problem is an error naming the file, the
/// line and the column.
public struct LambdaZPoints: Sendable, Equatable {
    /// One row of the file.
    public struct Entry: Sendable, Equatable {
        /// The subject, as in the data.
        public var subject: String
        /// One value per column of ``LambdaZPoints/groupColumns``; nil where the file leaves it open.
        public var groups: [String?]
        /// The choice.
        public var choice: LambdaZChoice
        /// The row's line in the file (header = 1).
        public var line: Int
    }

    /// The file name errors show.
    public var file: String
    /// The analysis's group columns the entries' `groups` refer to, in the analysis's order.
    public var groupColumns: [String]
    /// The rows, in file order.
    public private(set) var entries: [Entry]
    /// Indices into `entries` by subject: the lookup runs once per analysed profile.
    private var bySubject: [String: [Int]] = [:]

    /// Reads the file at `url` for an analysis with these group columns.
    public init(contentsOf url: URL, displayName: String? = nil, groupColumns: [String]) throws(DataError) {
        let name = displayName ?? url.relativePath
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DataError(file: name, message: "cannot read the file: \(error.localizedDescription)")
        }
        try self.init(bytes: [UInt8](data), file: name, groupColumns: groupColumns)
    }

    /// Reads CSV bytes (RFC 4180, UTF-8) for an analysis with these group columns.
    public init(bytes: [UInt8], file: String, groupColumns: [String]) throws(DataError) {
        self.file = file
        self.groupColumns = groupColumns
        var parser = Parser(file: file, groupColumns: groupColumns)
        try bytes.withUnsafeBufferPointer { (buffer) throws(DataError) in
            try CSVScanner.scan(buffer, file: file) { (row) throws(DataError) in try parser.read(row) }
        }
        guard parser.header != nil else {
            throw DataError(file: file, message: "empty file: expected the header subject,first,last,exclude,reason")
        }
        entries = parser.entries
        for (index, entry) in entries.enumerated() { bySubject[entry.subject, default: []].append(index) }
    }

    /// The entry for the profile of `subject` with these group values, if the file has one (the first that
    /// matches; ``check(_:options:)`` makes sure no profile has two).
    public func choice(subject: String, groups: [String]) -> LambdaZChoice? {
        guard let indices = bySubject[subject] else { return nil }
        return indices.lazy.map { entries[$0] }.first { $0.matches(groups) }?.choice
    }

    /// The subjects the file names.
    package var subjects: Set<String> { Set(entries.map(\.subject)) }

    /// Checks the file against the profiles it is applied to (`profiles` must hold every profile of every
    /// subject the file names; others are ignored): each row names exactly one profile and no profile twice,
    /// every time is a sample's time, a range holds enough quantifiable samples, each excluded time is a λz
    /// candidate and enough candidates remain.
    package func check(_ profiles: [Profile], options: NCAOptions) throws(DataError) {
        var named: [String: [Int]] = [:]
        for (index, profile) in profiles.enumerated() where bySubject[profile.subject] != nil {
            named[profile.subject, default: []].append(index)
        }
        var chosenBy: [Int: Int] = [:]
        for entry in entries {
            let own = named[entry.subject] ?? []
            let matching = own.filter { entry.matches(profiles[$0].groups) }
            guard let index = matching.first else {
                throw error(entry, column: "subject", unmatched(entry, hasProfiles: !own.isEmpty))
            }
            guard matching.count == 1 else {
                let open = groupColumns.indices.filter { entry.groups[$0] == nil }.map { groupColumns[$0] }
                throw error(
                    entry, column: "subject",
                    "subject '\(MessageText.capped(entry.subject))' has \(matching.count) profiles here; give "
                        + open.map { "'\($0)'" }.joined(separator: " or ") + " to choose one")
            }
            if let earlier = chosenBy[index] {
                throw error(entry, column: "subject", "this profile is already chosen on line \(earlier)")
            }
            chosenBy[index] = entry.line
            try check(entry, profiles[index], options: options)
        }
    }

    private func check(_ entry: Entry, _ profile: Profile, options: NCAOptions) throws(DataError) {
        let sampled = Set(profile.observations.filter { $0.time >= 0 && $0.measurement != .missing }.map(\.time))
        let curve = ConcentrationCurve(profile: profile, rule: options.blqRule)
        let minimum = max(3, options.minimumLambdaZPoints)
        let subject = "subject '\(MessageText.capped(entry.subject))'"
        switch entry.choice.points {
        case .range(let first, let last):
            for (column, time) in [("first", first), ("last", last)] where !sampled.contains(time) {
                throw error(entry, column: column, "\(AUCInterval.format(time)) is the time of no sample of \(subject)")
            }
            let count = NCA.lambdaZPoints(curve, entry.choice).times.count
            if count < minimum {
                throw error(
                    entry, column: "first",
                    "\(AUCInterval.format(first))–\(AUCInterval.format(last)) holds \(count) quantifiable sample"
                        + "\(count == 1 ? "" : "s") of \(subject) (need \(minimum))")
            }
        case .excluding(let times):
            let candidates = NCA.lambdaZPoints(curve, LambdaZChoice(points: .excluding([]), reason: "")).times
            for time in times where !candidates.contains(time) {
                let what =
                    sampled.contains(time)
                    ? "the sample at \(AUCInterval.format(time)) is no λz candidate of \(subject) (λz uses quantifiable samples after Tmax)"
                    : "\(AUCInterval.format(time)) is the time of no sample of \(subject)"
                throw error(entry, column: "exclude", what)
            }
            let left = candidates.count - times.count
            if left < minimum {
                throw error(
                    entry, column: "exclude",
                    "leaves \(left) λz candidate\(left == 1 ? "" : "s") of \(subject) (quantifiable samples after Tmax; need \(minimum))"
                )
            }
        }
    }

    /// Why no profile matches `entry`.
    private func unmatched(_ entry: Entry, hasProfiles: Bool) -> String {
        let subject = "subject '\(MessageText.capped(entry.subject))'"
        guard hasProfiles else { return "\(subject) is not in the data" }
        let given = groupColumns.indices.filter { entry.groups[$0] != nil }
        let wanted = given.map { "\(groupColumns[$0]) = '\(MessageText.capped(entry.groups[$0] ?? ""))'" }
        return "\(subject) has no profile with " + wanted.joined(separator: ", ")
    }

    private func error(_ entry: Entry, column: String, _ message: String) -> DataError {
        DataError(file: file, line: entry.line, column: column, message: message)
    }
}

extension LambdaZPoints.Entry {
    /// Whether a profile with these group values is the one this row names (values beyond the file's group
    /// columns, such as a dose column a cohort analysis reads as a group, are not compared).
    func matches(_ values: [String]) -> Bool {
        guard values.count >= groups.count else { return false }
        for (wanted, value) in zip(groups, values) where wanted != nil && wanted != value { return false }
        return true
    }
}

/// The reading of one file, row by row.
private struct Parser {
    let file: String
    let groupColumns: [String]
    /// Header positions of the columns, once read.
    var header: Columns?
    var entries: [LambdaZPoints.Entry] = []
    /// Indices into `entries` by subject, to find a row given twice.
    private var seen: [String: [Int]] = [:]

    struct Columns {
        var count: Int
        var names: [String]
        var subject: Int
        var first: Int?
        var last: Int?
        var exclude: Int?
        var reason: Int
        /// For each group column of the analysis, its position in the file (nil = absent).
        var groups: [Int?]
    }

    init(file: String, groupColumns: [String]) {
        self.file = file
        self.groupColumns = groupColumns
    }

    mutating func read(_ row: CSVRow) throws(DataError) {
        if row.isBlank { return }
        guard let columns = header else {
            header = try readHeader(row)
            return
        }
        guard row.count == columns.count else {
            throw DataError(
                file: file, line: row.line,
                message: "\(row.count) field\(row.count == 1 ? "" : "s"), the header has \(columns.count)")
        }
        let subject = row.string(columns.subject)
        guard !subject.isEmpty else {
            throw DataError(
                file: file, line: row.line, column: columns.names[columns.subject], message: "empty subject")
        }
        let reason = row.string(columns.reason)
        guard !reason.isEmpty else {
            throw DataError(
                file: file, line: row.line, column: columns.names[columns.reason],
                message: "a reason is required (it travels to the NCA output, the audit and PP)")
        }
        let groups: [String?] = columns.groups.map { position in
            guard let position else { return nil }
            let value = row.string(position)
            return value.isEmpty ? nil : value
        }
        let first = try time(row, columns.first, columns)
        let last = try time(row, columns.last, columns)
        let excludeText = columns.exclude.map { row.string($0) } ?? ""
        let points: LambdaZChoice.Points
        if excludeText.isEmpty {
            guard let first, let last else {
                let missing = first == nil ? (columns.first, "first") : (columns.last, "last")
                throw DataError(
                    file: file, line: row.line, column: missing.0.map { columns.names[$0] } ?? missing.1,
                    message: "give first and last (the range of λz points) or exclude (times to leave out)")
            }
            guard first < last else {
                throw DataError(
                    file: file, line: row.line, column: columns.last.map { columns.names[$0] } ?? "last",
                    message:
                        "\(AUCInterval.format(last)) is not after first (\(AUCInterval.format(first))); a range needs first < last"
                )
            }
            points = .range(first: first, last: last)
        } else {
            let column = columns.exclude.map { columns.names[$0] } ?? "exclude"
            guard first == nil, last == nil else {
                throw DataError(
                    file: file, line: row.line, column: column,
                    message: "give either a range (first, last) or times to exclude, not both")
            }
            var times: [Double] = []
            for part in excludeText.split(separator: ";", omittingEmptySubsequences: false) {
                let text = part.trimmingCharacters(in: .whitespaces)
                let value = try number(text, row: row, column: column)
                if times.contains(value) {
                    throw DataError(
                        file: file, line: row.line, column: column,
                        message: "\(AUCInterval.format(value)) is given twice")
                }
                times.append(value)
            }
            points = .excluding(times)
        }
        if let earlier = seen[subject]?.map({ entries[$0] }).first(where: { $0.groups == groups }) {
            throw DataError(
                file: file, line: row.line, column: columns.names[columns.subject],
                message: "subject '\(MessageText.capped(subject))' is already chosen on line \(earlier.line)")
        }
        seen[subject, default: []].append(entries.count)
        entries.append(
            LambdaZPoints.Entry(
                subject: subject, groups: groups, choice: LambdaZChoice(points: points, reason: reason),
                line: row.line))
    }

    private func readHeader(_ row: CSVRow) throws(DataError) -> Columns {
        let names = (0..<row.count).map { row.string($0) }
        var positions: [String: Int] = [:]
        var groups = [Int?](repeating: nil, count: groupColumns.count)
        for (index, name) in names.enumerated() {
            let key = name.lowercased()
            if let group = groupColumns.firstIndex(where: { $0.lowercased() == key }) {
                guard groups[group] == nil else {
                    throw DataError(file: file, line: row.line, column: name, message: "column named twice")
                }
                groups[group] = index
                continue
            }
            guard ["subject", "first", "last", "exclude", "reason"].contains(key) else {
                let known =
                    ["subject"] + groupColumns + ["first", "last", "exclude", "reason"]
                throw DataError(
                    file: file, line: row.line, column: name,
                    message: "not a column of a λz points file; expected \(known.joined(separator: ", "))")
            }
            guard positions[key] == nil else {
                throw DataError(file: file, line: row.line, column: name, message: "column named twice")
            }
            positions[key] = index
        }
        for required in ["subject", "reason"] where positions[required] == nil {
            throw DataError(
                file: file, line: row.line,
                message:
                    "no column '\(required)' (header: \(names.map { MessageText.capped($0) }.joined(separator: ",")))")
        }
        if positions["exclude"] == nil && (positions["first"] == nil || positions["last"] == nil) {
            throw DataError(
                file: file, line: row.line,
                message: "expected the columns first and last, or exclude (or all three)")
        }
        if (positions["first"] == nil) != (positions["last"] == nil) {
            throw DataError(
                file: file, line: row.line, column: positions["first"] == nil ? "first" : "last",
                message: "first and last come together")
        }
        return Columns(
            count: names.count, names: names, subject: positions["subject"] ?? 0, first: positions["first"],
            last: positions["last"], exclude: positions["exclude"], reason: positions["reason"] ?? 0, groups: groups)
    }

    /// The time in a `first`/`last` cell; nil when the column is absent or the cell empty.
    private func time(_ row: CSVRow, _ position: Int?, _ columns: Columns) throws(DataError) -> Double? {
        guard let position else { return nil }
        let text = row.string(position)
        if text.isEmpty { return nil }
        return try number(text, row: row, column: columns.names[position])
    }

    /// A time ≥ 0 in the number grammar of data cells.
    private func number(_ text: String, row: CSVRow, column: String) throws(DataError) -> Double {
        switch NumberText.parse(text) {
        case .number(let value):
            guard value >= 0 else {
                throw DataError(
                    file: file, line: row.line, column: column,
                    message: "\(AUCInterval.format(value)) is before infusion; λz uses samples at times ≥ 0")
            }
            // -0 and 0 are the same time; keep one spelling.
            return value == 0 ? 0 : value
        case .outOfRange(let message):
            throw DataError(file: file, line: row.line, column: column, message: message)
        case .notANumber:
            throw DataError(
                file: file, line: row.line, column: column,
                message: "\"\(MessageText.capped(text))\" is not a time (a number, e.g. 14 or 28.5)")
        }
    }
}
