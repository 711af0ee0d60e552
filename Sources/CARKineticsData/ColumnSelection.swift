import CARKineticsNumerics

/// Where the lower limit of quantification comes from.
public enum LLOQSource: Sendable, Equatable {
    /// A column holding the LLOQ of each row.
    case column(String)
    /// One LLOQ for every row.
    case constant(Double)
}

/// Which columns hold what. A nil role is found by recognised names (case-insensitive):
///
/// | role | recognised names, by precedence tier |
/// |---|---|
/// | subject | `USUBJID`; then `SUBJID`; then `subject`, `ID`, `patient_id` |
/// | time | `AFRLT`; then `ARELTM`; then `time`, `day`, `days` |
/// | value | `AVAL`; then `value`, `conc`, `concentration` |
/// | unit (optional) | `AVALU`; then `unit`, `units` |
///
/// The time column's unit is read from its companion column when the file has one (`FRLTU` for `AFRLT`/`NFRLT`,
/// `RRLTU` for `ARRLT`/`NRRLT`, `ARELTMU` for `ARELTM`, `RELTMU`, or a generic `time_unit`; see ``timeUnit``).
///
/// The first tier with a match wins, so an ADPC file with USUBJID and SUBJID, or AFRLT and ARELTM, reads the
/// CDISC actual-time columns (nominal `NFRLT` is never recognised). Two matches within one tier (`time` and
/// `day`) are ambiguous and rejected. When the value column has a text companion named like it plus `C`
/// (`AVALC`), an empty value cell reads the companion (CDISC ADPC BLQ coding).
public struct ColumnSelection: Sendable, Equatable {
    /// Explicit column names; nil = recognise by name.
    public var subject: String?
    public var time: String?
    public var value: String?
    /// Columns carried to the output, in order. A group column describes the subject (cohort, dose level):
    /// its value must be the same on every row of a profile, and a row where it differs is an error naming
    /// both lines — a one-cell typo must not split a subject into a phantom profile.
    public var groups: [String]
    /// The group columns (names also in ``groups``) whose values split a subject into several profiles
    /// (analyte, period): the profile is the subject × these values. Empty: one profile per subject.
    public var profileBy: [String]
    public var lloq: LLOQSource?
    public var unit: String?
    /// The unit of the input's times, when the caller knows it (`--time-unit`). A unit column of the file
    /// (``ResolvedColumns``: `FRLTU` for `AFRLT`, …) that says otherwise is an error, never overridden. Nil:
    /// the unit column's, else days (assumed, and the outputs say so).
    public var timeUnit: TimeUnit?
    /// The unit times are converted into when read (`--output-time-unit`), so that every time, rate and area
    /// is in it; nil = the input's own unit (no conversion). Files in different units need it.
    public var outputTimeUnit: TimeUnit?
    /// How the caller's user names each column explicitly, quoted in the error for a missing or ambiguous
    /// column (a command line passes its option names, e.g. `--time`); a role without an entry is worded
    /// generically. The library itself knows no command-line options.
    public var namingHints: [Role: String] = [:]

    /// The columns a caller may name explicitly, for ``namingHints``: the four found by name when not given,
    /// and the columns that split a subject into profiles (``profileBy``).
    public enum Role: String, Sendable, Hashable, CaseIterable {
        case subject, time, value, unit, profileBy
        /// Not a column: how the caller names ``ColumnSelection/timeUnit`` (e.g. `--time-unit`) and
        /// ``ColumnSelection/outputTimeUnit`` (under ``outputTimeUnit``) in errors.
        case timeUnit, outputTimeUnit
        /// The row conditions (``ColumnSelection/rowFilters``), named in advice such as "choose one flag".
        case rowFilter
    }
    /// Conditions a row must meet to be read (``RowFilter``: `COL=VALUE`, `COL!=VALUE`); rows that fail are
    /// counted as ``AuditFate/notSelected``. A named column missing from a file's header is an error listing
    /// the header.
    public var rowFilters: [RowFilter] = []
    /// Whether the ADNCA record rules apply (docs/input-formats.md, "ADNCA files as they come"): dose records
    /// (`PARAMCD` `DOSE`, `EVID` ≠ 0, a dose unit in the unit column) and derived records (`DTYPE` set) are set
    /// aside, and so are rows that no analysis flag (`ANLzzFL`) marks `Y`; a rule whose column a row filter
    /// names (DTYPE, an ANLzzFL flag) gives way to the filter. Default true.
    public var adncaRules = true
    /// Whether the group column named ``analyteGroup`` stands for the analyte column recognised by name
    /// (`PARAMCD`, else `PARAM`); set by ``adapted(toHeaders:)``.
    public internal(set) var recognisesAnalyte = false
    /// The name of the output column that holds the recognised analyte (``recognisesAnalyte``).
    public static let analyteGroup = "analyte"
    /// Which member or sheet of a SAS transport or Excel file, and where its header row is.
    public var table = TableChoice()

    /// A selection; every argument defaults to recognition by name / none. A `profileBy` name missing from
    /// `groups` is added to them (at the end).
    public init(
        subject: String? = nil, time: String? = nil, value: String? = nil, groups: [String] = [],
        profileBy: [String] = [], lloq: LLOQSource? = nil, unit: String? = nil
    ) {
        self.subject = subject
        self.time = time
        self.value = value
        self.groups = groups + profileBy.filter { !groups.contains($0) }
        self.profileBy = profileBy
        self.lloq = lloq
        self.unit = unit
    }
}

/// Column indices of one file's header.
package struct ResolvedColumns {
    package var header: [String]
    package var subject: Int
    package var time: Int
    package var value: Int
    package var valueText: Int?
    var groups: [Int]
    /// Positions in `groups` of the ``ColumnSelection/profileBy`` columns (they form the profile key with
    /// the subject); the other group columns must be constant within a profile.
    var profileKey: [Int] = []
    var lloqColumn: Int?
    var lloqConstant: Double?
    var unit: Int?
    /// The column stating the unit of the time column (``timeUnitTiers(time:)``), if the file has one.
    var timeUnit: Int?

    private static let subjectTiers = [["usubjid"], ["subjid"], ["subject", "id", "patient_id"]]
    private static let timeTiers = [["afrlt"], ["areltm"], ["time", "day", "days"]]
    private static let valueTiers = [["aval"], ["value", "conc", "concentration"]]
    private static let unitTiers = [["avalu"], ["unit", "units"]]
    static let analyteTiers = [["paramcd"], ["param"]]
    /// The row filters and ADNCA record rules of this header; nil when there are none (the usual CSV), so the
    /// row path pays one test of nil.
    var selector: RowSelector?
    /// The analyte column (`PARAMCD`, else `PARAM`) of a file read without it in the profile key (a selection
    /// not adapted to the header, ``ColumnSelection/adapted(toHeaders:)``): a profile whose rows name two
    /// analytes is then an error, never one pooled profile.
    var unreadAnalyte: Int?

    /// The columns that state the unit of the time column named `time`, by precedence tier: the CDISC
    /// companion of the time variable (ADaM ADNCA: `FRLTU` for `AFRLT`/`NFRLT`, `RRLTU` for `ARRLT`/`NRRLT`;
    /// ADaM BDS: `ARELTMU` for `ARELTM`; `RELTMU`, which pharmaverse ADPC examples use for either), then a
    /// generic `time_unit`.
    static func timeUnitTiers(time: String) -> [[String]] {
        switch time.lowercased() {
        case "afrlt", "nfrlt": [["frltu"], ["reltmu"], ["time_unit"]]
        case "arrlt", "nrrlt": [["rrltu"], ["time_unit"]]
        case "areltm", "nreltm": [["areltmu"], ["reltmu"], ["time_unit"]]
        default: [["time_unit"]]
        }
    }

    package init(header: [String], selection: ColumnSelection, file: String) throws(DataError) {
        self.header = header
        let lowered = header.map { $0.lowercased() }
        let listing =
            "header has: " + header.prefix(20).map { "'\(MessageText.capped($0))'" }.joined(separator: ", ")
            + (header.count > 20 ? ", … (\(header.count) columns)" : "")

        func named(_ name: String, role: String) throws(DataError) -> Int {
            let exact = header.indices.filter { header[$0] == name }
            if exact.count == 1 { return exact[0] }
            let loose = lowered.indices.filter { lowered[$0] == name.lowercased() }
            if loose.count == 1 { return loose[0] }
            let problem =
                loose.isEmpty
                ? "no column named '\(MessageText.capped(name))'"
                : "more than one column named '\(MessageText.capped(name))'"
            throw DataError(file: file, line: 1, message: "\(problem) for \(role); \(listing)")
        }
        func hint(_ role: ColumnSelection.Role, _ verb: String) -> String {
            selection.namingHints[role].map { "\(verb) with \($0)" } ?? "\(verb) explicitly"
        }
        func recognised(_ tiers: [[String]], role: ColumnSelection.Role) throws(DataError) -> Int? {
            for tier in tiers {
                let matches = lowered.indices.filter { tier.contains(lowered[$0]) }
                if matches.count == 1 { return matches[0] }
                if matches.count > 1 {
                    let names = matches.map { "'\(MessageText.capped(header[$0]))'" }.joined(separator: ", ")
                    throw DataError(
                        file: file, line: 1,
                        message: "ambiguous \(role.rawValue) column (\(names)); \(hint(role, "choose one")); \(listing)"
                    )
                }
            }
            return nil
        }
        func required(_ explicit: String?, _ tiers: [[String]], role: ColumnSelection.Role) throws(DataError) -> Int {
            if let explicit { return try named(explicit, role: role.rawValue) }
            if let found = try recognised(tiers, role: role) { return found }
            let known = tiers.joined().joined(separator: ", ")
            throw DataError(
                file: file, line: 1,
                message: "no \(role.rawValue) column (looked for \(known)); \(hint(role, "name it")); \(listing)")
        }

        subject = try required(selection.subject, Self.subjectTiers, role: .subject)
        time = try required(selection.time, Self.timeTiers, role: .time)
        value = try required(selection.value, Self.valueTiers, role: .value)
        let companion = header[value].lowercased() + "c"
        let companions = lowered.indices.filter { lowered[$0] == companion }
        valueText = companions.count == 1 ? companions[0] : nil
        var groupIndices: [Int] = []
        for group in selection.groups {
            if selection.recognisesAnalyte, group == ColumnSelection.analyteGroup {
                guard let analyte = try recognised(Self.analyteTiers, role: .profileBy) else {
                    throw DataError(
                        file: file, line: 1,
                        message:
                            "no analyte column (looked for PARAMCD, PARAM), which another input file has; read the files separately; \(listing)"
                    )
                }
                groupIndices.append(analyte)
                continue
            }
            groupIndices.append(try named(group, role: "group"))
        }
        groups = groupIndices
        profileKey = selection.groups.indices.filter { selection.profileBy.contains(selection.groups[$0]) }
        for (position, column) in groupIndices.enumerated() {
            if let role = [("subject", subject), ("time", time), ("value", value)].first(where: { $0.1 == column }) {
                throw DataError(
                    file: file, line: 1,
                    message: "column '\(header[column])' cannot be both a group and the \(role.0) column")
            }
            if let earlier = groupIndices[..<position].firstIndex(of: column) {
                throw DataError(
                    file: file, line: 1,
                    message:
                        "column '\(header[column])' is given twice as a group ('\(selection.groups[earlier])', '\(selection.groups[position])')"
                )
            }
        }
        switch selection.lloq {
        case .column(let name): lloqColumn = try named(name, role: "LLOQ")
        case .constant(let limit): lloqConstant = limit
        case nil: break
        }
        if let explicit = selection.unit {
            unit = try named(explicit, role: "unit")
        } else {
            unit = try recognised(Self.unitTiers, role: .unit)
        }
        for tier in Self.timeUnitTiers(time: header[time]) {
            let matches = lowered.indices.filter { tier.contains(lowered[$0]) }
            if matches.count > 1 {
                let names = matches.map { "'\(MessageText.capped(header[$0]))'" }.joined(separator: ", ")
                throw DataError(file: file, line: 1, message: "ambiguous time unit column (\(names)); \(listing)")
            }
            if let match = matches.first {
                timeUnit = match
                break
            }
        }
        let roles = [("subject", subject), ("time", time), ("value", value)]
        for a in roles.indices {
            for b in roles.indices where b > a && roles[a].1 == roles[b].1 {
                throw DataError(
                    file: file, line: 1,
                    message: "column '\(header[roles[a].1])' cannot be both \(roles[a].0) and \(roles[b].0)")
            }
        }
        if selection.adncaRules, !selection.recognisesAnalyte,
            let analyte = try? recognised(Self.analyteTiers, role: .profileBy), !groupIndices.contains(analyte)
        {
            unreadAnalyte = analyte
        }
        let selector = try RowSelector(
            header: header, filters: selection.rowFilters, adncaRules: selection.adncaRules, unit: unit, file: file,
            listing: listing
        ) { (name) throws(DataError) in try named(name, role: "a row condition") }
        self.selector = selector.isEmpty ? nil : selector
    }
}
