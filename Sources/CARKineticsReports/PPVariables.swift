/// A variable of the submitted PP or SUPPPP dataset: its name (≤ 8 characters), SDTMIG label (≤ 40) and kind.
///
/// The one list behind every PP writer (docs/pp-output.md): the CSV header, the SAS transport NAMESTRs and the
/// Dataset-JSON `columns` are all made from ``pp(referenceTime:)`` and ``supppp``, so the three formats cannot
/// drift apart.
public struct PPVariable: Sendable, Equatable {
    /// How a value is stored: text, or a number (SAS numeric, 8 bytes; Dataset-JSON `integer` or `double`).
    public enum Kind: Sendable, Equatable {
        case text, integer, double
    }

    /// The variable name, e.g. `PPTESTCD`.
    public var name: String
    /// The SDTMIG label, e.g. `Parameter Short Name`.
    public var label: String
    /// Text or number.
    public var kind: Kind
    /// The variable's place in the dataset's key (Dataset-JSON `keySequence`), nil when not a key.
    public var key: Int?

    /// A variable; see the properties.
    public init(_ name: String, _ label: String, _ kind: Kind = .text, key: Int? = nil) {
        self.name = name
        self.label = label
        self.kind = kind
        self.key = key
    }

    /// Whether values are numbers.
    public var isNumeric: Bool { kind != .text }

    /// The PP variables in SDTMIG order; `PPRFTDTC` (before `PPSTINT`) only when the input has a reference time.
    public static func pp(referenceTime: Bool) -> [PPVariable] {
        var variables = ppWithoutReferenceTime
        if referenceTime {
            variables.insert(PPVariable("PPRFTDTC", "Date/Time of Reference Point"), at: variables.count - 2)
        }
        return variables
    }

    private static let ppWithoutReferenceTime = [
        PPVariable("STUDYID", "Study Identifier", key: 1),
        PPVariable("DOMAIN", "Domain Abbreviation"),
        PPVariable("USUBJID", "Unique Subject Identifier", key: 2),
        PPVariable("PPSEQ", "Sequence Number", .integer, key: 3),
        PPVariable("PPGRPID", "Group ID"),
        PPVariable("PPTESTCD", "Parameter Short Name"),
        PPVariable("PPTEST", "Parameter Name"),
        PPVariable("PPCAT", "Parameter Category"),
        PPVariable("PPSCAT", "Parameter Subcategory"),
        PPVariable("PPORRES", "Result or Finding in Original Units"),
        PPVariable("PPORRESU", "Original Units"),
        PPVariable("PPSTRESC", "Character Result/Finding in Std Format"),
        PPVariable("PPSTRESN", "Numeric Result/Finding in Standard Units", .double),
        PPVariable("PPSTRESU", "Standard Units"),
        PPVariable("PPSTAT", "Completion Status"),
        PPVariable("PPREASND", "Reason Parameter Not Calculated"),
        PPVariable("PPSPEC", "Specimen Material Type"),
        PPVariable("PPANMETH", "Analysis Method"),
        PPVariable("PPSTINT", "Planned Start of Assessment Interval"),
        PPVariable("PPENINT", "Planned End of Assessment Interval"),
    ]

    /// The supplemental qualifiers for PP (SDTMIG SUPPQUAL structure), one record per qualifier of a PP record,
    /// which `IDVAR` = `PPSEQ` and `IDVARVAL` identify.
    public static let supppp = [
        PPVariable("STUDYID", "Study Identifier", key: 1),
        PPVariable("RDOMAIN", "Related Domain Abbreviation", key: 2),
        PPVariable("USUBJID", "Unique Subject Identifier", key: 3),
        PPVariable("IDVAR", "Identifying Variable", key: 4),
        PPVariable("IDVARVAL", "Identifying Variable Value", key: 5),
        PPVariable("QNAM", "Qualifier Variable Name", key: 6),
        PPVariable("QLABEL", "Qualifier Variable Label"),
        PPVariable("QVAL", "Data Value"),
        PPVariable("QORIG", "Origin"),
        PPVariable("QEVAL", "Evaluator"),
    ]

    /// The qualifiers PP records may have in SUPPPP: `QNAM` and `QLABEL`.
    public static let qualifiers = (
        excludedBy: (name: "PPEXCLBY", label: "Excluded by Acceptance Criteria"),
        lambdaZNote: (name: "LAMZNOTE", label: "Lambda z Chosen by Hand")
    )
}
