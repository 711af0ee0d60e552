import Foundation
import Testing

@testable import CARKineticsData

/// The qPCR cohort (SampleData/aid_cd7_qpcr.csv) as other programs write it (Fixtures/formats/quirks, made by
/// scripts/fixtures/make_quirk_fixtures.py and make_haven_fixtures.R): LibreOffice Calc and openpyxl
/// workbooks, hand-written Office Open XML with every cell quirk (transitional and Strict), R haven's SAS
/// transport versions 5 and 8, and Dataset-JSON v1.1 with every `dataType`. Each must give the CSV's `pkfit nca`
/// output byte for byte; calendar values (SAS date formats, Dataset-JSON dates, date-styled Excel cells) and
/// uncomputed Excel formulas where the analysis reads a number are refused at their place.
@Suite struct ReaderQuirkTests {
    static let variants: [(String, [String])] = [
        ("formats/quirks/aid_cd7_qpcr_libreoffice.xlsx", []),
        ("formats/quirks/richtext_openpyxl.xlsx", ["--sheet", "data"]),
        ("formats/quirks/quirks.xlsx", ["--header-row", "3", "--where", "USUBJID!=Total"]),
        ("formats/quirks/quirks_strict.xlsx", ["--header-row", "3", "--where", "USUBJID!=Total"]),
        ("formats/quirks/types_v11.json", []),
        ("formats/quirks/haven_v5.xpt", []),
        ("formats/quirks/haven_v8.xpt", []),
    ]

    static func path(_ fixture: String) -> String { fixtureURL(fixture).path }

    @Test(arguments: ["csv", "json"]) func ncaOutputEqualsTheCSVs(format: String) throws {
        let options = ["--lloq", "LLOQ", "--group", "COHORT", "--format", format]
        let reference = try runPKFit(["nca", Self.path("data/aid_cd7_qpcr.csv")] + options)
        #expect(reference.status == 0, "\(reference.stderr)")
        #expect(reference.stdout.count > 1000)
        for (file, extra) in Self.variants {
            let run = try runPKFit(["nca", Self.path(file)] + options + extra)
            #expect(run.status == 0, "\(file): \(run.stderr)")
            #expect(run.stdout == reference.stdout, "\(file)")
        }
    }

    /// Rows and cells located without `r` attributes, an empty row inside the data and a lying `<dimension>`:
    /// the audit's lines are the sheet's row numbers (data from row 4; the empty row 104 shifts the rest).
    @Test func workbookRowsWithoutReferencesKeepTheirNumbers() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let audit = directory.appendingPathComponent("audit.csv")
        let run = try runPKFit([
            "nca", Self.path("formats/quirks/quirks.xlsx"), "--lloq", "LLOQ", "--header-row", "3", "--where",
            "USUBJID!=Total", "--audit", audit.path,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = try String(contentsOf: audit, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let csv = try readTable("data/aid_cd7_qpcr.csv")
        let data = rows.filter { $0[6] != "blank line" && $0[5] != "not-selected" }
        #expect(data.count == csv.count)
        for (i, row) in data.enumerated() {
            #expect(Int(row[1]) == i + 4 + (i >= 100 ? 1 : 0), "\(row)")
            #expect(row[2] == csv[i]["USUBJID"], "\(row)")
            #expect(Double(row[3]) == Double(csv[i]["AFRLT"] ?? ""), "\(row)")
        }
        #expect(rows.contains { $0[1] == "104" && $0[6] == "blank line" })
        #expect(rows.contains { $0[1] == "257" && $0[5] == "not-selected" })
    }

    @Test func trailingTotalsRowIsAnErrorAtItsCell() throws {
        let run = try runPKFit(["nca", Self.path("formats/quirks/quirks.xlsx"), "--lloq", "LLOQ", "--header-row", "3"])
        #expect(run.status != 0)
        #expect(
            run.stderr.contains("quirks.xlsx: qPCR!E257: is empty; expected a time since infusion"), "\(run.stderr)")
    }

    /// Phonetic guides (`<rPh>`) of inline strings are not part of the text (they were appended before).
    @Test func inlinePhoneticRunsAreLeftOut() throws {
        var selection = ColumnSelection()
        selection.table.sheet = "Notes"
        for file in ["formats/quirks/quirks.xlsx", "formats/quirks/quirks_strict.xlsx"] {
            let set = try ProfileReader(selection: selection).read(contentsOf: fixtureURL(file), displayName: "q.xlsx")
            #expect(set.profiles.map(\.subject) == ["N-1"], "\(file)")
        }
    }

    @Test func havenTransportFilesKeepLabelsFormatsAndSpecialMissingValues() throws {
        for (fixture, names) in [("formats/quirks/haven_v5.xpt", false), ("formats/quirks/haven_v8.xpt", true)] {
            let bytes = [UInt8](try Data(contentsOf: fixtureURL(fixture)))
            let file = try XPTFile(bytes: bytes, file: fixture)
            let data = try #require(file.datasets.first)
            func name(_ n: String) -> String { names ? n.lowercased() : n }
            #expect(data.name == name("ADPC"))
            #expect(data.label == "qPCR cohort")
            #expect(data.rows.count == 252)
            let variables = Dictionary(uniqueKeysWithValues: data.variables.enumerated().map { ($1.name, $0) })
            let adtm = try #require(variables[name("ADTM")])
            #expect(data.variables[adtm].format == "DATETIME")
            #expect(data.variables[adtm].label == "Analysis Datetime")
            #expect(data.variables[try #require(variables[name("ADT")])].format == "DATE")
            #expect(data.variables[try #require(variables[name("AFRLT")])].label == "Actual Rel Time from First Dose")
            let comment = try #require(variables[name("COMMENT")])
            #expect(data.variables[comment].length == 200)
            guard case .text(let text) = data.rows[0][comment] else {
                Issue.record("COMMENT is not text")
                continue
            }
            #expect(text.count == 200 && text.hasPrefix("AID-001 long comment text"))
            // 2024-03-01T08:00 + AFRLT days, in seconds since 1960-01-01 (23436 days to 2024-03-01).
            #expect(data.rows[0][adtm] == .number(Double(23436 * 86400 + 8 * 3600 - 86400)))
            // AVAL of a BLQ sample is the special missing value .A (haven's tagged NA "A").
            let aval = try #require(variables[name("AVAL")])
            let codes = data.rows.compactMap { row -> Character? in
                if case .missing(let code) = row[aval] { return code }
                return nil
            }
            let blq = try readTable("data/aid_cd7_qpcr.csv").filter { $0["AVAL"] == "" && $0["AVALC"] == "BLQ" }
            #expect(codes.count == blq.count && codes.allSatisfy { $0 == "A" })
        }
    }

    /// A calendar value where a time since dose (or a level) is read is refused, naming the variable, column
    /// or cell; the old readers took SAS datetimes (seconds since 1960) for days since dose without a word.
    @Test func calendarValuesAreRefusedWhereANumberIsRead() throws {
        let cases: [([String], String)] = [
            (
                ["formats/quirks/haven_v5.xpt", "--time", "ADTM"],
                "haven_v5.xpt: dataset ADPC, variable ADTM: has the SAS format DATETIME (seconds since 1 January 1960), a calendar value, not a time since dose or a measured value; use a relative time variable (AFRLT, ARRLT) or convert it first (ADTM is the time column)"
            ),
            (
                ["formats/quirks/haven_v5.xpt", "--time", "ADT"],
                "haven_v5.xpt: dataset ADPC, variable ADT: has the SAS format DATE (days since 1 January 1960)"
            ),
            (
                ["formats/quirks/haven_v8.xpt", "--time", "adtm"],
                "haven_v8.xpt: dataset adpc, variable adtm: has the SAS format DATETIME"
            ),
            (
                ["formats/quirks/types_v11.json", "--time", "ADTN"],
                "types_v11.json: column ADTN: has dataType date stored as integer (SAS days since 1 January 1960), a calendar value"
            ),
            (
                ["formats/quirks/types_v11.json", "--time", "ADTM"],
                "types_v11.json: column ADTM: has dataType datetime, a calendar value"
            ),
            (
                ["formats/quirks/types_v11.json", "--value", "ADT"],
                "types_v11.json: column ADT: has dataType date, a calendar value, not a time since dose or a measured value; use a relative time column (AFRLT, ARRLT) or convert it first (ADT is the value column)"
            ),
            (
                ["formats/quirks/date_styles.xlsx", "--sheet", "date"],
                "date_styles.xlsx: date!B3: is formatted as a date or time (built-in number format 14, a date or time format): Excel stores it as days since 30 December 1899 (a time of day or duration as a fraction of a day), not a time since dose or a measured value; give the column a number format (General) holding relative times (AFRLT is the time column)"
            ),
            (
                ["formats/quirks/date_styles.xlsx", "--sheet", "datetime"],
                "date_styles.xlsx: datetime!B3: is formatted as a date or time (number format 'yyyy\\-mm\\-dd\\ hh:mm')"
            ),
            (
                ["formats/quirks/date_styles.xlsx", "--sheet", "elapsed"],
                "date_styles.xlsx: elapsed!B3: is formatted as a date or time (number format '[h]:mm')"
            ),
            (
                ["formats/quirks/quirks.xlsx", "--header-row", "3", "--time", "SAMPLED"],
                "quirks.xlsx: qPCR!L4: is a date cell (type d, an ISO 8601 date), not a time since dose or a measured value"
            ),
            (
                ["formats/quirks/quirks.xlsx", "--header-row", "3", "--time", "COLLDT"],
                "quirks.xlsx: qPCR!M4: is formatted as a date or time (number format 'yyyy\\-mm\\-dd\\ hh:mm')"
            ),
            (
                ["formats/quirks/quirks.xlsx", "--header-row", "3", "--group", "NOTE"],
                "quirks.xlsx: qPCR!J4: holds the error value #N/A, not a value; correct or clear the cell, or leave the column out"
            ),
            (
                ["formats/quirks/formula_without_value_openpyxl.xlsx"],
                "formula_without_value_openpyxl.xlsx: lab!C4: holds a formula without a computed value (the program that wrote the workbook did not calculate it), so its value is unknown, not missing; open and save the workbook in Excel or LibreOffice, or write values instead of formulas (AVAL is the value column)"
            ),
        ]
        for (arguments, message) in cases {
            let fixture = arguments[0]
            let name = String(fixture.split(separator: "/").last ?? "")
            for invalidRows in [InvalidRowPolicy.stop, .skip] {
                var selection = ColumnSelection(lloq: .column("LLOQ"))
                var k = 1
                while k + 1 < arguments.count {
                    switch arguments[k] {
                    case "--time": selection.time = arguments[k + 1]
                    case "--value": selection.value = arguments[k + 1]
                    case "--sheet": selection.table.sheet = arguments[k + 1]
                    case "--header-row": selection.table.headerRow = Int(arguments[k + 1])
                    case "--group": selection.groups = [arguments[k + 1]]
                    default: Issue.record("option \(arguments[k])")
                    }
                    k += 2
                }
                if fixture.contains("date_styles") || fixture.contains("formula") { selection.lloq = nil }
                do {
                    _ = try ProfileReader(selection: selection, invalidRows: invalidRows).read(
                        contentsOf: fixtureURL(fixture), displayName: name)
                    Issue.record("\(arguments) accepted")
                } catch {
                    #expect(error.description.hasPrefix(message), "\(arguments): \(error.description)")
                }
            }
        }
        // The command line says the same and writes nothing.
        let run = try runPKFit(["nca", Self.path("formats/quirks/haven_v5.xpt"), "--time", "ADTM"])
        #expect(run.status != 0 && run.stdout.isEmpty)
        #expect(run.stderr.contains("variable ADTM: has the SAS format DATETIME"), "\(run.stderr)")
    }

    /// Number formats that are not dates are read as numbers: a quoted "d" and two decimals.
    @Test func numberFormatsThatAreNotDatesAreRead() throws {
        for sheet in ["quoted d", "two decimals"] {
            var selection = ColumnSelection()
            selection.table.sheet = sheet
            let set = try ProfileReader(selection: selection).read(
                contentsOf: fixtureURL("formats/quirks/date_styles.xlsx"), displayName: "d.xlsx")
            #expect(set.profiles.first?.observations.map(\.time) == [0, 1, 2], "\(sheet)")
        }
    }

    @Test func excelDateFormatClassification() {
        let dates = [
            "yyyy-mm-dd", "m/d/yy", "[h]:mm", "[mm]:ss", "mm:ss", "h:mm AM/PM", "[$-409]d-mmm-yy", "dd\\.mm\\.yyyy",
            "yyyy\\-mm\\-dd\\ hh:mm", "[Red][h]:mm",
        ]
        for code in dates { #expect(Workbook.dateFormat(id: 170, code: code) != nil, "\(code)") }
        let numbers = [
            "General", "0.00", "0.00E+00", "#,##0_);(#,##0)", "0.0\" d\"", "0.0\\d", "[Red]0.00", "[$-409]0.00", "@",
            "0.0_h", "#,##0.00*s",
        ]
        for code in numbers { #expect(Workbook.dateFormat(id: 170, code: code) == nil, "\(code)") }
        for id in [14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 36, 45, 46, 47, 50, 58] {
            #expect(Workbook.dateFormat(id: id, code: nil) != nil, "\(id)")
        }
        for id in [0, 1, 2, 3, 4, 9, 10, 11, 12, 13, 37, 40, 48, 49, 59, 164] {
            #expect(Workbook.dateFormat(id: id, code: nil) == nil, "\(id)")
        }
        // A file that redefines a built-in id with a number code is taken at its word.
        #expect(Workbook.dateFormat(id: 14, code: "0.00") == nil)
    }

    @Test func sasDateFormatClassification() {
        let seconds = ["DATETIME", "E8601DT", "B8601DT", "IS8601DT", "DATEAMPM", "DTDATE", "E8601DZ"]
        for format in seconds { #expect(XPTFile.dateFormatKind(format) == "seconds since 1 January 1960", "\(format)") }
        let days = ["DATE", "E8601DA", "YYMMDD", "MMDDYY", "DDMMYY", "MONYY", "WEEKDATE", "WORDDATE", "IS8601DA"]
        for format in days { #expect(XPTFile.dateFormatKind(format) == "days since 1 January 1960", "\(format)") }
        for format in ["TIME", "TOD", "HHMM", "E8601TM"] { #expect(XPTFile.dateFormatKind(format) != nil, "\(format)") }
        for format in ["", "BEST", "F", "COMMA", "$CHAR", "PVALUE", "Z", "E"] {
            #expect(XPTFile.dateFormatKind(format) == nil, "\(format)")
        }
    }

    @Test func datasetJSONRecordCountMustMatchTheRows() throws {
        let json = """
            {"datasetJSONVersion": "1.1.0", "name": "ADPC", "records": 3,
             "columns": [{"itemOID": "a", "name": "USUBJID", "dataType": "string"}, {"itemOID": "b", "name": "AFRLT", "dataType": "double"},
                         {"itemOID": "c", "name": "AVAL", "dataType": "double"}],
             "rows": [["S1", 0, 1], ["S1", 1, 2]]}
            """
        #expect(
            throws: DataError(
                file: "x.json", message: "'records' says 3 rows but the file holds 2; it may be cut short")
        ) {
            _ = try ProfileReader().read(bytes: Array(json.utf8), file: "x.json")
        }
        let fixed = json.replacingOccurrences(of: "\"records\": 3", with: "\"records\": 2")
        #expect(try ProfileReader().read(bytes: Array(fixed.utf8), file: "x.json").profiles.count == 1)
        // NDJSON: the metadata line's count against the row lines.
        let ndjson = """
            {"datasetJSONVersion": "1.1.0", "records": 2, "columns": [{"name": "USUBJID", "dataType": "string"}, {"name": "AFRLT", "dataType": "double"}, {"name": "AVAL", "dataType": "double"}]}
            ["S1", 0, 1]

            """
        #expect(
            throws: DataError(
                file: "x.ndjson", message: "'records' says 2 rows but the file holds 1; it may be cut short")
        ) {
            _ = try ProfileReader().read(bytes: Array(ndjson.utf8), file: "x.ndjson")
        }
    }
}
