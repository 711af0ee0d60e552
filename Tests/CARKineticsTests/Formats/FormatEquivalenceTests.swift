import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// The same cohort (Fixtures/data/aid_cd7_qpcr.csv) written by independent writers as SAS transport
/// versions 5 and 8 (pyreadstat), Dataset-JSON v1.1, its NDJSON variant and v1.0 (Python's json) and Excel under two title rows
/// (openpyxl) must give byte-identical `pkfit nca` output and the same audit, row for row.
@Suite struct FormatEquivalenceTests {
    static let variants: [(String, [String])] = [
        ("formats/aid_cd7_qpcr.xpt", []),
        ("formats/aid_cd7_qpcr_v8.xpt", []),
        ("formats/aid_cd7_qpcr.json", []),
        ("formats/aid_cd7_qpcr.ndjson", []),
        ("formats/aid_cd7_qpcr_v10.json", []),
        ("formats/aid_cd7_qpcr.xlsx", ["--sheet", "qPCR", "--header-row", "3"]),
    ]

    @Test(arguments: ["csv", "json", "pp"]) func ncaOutputIsByteIdentical(format: String) throws {
        let reference = try runPKFit(
            [
                "nca", fixtureURL("data/aid_cd7_qpcr.csv").path, "--lloq", "LLOQ", "--group", "COHORT",
                "--format", format,
            ] + (format == "pp" ? ["--study", "S"] : []))
        #expect(reference.status == 0, "\(reference.stderr)")
        #expect(reference.stdout.count > 1000)
        for (file, options) in Self.variants {
            let run = try runPKFit(
                ["nca", fixtureURL(file).path, "--lloq", "LLOQ", "--group", "COHORT", "--format", format] + options
                    + (format == "pp" ? ["--study", "S"] : []))
            #expect(run.status == 0, "\(file): \(run.stderr)")
            #expect(run.stdout == reference.stdout, "\(file)")
        }
    }

    @Test func auditListsTheSameRowsByRecordNumber() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func audit(_ file: String, _ options: [String]) throws -> [[String]] {
            let path = directory.appendingPathComponent("audit-\(UUID().uuidString).csv")
            let run = try runPKFit(["nca", fixtureURL(file).path, "--lloq", "LLOQ", "--audit", path.path] + options)
            #expect(run.status == 0, "\(file): \(run.stderr)")
            return try String(contentsOf: path, encoding: .utf8).split(separator: "\n").dropFirst()
                .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        }
        let csv = try audit("data/aid_cd7_qpcr.csv", [])
        #expect(csv.count == 252)
        for (file, options) in Self.variants {
            let other = try audit(file, options)
            #expect(other.count == csv.count, "\(file)")
            // Line = record number (+1 for the CSV header line; +3 in the workbook, whose header is row 3).
            let offset = file.hasSuffix(".xlsx") ? 2 : -1
            for (a, b) in zip(csv, other) {
                #expect(Int(b[1]) == (Int(a[1]) ?? 0) + offset, "\(file): \(a) vs \(b)")
                #expect(
                    a[2] == b[2] && a[5] == b[5] && a[6] == b[6], "\(file): subject, fate and detail of \(a) vs \(b)")
                #expect(Double(a[3]) == Double(b[3]), "\(file): time of \(a) vs \(b)")
            }
        }
    }

    @Test func datasetJSONNumbersAreReadExactly() throws {
        // Numbers a binary detour would spoil: 0.1, 1e-300, 123456789.123456789 (more digits than a double
        // holds: nearest double 123456789.12345679), a decimal as a string, 5e-324 (subnormal).
        let json = """
            {"datasetJSONVersion": "1.1.0", "name": "ADPC", "records": 6,
             "columns": [{"itemOID": "a", "name": "USUBJID", "dataType": "string"}, {"itemOID": "b", "name": "AFRLT", "dataType": "double"},
                         {"itemOID": "c", "name": "AVAL", "dataType": "decimal"}],
             "rows": [["S1", 0, 0.1], ["S1", 1, 1e-300], ["S1", 2, 123456789.123456789], ["S1", 3, "2.675"], ["S1", 4, 5e-324],
                      ["S1", 5, null]]}
            """
        let set = try ProfileReader().read(bytes: Array(json.utf8), file: "x.json")
        let levels = set.profiles[0].observations.map(\.measurement)
        #expect(
            levels == [
                .value(0.1), .value(1e-300), .value(123456789.12345679), .value(2.675), .value(5e-324), .missing,
            ])
        #expect(set.profiles[0].observations.map(\.line) == [1, 2, 3, 4, 5, 6])
        for (bad, message) in [
            (
                "{\"a\": [1, 2]}",
                "x.json: is JSON but not Dataset-JSON (no 'columns' of version 1.1, no 'clinicalData' or 'referenceData' → 'itemGroupData' of version 1.0)"
            ),
            (
                "{\"columns\": [{\"name\": \"USUBJID\"}], \"rows\": [[\"a\", 1]]}",
                "x.json: row 1: has 2 values; expected 1 as in 'columns'"
            ),
            ("{\"a\": 1,}", "x.json: line 1, character 9: expected a member name in quotes"),
            ("{\"a\": 01}", "x.json: line 1, character 7: a number has a leading zero"),
            ("{\"a\": \"\\u0000\"}", "x.json: line 1, character 14: a string contains the NUL character"),
        ] {
            #expect(throws: DataError.self) { _ = try ProfileReader().read(bytes: Array(bad.utf8), file: "x.json") }
            do {
                _ = try ProfileReader().read(bytes: Array(bad.utf8), file: "x.json")
            } catch {
                #expect(error.description == message)
            }
        }
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: DataError.self) {
            _ = try ProfileReader().read(bytes: Array(("{\"a\":" + deep).utf8), file: "x.json")
        }
        let invalid = """
            {"columns": [{"name": "USUBJID"}, {"name": "AFRLT"}, {"name": "AVAL"}], "rows": [["S1", 0, 1], ["S1", 1, "abc"]]}
            """
        do {
            _ = try ProfileReader().read(bytes: Array(invalid.utf8), file: "x.json")
            Issue.record("abc accepted")
        } catch {
            #expect(error.description.hasPrefix("x.json: row 2, column AVAL: \"abc\" is not a number"))
        }
    }

    @Test func workbookSheetsStringsAndCellErrors() throws {
        // The second sheet of the openpyxl workbook: numbers (1e-300 exactly), booleans, shared strings.
        var selection = ColumnSelection()
        selection.table.sheet = "notes"
        let notes = try ProfileReader(selection: selection).read(
            contentsOf: fixtureURL("formats/aid_cd7_qpcr.xlsx"), displayName: "lab.xlsx")
        #expect(notes.profiles.map(\.subject) == ["N-1", "N-2"])
        #expect(notes.profiles[0].observations.map(\.measurement) == [.value(5.5), .value(0.1)])
        #expect(notes.profiles[0].observations.map(\.line) == [2, 3])
        #expect(notes.profiles[1].observations.map(\.measurement) == [.value(1e-300)])
        selection.table.sheet = "Missing"
        #expect(throws: DataError(file: "lab.xlsx", message: "has no sheet 'Missing'; its sheets are 'qPCR', 'Notes'"))
        {
            _ = try ProfileReader(selection: selection).read(
                contentsOf: fixtureURL("formats/aid_cd7_qpcr.xlsx"), displayName: "lab.xlsx")
        }
        // Without --header-row the title in A1 is taken for the header, and the message says what to do.
        do {
            _ = try ProfileReader().read(contentsOf: fixtureURL("formats/aid_cd7_qpcr.xlsx"), displayName: "lab.xlsx")
            Issue.record("title row taken for a header without complaint")
        } catch {
            #expect(
                error.description.hasPrefix("lab.xlsx: qPCR!B3: a value outside the header's columns (A–A on row 1)"))
            #expect(error.description.hasSuffix("name the header row"))
        }
        // Hand-written workbook: inline strings (one in two runs), a formula's cached value, booleans, an error
        // value in C3, an absent row 4.
        let url = fixtureURL("formats/inline.xlsx")
        do {
            _ = try ProfileReader().read(contentsOf: url, displayName: "lab.xlsx")
            Issue.record("#N/A accepted")
        } catch {
            #expect(
                error.description
                    == "lab.xlsx: 'lab data'!C3: \"#N/A\" is not a number; expected a number, empty, or BLQ, BQL, <LLOQ, <x, ND, NQ"
            )
        }
        let lenient = try ProfileReader(invalidRows: .skip).read(contentsOf: url, displayName: "lab.xlsx")
        #expect(lenient.ledger.excluded.map(\.line) == [3])
        #expect(lenient.ledger.dataLines == 3)
        #expect(lenient.profiles[0].observations.map(\.line) == [2, 5])
        #expect(lenient.profiles[0].observations.map(\.measurement) == [.value(2), .value(0.1)])
    }

    @Test func formatIsToldByContentNotName() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let disguised = directory.appendingPathComponent("adpc.csv")
        try Data(contentsOf: fixtureURL("formats/aid_cd7_qpcr.xpt")).write(to: disguised)
        let set = try ProfileReader(selection: ColumnSelection(lloq: .column("LLOQ"))).read(contentsOf: disguised)
        #expect(set.profiles.count == 18)
        #expect(set.ledger.dataLines == 252)
        #expect(TableFormat.detect(Array("USUBJID,AFRLT\n".utf8)) == .csv)
        #expect(TableFormat.detect([0x50, 0x4B, 0x03, 0x04, 0]) == .xlsx)
        #expect(TableFormat.detect(Array("\u{FEFF}\n  {\"columns\"".utf8)) == .datasetJSON)
    }
}

@Suite struct DamagedWorkbookTests {
    /// Found by FuzzXLSX: a workbook whose ZIP offsets point past the end trapped inside ZIPFoundation's
    /// in-memory archive; it must be an error naming the file.
    @Test func damagedArchiveIsAnErrorNotATrap() throws {
        let bytes = [UInt8](try Data(contentsOf: fixtureURL("formats/damaged_offsets.xlsx")))
        #expect(throws: DataError.self) { _ = try ProfileReader().read(bytes: bytes, file: "lab.xlsx") }
        #expect(throws: DataError.self) {
            _ = try ProfileReader().read(
                contentsOf: fixtureURL("formats/damaged_offsets.xlsx"), displayName: "lab.xlsx")
        }
    }

    /// Found by FuzzXLSX: an entry whose deflate stream runs into the end of the file made ZIPFoundation's
    /// inflater loop forever (a short read is no error there); it must be a prompt error.
    @Test(.timeLimit(.minutes(1))) func deflateStreamRunningOffTheEndIsAnError() throws {
        do {
            _ = try ProfileReader().read(contentsOf: fixtureURL("formats/damaged_stream.xlsx"), displayName: "lab.xlsx")
            Issue.record("damaged workbook accepted")
        } catch {
            #expect(
                error.description.hasPrefix("lab.xlsx: part xl/workbook.xml of the workbook is damaged"), "\(error)")
        }
    }
}
