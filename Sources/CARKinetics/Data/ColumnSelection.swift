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
/// The first tier with a match wins, so an ADPC file with USUBJID and SUBJID, or AFRLT and ARELTM, reads the
/// CDISC actual-time columns (nominal `NFRLT` is never recognised). Two matches within one tier (`time` and
/// `day`) are ambiguous and rejected. When the value column has a text companion named like it plus `C`
/// (`AVALC`), an empty value cell reads the companion (CDISC ADPC BLQ coding).
public struct ColumnSelection: Sendable, Equatable {
    /// Explicit column names; nil = recognise by name.
    public var subject: String?
    public var time: String?
    public var value: String?
    /// Columns carried to the output, in order; each distinct combination with the subject is one profile.
    public var groups: [String]
    public var lloq: LLOQSource?
    public var unit: String?

    /// A selection; every argument defaults to recognition by name / none.
    public init(subject: String? = nil, time: String? = nil, value: String? = nil, groups: [String] = [],
                lloq: LLOQSource? = nil, unit: String? = nil) {
        self.subject = subject
        self.time = time
        self.value = value
        self.groups = groups
        self.lloq = lloq
        self.unit = unit
    }
}

/// Column indices of one file's header.
struct ResolvedColumns {
    var header: [String]
    var subject: Int
    var time: Int
    var value: Int
    var valueText: Int?
    var groups: [Int]
    var lloqColumn: Int?
    var lloqConstant: Double?
    var unit: Int?

    private static let subjectTiers = [["usubjid"], ["subjid"], ["subject", "id", "patient_id"]]
    private static let timeTiers = [["afrlt"], ["areltm"], ["time", "day", "days"]]
    private static let valueTiers = [["aval"], ["value", "conc", "concentration"]]
    private static let unitTiers = [["avalu"], ["unit", "units"]]

    init(header: [String], selection: ColumnSelection, file: String) throws(DataError) {
        self.header = header
        let lowered = header.map { $0.lowercased() }
        let listing = "header has: " + header.prefix(20).map { "'\(MessageText.capped($0))'" }.joined(separator: ", ")
            + (header.count > 20 ? ", … (\(header.count) columns)" : "")

        func named(_ name: String, role: String) throws(DataError) -> Int {
            let exact = header.indices.filter { header[$0] == name }
            if exact.count == 1 { return exact[0] }
            let loose = lowered.indices.filter { lowered[$0] == name.lowercased() }
            if loose.count == 1 { return loose[0] }
            let problem = loose.isEmpty ? "no column named '\(MessageText.capped(name))'" : "more than one column named '\(MessageText.capped(name))'"
            throw DataError(file: file, line: 1, message: "\(problem) for \(role); \(listing)")
        }
        func recognised(_ tiers: [[String]], role: String, flag: String) throws(DataError) -> Int? {
            for tier in tiers {
                let matches = lowered.indices.filter { tier.contains(lowered[$0]) }
                if matches.count == 1 { return matches[0] }
                if matches.count > 1 {
                    let names = matches.map { "'\(MessageText.capped(header[$0]))'" }.joined(separator: ", ")
                    throw DataError(file: file, line: 1,
                                    message: "ambiguous \(role) column (\(names)); choose one with \(flag); \(listing)")
                }
            }
            return nil
        }
        func required(_ explicit: String?, _ tiers: [[String]], role: String, flag: String) throws(DataError) -> Int {
            if let explicit { return try named(explicit, role: role) }
            if let found = try recognised(tiers, role: role, flag: flag) { return found }
            let known = tiers.joined().joined(separator: ", ")
            throw DataError(file: file, line: 1,
                            message: "no \(role) column (looked for \(known)); name it with \(flag); \(listing)")
        }

        subject = try required(selection.subject, Self.subjectTiers, role: "subject", flag: "--subject")
        time = try required(selection.time, Self.timeTiers, role: "time", flag: "--time")
        value = try required(selection.value, Self.valueTiers, role: "value", flag: "--value")
        let companion = header[value].lowercased() + "c"
        let companions = lowered.indices.filter { lowered[$0] == companion }
        valueText = companions.count == 1 ? companions[0] : nil
        var groupIndices: [Int] = []
        for group in selection.groups { groupIndices.append(try named(group, role: "group")) }
        groups = groupIndices
        switch selection.lloq {
        case .column(let name): lloqColumn = try named(name, role: "LLOQ")
        case .constant(let limit): lloqConstant = limit
        case nil: break
        }
        if let explicit = selection.unit {
            unit = try named(explicit, role: "unit")
        } else {
            unit = try recognised(Self.unitTiers, role: "unit", flag: "--unit")
        }
        let roles = [("subject", subject), ("time", time), ("value", value)]
        for a in roles.indices {
            for b in roles.indices where b > a && roles[a].1 == roles[b].1 {
                throw DataError(file: file, line: 1,
                                message: "column '\(header[roles[a].1])' cannot be both \(roles[a].0) and \(roles[b].0)")
            }
        }
    }
}
