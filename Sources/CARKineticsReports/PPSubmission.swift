import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics
import Foundation

/// The PP table as a submission dataset (`pkfit nca --format pp --output pp.xpt` or `pp.json`): SDTM PP
/// variables with their SDTMIG labels, ASCII text, names ≤ 8 and labels ≤ 40 characters, written as SAS
/// transport version 5 or CDISC Dataset-JSON v1.1 (docs/pp-output.md).
///
/// Built from ``PPTable`` rows (one per profile × parameter), with these changes for submission:
/// - `STUDYID` is required: from the input's `STUDYID` column or `study`.
/// - `PPGRPID` groups the records of one profile: empty when the subject has one profile, otherwise the
///   profile's number within the subject (`1`, `2`, …). `--group` values (cohorts, doses) are not carried.
/// - `PPCAT` is the analyte: per profile from an ADNCA file's `PARAMCD`/`PARAM` (read as the `analyte` column,
///   ``ColumnSelection/adapted(toHeadersOf:)``), else `--analyte` (which may rename a file's single analyte);
///   `PPSCAT` `NON-COMPARTMENTAL`, `PPSPEC` the specimen (`--specimen`, else the
///   input's `PCSPEC` per profile), `PPANMETH` the AUC method
///   (`LINEAR UP LOG DOWN METHOD` or `LINEAR METHOD`).
/// - `NOT DONE` rows have empty units as well as empty results.
/// - Text is ASCII: `λz` in reasons becomes `lambda z`, `µ`/`μ` in units `u`; any other non-ASCII character is
///   an error naming the value (a subject identifier is never altered).
public struct PPSubmission: Sendable {
    /// Values the NCA input does not hold.
    public struct Settings: Sendable, Equatable {
        /// `STUDYID` when the input has no `STUDYID` column (`--study`).
        public var study: String?
        /// `PPCAT` (`--analyte`), e.g. `CAR-T transgene`.
        public var analyte: String?
        /// `PPSPEC` (`--specimen`), e.g. `BLOOD`.
        public var specimen: String?
        /// How the caller's users give `study`, quoted when it is missing (a command line passes `--study`);
        /// nil words it generically.
        public var studyHint: String?

        /// Settings; nil leaves the variable empty (`study` nil requires a `STUDYID` column).
        public init(study: String? = nil, analyte: String? = nil, specimen: String? = nil) {
            self.study = study
            self.analyte = analyte
            self.specimen = specimen
        }
    }

    /// Why the dataset cannot be written.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The variables in SDTMIG order: name, label, numeric.
    public static let variables: [(name: String, label: String, numeric: Bool)] = [
        ("STUDYID", "Study Identifier", false),
        ("DOMAIN", "Domain Abbreviation", false),
        ("USUBJID", "Unique Subject Identifier", false),
        ("PPSEQ", "Sequence Number", true),
        ("PPGRPID", "Group ID", false),
        ("PPTESTCD", "Parameter Short Name", false),
        ("PPTEST", "Parameter Name", false),
        ("PPCAT", "Parameter Category", false),
        ("PPSCAT", "Parameter Subcategory", false),
        ("PPORRES", "Result or Finding in Original Units", false),
        ("PPORRESU", "Original Units", false),
        ("PPSTRESC", "Character Result/Finding in Std Format", false),
        ("PPSTRESN", "Numeric Result/Finding in Standard Units", true),
        ("PPSTRESU", "Standard Units", false),
        ("PPSTAT", "Completion Status", false),
        ("PPREASND", "Reason Parameter Not Calculated", false),
        ("PPSPEC", "Specimen Material Type", false),
        ("PPANMETH", "Analysis Method", false),
        ("PPSTINT", "Planned Start of Assessment Interval", false),
        ("PPENINT", "Planned End of Assessment Interval", false),
    ]

    /// Reads `files`, runs the NCA of `analysis` and builds the dataset, with `PPSPEC` from `settings.specimen`
    /// or else from a `PCSPEC` column (any case, in every file), read per profile (so two specimens of one
    /// subject are two profiles). Throws ``DataError`` for the input and ``Failure`` for the dataset.
    public static func export(
        _ analysis: NCAAnalysis, files: [URL], settings: Settings
    ) throws -> (dataset: XPTFile.Dataset, nca: NCAAnalysis.Output) {
        var reading = analysis
        /// Reads the column named `lowercased` (in every file) per profile, as a group; its index among the groups.
        func perProfile(_ lowercased: String) -> Int? {
            let names = files.map { ProfileReader.column(named: lowercased, in: $0, choice: analysis.selection.table) }
            guard let name = names.first ?? nil, names.allSatisfy({ $0 == name }) else { return nil }
            if let existing = reading.selection.groups.firstIndex(where: { $0.lowercased() == lowercased }) {
                return existing
            }
            // A profile-by column: it may change within a subject (two specimens are two profiles), which a
            // group column may not.
            reading.selection.groups.append(name)
            reading.selection.profileBy.append(name)
            return reading.selection.groups.count - 1
        }
        let specimenIndex = settings.specimen == nil ? perProfile("pcspec") : nil
        let referenceIndex = perProfile("pcrftdtc")
        // An ADNCA file's analyte (PARAMCD/PARAM, read as the `analyte` profile column) is PPCAT per profile.
        let analyteIndex =
            analysis.selection.recognisesAnalyte
            ? reading.selection.groups.firstIndex(of: ColumnSelection.analyteGroup) : nil
        let (table, nca) = try PPExport(reading).export(files: files)
        func values(_ index: Int?) -> [String]? {
            index.map { k in nca.results.map { k < $0.groups.count ? $0.groups[k] : "" } }
        }
        var analytes = values(analyteIndex)
        if let given = settings.analyte, let found = analytes {
            let distinct = found.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            guard distinct.count <= 1 else {
                throw Failure(
                    message:
                        "the input has several analytes (\(distinct.prefix(5).map { MessageText.capped($0) }.joined(separator: ", "))), each its own PPCAT; one analyte name ('\(MessageText.capped(given))') cannot stand for them all"
                )
            }
            // One analyte: the name given is the PPCAT (a readable name for the file's code).
            analytes = nil
        }
        return (
            try dataset(
                table, options: nca.options, settings: settings, specimens: values(specimenIndex),
                referenceTimes: values(referenceIndex), analytes: analytes), nca
        )
    }

    /// `PPRFTDTC`, written (before `PPSTINT`) only when the input has a reference time: its `PCRFTDTC` column.
    public static let referenceTimeVariable = (name: "PPRFTDTC", label: "Date/Time of Reference Point", numeric: false)

    /// The dataset: `table` is ``PPTable``'s (its ``PPTable/columns``), `options` the NCA's; `specimens`, when
    /// given, holds `PPSPEC` per profile (in the table's order) and overrides `settings.specimen`;
    /// `referenceTimes`, when given, holds `PPRFTDTC` per profile (ISO 8601 text, as in the input); `analytes`,
    /// when given, holds `PPCAT` per profile and overrides `settings.analyte`.
    public static func dataset(
        _ table: ResultTable, options: NCAOptions, settings: Settings, specimens: [String]? = nil,
        referenceTimes: [String]? = nil, analytes: [String]? = nil
    ) throws(Failure) -> XPTFile.Dataset {
        func column(_ name: String) throws(Failure) -> Int {
            guard let k = table.columns.firstIndex(of: name) else {
                throw Failure(message: "the PP table has no \(name) column")
            }
            return k
        }
        let study = try column("STUDYID")
        let subject = try column("USUBJID")
        let sequence = try column("PPSEQ")
        let code = try column("PPTESTCD")
        let test = try column("PPTEST")
        let original = try column("PPORRES")
        let unit = try column("PPORRESU")
        let number = try column("PPSTRESN")
        let status = try column("PPSTAT")
        let reason = try column("PPREASND")
        let start = try column("PPSTINT")
        let end = try column("PPENINT")
        let parameters = Layout(options: options).count
        // Profiles per subject (each profile is `parameters` consecutive rows), for PPGRPID.
        var profiles: [String: Int] = [:]
        for row in stride(from: 0, to: table.rows.count, by: Swift.max(1, parameters)) {
            profiles[text(table.rows[row][subject]), default: 0] += 1
        }
        let method = options.aucMethod == .linear ? "LINEAR METHOD" : "LINEAR UP LOG DOWN METHOD"
        func specimen(_ row: Int) -> String {
            guard let specimens, parameters > 0 else { return settings.specimen ?? "" }
            let profile = row / parameters
            return profile < specimens.count ? specimens[profile] : ""
        }
        func analyte(_ row: Int) -> String {
            guard let analytes, parameters > 0, row / parameters < analytes.count else { return settings.analyte ?? "" }
            return analytes[row / parameters]
        }
        func referenceTime(_ row: Int) -> String {
            guard let referenceTimes, parameters > 0, row / parameters < referenceTimes.count else { return "" }
            return referenceTimes[row / parameters]
        }
        var rows: [[XPTFile.Value]] = []
        rows.reserveCapacity(table.rows.count)
        for (r, row) in table.rows.enumerated() {
            let usubjid = text(row[subject])
            var studyID = text(row[study])
            if studyID.isEmpty { studyID = settings.study ?? "" }
            guard !studyID.isEmpty else {
                throw Failure(
                    message:
                        "STUDYID is required in a submitted PP dataset: give the input a STUDYID column or \(settings.studyHint.map { "use \($0)" } ?? "give the study identifier in the settings")"
                )
            }
            let seq = integer(row[sequence])
            let profile = parameters > 0 ? (seq - 1) / parameters + 1 : 1
            let notDone = text(row[status]) == "NOT DONE"
            let units = notDone ? "" : try ascii(text(row[unit]), "PPORRESU", r)
            let value = text(row[original])
            var cells: [XPTFile.Value] = [
                .text(try ascii(studyID, "STUDYID", r)), .text("PP"),
                .text(try ascii(usubjid, "USUBJID", r, strict: true)),
                .number(Double(seq)), .text((profiles[usubjid] ?? 1) > 1 ? String(profile) : ""),
                .text(try ascii(text(row[code]), "PPTESTCD", r)), .text(try ascii(text(row[test]), "PPTEST", r)),
                .text(try ascii(analyte(r), "PPCAT", r)), .text("NON-COMPARTMENTAL"),
                .text(value), .text(units), .text(value),
            ]
            switch row[number] {
            case .number(let x): cells.append(.number(x))
            case .integer(let n): cells.append(.number(Double(n)))
            default: cells.append(.missing("."))
            }
            cells += [
                .text(units), .text(text(row[status])), .text(try ascii(text(row[reason]), "PPREASND", r)),
                .text(try ascii(specimen(r), "PPSPEC", r)), .text(method),
                .text(text(row[start])), .text(text(row[end])),
            ]
            if referenceTimes != nil {
                cells.insert(.text(try ascii(referenceTime(r), "PPRFTDTC", r)), at: cells.count - 2)
            }
            rows.append(cells)
        }
        var variables: [XPTFile.Variable] = []
        var layout = Self.variables
        if referenceTimes != nil { layout.insert(referenceTimeVariable, at: layout.count - 2) }
        for (k, variable) in layout.enumerated() {
            var length = 8
            if !variable.numeric {
                length = rows.reduce(1) { longest, row in
                    if case .text(let s) = row[k] { return Swift.max(longest, s.utf8.count) }
                    return longest
                }
                guard length <= 200 else {
                    throw Failure(
                        message:
                            "a \(variable.name) value is \(length) characters long; SAS transport v5 holds at most 200")
                }
            }
            variables.append(
                XPTFile.Variable(
                    name: variable.name, label: variable.label, isNumeric: variable.numeric, length: length))
        }
        return XPTFile.Dataset(name: "PP", label: "Pharmacokinetic Parameters", variables: variables, rows: rows)
    }

    /// How many parameters each profile has under `options` (rows per profile).
    private struct Layout {
        let count: Int
        init(options: NCAOptions) { count = PPTable.Layout(options: options).parameters.count }
    }

    private static func text(_ cell: ResultCell) -> String {
        switch cell {
        case .text(let s): s
        case .number(let x): CSVWriter.number(x)
        case .integer(let n): String(n)
        case .empty: ""
        }
    }

    private static func integer(_ cell: ResultCell) -> Int {
        switch cell {
        case .integer(let n): n
        case .number(let x) where x.isFinite && abs(x) < 1e15: Int(x)
        default: 0
        }
    }

    /// `text` in printable ASCII: the characters our own messages and common units use are spelled out;
    /// `strict` values (identifiers) and anything else non-ASCII are an error.
    private static func ascii(
        _ text: String, _ variable: String, _ row: Int, strict: Bool = false
    ) throws(Failure) -> String {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        if !strict {
            let replaced = text.replacingOccurrences(of: "λz", with: "lambda z").replacingOccurrences(
                of: "λ", with: "lambda"
            )
            .replacingOccurrences(of: "µ", with: "u").replacingOccurrences(of: "μ", with: "u")
            .replacingOccurrences(of: "≥", with: ">=").replacingOccurrences(of: "≤", with: "<=")
            .replacingOccurrences(of: "–", with: "-").replacingOccurrences(of: "—", with: "-")
            .replacingOccurrences(of: "×", with: "x").replacingOccurrences(of: "²", with: "2")
            if replaced.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return replaced }
        }
        throw Failure(
            message:
                "\(variable) '\(text)' (PP row \(row + 1)) is not ASCII; SAS transport v5 and submission datasets hold ASCII text"
        )
    }

    /// The dataset as CDISC Dataset-JSON v1.1: metadata, `columns` (with `length` for text) and `rows`, numbers
    /// as shortest round-trip decimals, missing numbers as `null`.
    public static func datasetJSON(_ dataset: XPTFile.Dataset, study: String, created: Date = Date()) -> String {
        let stamp = ISO8601DateFormatter().string(from: created).replacingOccurrences(of: "Z", with: "")
        var out = "{\n"
        out += "\"datasetJSONCreationDateTime\": \(quoted(stamp)),\n\"datasetJSONVersion\": \"1.1.0\",\n"
        out += "\"fileOID\": \(quoted("CARKinetics.PP.\(study)")),\n\"originator\": \"CARKinetics\",\n"
        out += "\"sourceSystem\": {\"name\": \"CARKinetics pkfit\", \"version\": \(quoted(PackageVersion.current))},\n"
        out += "\"studyOID\": \(quoted(study)),\n\"metaDataVersionOID\": \"MDV.PP\",\n\"itemGroupOID\": \"IG.PP\",\n"
        out +=
            "\"records\": \(dataset.rows.count),\n\"name\": \(quoted(dataset.name)),\n\"label\": \(quoted(dataset.label)),\n"
        out += "\"columns\": [\n"
        out += dataset.variables.map { v in
            let type = v.name == "PPSEQ" ? "integer" : v.isNumeric ? "double" : "string"
            let key =
                v.name == "USUBJID"
                ? ", \"keySequence\": 2"
                : v.name == "STUDYID"
                    ? ", \"keySequence\": 1"
                    : v.name == "PPSEQ" ? ", \"keySequence\": 3" : ""
            return
                "  {\"itemOID\": \(quoted("IT.PP." + v.name)), \"name\": \(quoted(v.name)), \"label\": \(quoted(v.label)), \"dataType\": \"\(type)\""
                + (v.isNumeric ? "" : ", \"length\": \(v.length)") + key + "}"
        }.joined(separator: ",\n")
        out += "\n],\n\"rows\": [\n"
        out += dataset.rows.map { row in
            "  ["
                + row.map { value in
                    switch value {
                    case .text(let s): quoted(s)
                    case .number(let x):
                        x.isFinite
                            ? (x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : CSVWriter.number(x)) : "null"
                    case .missing: "null"
                    }
                }.joined(separator: ", ") + "]"
        }.joined(separator: ",\n")
        out += "\n]\n}\n"
        return out
    }

    private static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
