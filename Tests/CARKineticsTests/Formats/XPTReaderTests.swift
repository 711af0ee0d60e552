import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// SAS transport v5 files from writers other than ours: `aid_cd7_qpcr.xpt` by pyreadstat (ReadStat) from the
/// CSV fixture, `members.xpt` assembled byte by byte from TS-140 by scripts/fixtures/make_xpt_members.py
/// (lengths 2–7, every missing code, two members, a 136-byte NAMESTR member); its expected values come from
/// exact rational arithmetic on the bytes in Python, and pyreadstat reads the same doubles for lengths 3–8.
@Suite struct XPTReaderTests {
    func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: fixtureURL(path))) }

    @Test func pyreadstatFileHoldsTheCSVCellsExactly() throws {
        let file = try XPTFile(bytes: try bytes("formats/aid_cd7_qpcr.xpt"), file: "aid.xpt")
        #expect(file.datasets.count == 1)
        let adpc = try #require(file.datasets.first)
        #expect(adpc.name == "ADPC")
        #expect(adpc.label == "qPCR cohort")
        #expect(
            adpc.variables.map(\.name) == [
                "USUBJID", "COHORT", "DOSE", "NFRLT", "AFRLT", "AVAL", "AVALC", "LLOQ", "AVALU",
            ])
        #expect(adpc.variables[5].label == "Analysis Value")
        #expect(adpc.variables[4].label == "Actual Rel Time from First Dose")
        #expect(adpc.variables.filter(\.isNumeric).map(\.name) == ["DOSE", "NFRLT", "AFRLT", "AVAL", "LLOQ"])
        #expect(adpc.variables.filter(\.isNumeric).allSatisfy { $0.length == 8 })
        let csv = try readTable("data/aid_cd7_qpcr.csv")
        #expect(adpc.rows.count == csv.count)
        for (k, row) in csv.enumerated() {
            for (v, variable) in adpc.variables.enumerated() {
                let text = row[variable.name] ?? ""
                let value = adpc.rows[k][v]
                if !variable.isNumeric {
                    #expect(value == .text(text), "record \(k + 1) \(variable.name)")
                } else if text.isEmpty {
                    #expect(value == .missing("."), "record \(k + 1) \(variable.name)")
                } else {
                    let expected = try #require(Double(text))
                    #expect(value == .number(expected), "record \(k + 1) \(variable.name): \(value) vs \(text)")
                }
            }
        }
    }

    @Test func everyLengthAndMissingCodeOfTheHandAssembledFile() throws {
        let file = try XPTFile(bytes: try bytes("formats/members.xpt"), file: "members.xpt")
        #expect(file.datasets.map(\.name) == ["ADPC", "ADSL"])
        let adpc = file.datasets[0]
        #expect(adpc.label == "Concentrations")
        #expect(adpc.variables.map(\.length) == [6, 8, 2, 3, 4, 5, 6, 7])
        #expect(adpc.variables[3].label == "Numeric of length 3")
        let expected = try fixtureText("formats/members_expected.csv").split(separator: "\n").dropFirst()
        #expect(adpc.rows.count == expected.count)
        #expect(adpc.rows.count == 28, "the blank padding after the last observation is not a row")
        var codes = Set<Character>()
        for (k, line) in expected.enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            #expect(adpc.rows[k][0] == .text(cells[0]))
            for v in 1..<cells.count {
                let cell = cells[v]
                if cell.hasPrefix(".") {
                    let code: Character = cell == "." ? "." : cell.last ?? "?"
                    codes.insert(code)
                    #expect(adpc.rows[k][v] == .missing(code), "record \(k + 1) \(adpc.variables[v].name)")
                } else {
                    let value = try #require(Double(cell))
                    guard case .number(let x) = adpc.rows[k][v] else {
                        Issue.record("record \(k + 1) \(adpc.variables[v].name): \(adpc.rows[k][v])")
                        continue
                    }
                    #expect(
                        x.bitPattern == value.bitPattern, "record \(k + 1) \(adpc.variables[v].name): \(x) vs \(value)")
                }
            }
        }
        #expect(codes.count == 28, "every missing kind: ., ._ and .A–.Z")
        let adsl = file.datasets[1]
        #expect(adsl.variables.map(\.name) == ["USUBJID", "AGE"])
        #expect(
            adsl.rows == [[.text("S-1"), .number(34)], [.text("S-2"), .number(61)], [.text("S-3"), .missing("A")]])
    }

    @Test func writtenBackEveryLengthAndMissingCodeIsUnchanged() throws {
        for fixture in ["formats/members.xpt", "formats/aid_cd7_qpcr.xpt"] {
            let file = try XPTFile(bytes: try bytes(fixture), file: fixture)
            let written = try file.bytes(created: Date(timeIntervalSince1970: 0))
            #expect(written.count % 80 == 0)
            #expect(Array(written.prefix(48)) == Array("HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!".utf8))
            #expect(String(decoding: written[(80 + 64)..<(80 + 80)], as: UTF8.self) == "01JAN70:00:00:00")
            #expect(try XPTFile(bytes: written, file: "again.xpt") == file, "\(fixture)")
        }
    }

    @Test func version8LongNamesAndLabels() throws {
        // pyreadstat's default: transport version 8, with a LABELV8 section for the label over 40 characters.
        let file = try XPTFile(bytes: try bytes("formats/long_names_v8.xpt"), file: "v8.xpt")
        let data = try #require(file.datasets.first)
        #expect(data.name == "ADPCLONGNAME")
        #expect(data.variables.map(\.name) == ["USUBJID", "AFRLT", "AVAL", "AVALC", "ALongVariableName"])
        #expect(
            data.variables.map(\.label) == [
                "Unique Subject Identifier", "Time", "Analysis Value", "Char value",
                "A label that is longer than forty characters for sure yes",
            ])
        #expect(
            data.rows == [
                [.text("S-1"), .number(0), .number(1), .text("1"), .number(1)],
                [.text("S-1"), .number(1.5), .missing("."), .text("BLQ"), .number(2)],
                [.text("S-2"), .number(0.25), .number(0.1), .text("0.1"), .number(3)],
            ])
        // The whole cohort in version 8 holds the same cells as in version 5.
        let v5 = try XPTFile(bytes: try bytes("formats/aid_cd7_qpcr.xpt"), file: "v5.xpt")
        let v8 = try XPTFile(bytes: try bytes("formats/aid_cd7_qpcr_v8.xpt"), file: "v8.xpt")
        #expect(v8.datasets.first?.rows == v5.datasets.first?.rows)
        #expect(v8.datasets.first?.variables.map(\.label) == v5.datasets.first?.variables.map(\.label))
    }

    @Test func severalMembersNeedDatasetAndErrorsNameRecordAndVariable() throws {
        let url = fixtureURL("formats/members.xpt")
        #expect(
            throws: DataError(file: "m.xpt", message: "holds 2 datasets (ADPC, ADSL); choose one by naming its dataset")
        ) {
            _ = try ProfileReader().read(contentsOf: url, displayName: "m.xpt")
        }
        var selection = ColumnSelection(time: "L2", value: "L7")
        selection.table.dataset = "ZZ"
        #expect(throws: DataError(file: "m.xpt", message: "has no dataset 'ZZ'; it holds ADPC, ADSL")) {
            _ = try ProfileReader(selection: selection).read(contentsOf: url, displayName: "m.xpt")
        }
        selection.table.dataset = "adpc"
        do {
            _ = try ProfileReader(selection: selection).read(contentsOf: url, displayName: "m.xpt")
            Issue.record("L2 is missing in record 5")
        } catch {
            #expect(
                error.description == "m.xpt: record 5, variable L2: is empty; expected a time since infusion")
            #expect(error.line == 5)
        }
        // Under --skip-invalid the same record is excluded and listed by its record number.
        // L2 as the value: -0.1 (truncated to 1 byte of fraction) in records 3, 13 and 23 is a negative
        // concentration; under --skip-invalid those records are excluded and listed by their record numbers.
        let lenient = try ProfileReader(
            selection: ColumnSelection(time: "AFRLT", value: "L2", table: "ADPC"), invalidRows: .skip
        )
        .read(contentsOf: url, displayName: "m.xpt")
        #expect(lenient.ledger.excluded.map(\.line) == [3, 13, 23])
        #expect(
            lenient.ledger.excluded.first?.reason.description.hasPrefix("m.xpt: record 3, variable L2: \"-0.") == true)
        #expect(lenient.ledger.dataLines == 28)
        #expect(lenient.ledger.missing == 5, "records 5, 10, 15, 20 and 25 hold missing codes")
        let lines = lenient.profiles.flatMap { $0.observations.map(\.line) }.sorted()
        #expect(lines == Array(1...28).filter { ![3, 13, 23].contains($0) })
        selection = ColumnSelection(value: "AVAL")
        selection.table.dataset = "ADSL"
        do {
            _ = try ProfileReader(selection: selection).read(contentsOf: url, displayName: "m.xpt")
            Issue.record("ADSL has no time variable")
        } catch {
            #expect(error.description.hasPrefix("m.xpt: dataset ADSL variables: no time column"))
        }
    }

    @Test func truncatedOrCorruptFilesAreErrorsNotCrashes() throws {
        let whole = try bytes("formats/members.xpt")
        for cut in [10, 80, 250, 330, 420, 700, 1000] {
            #expect(throws: DataError.self) { _ = try XPTFile(bytes: Array(whole.prefix(cut)), file: "cut.xpt") }
        }
        // A version 5 member inside a version 8 library is not a version 8 member.
        var v8 = whole
        v8.replaceSubrange(20..<28, with: Array("LIBV8   ".utf8))
        do {
            _ = try XPTFile(bytes: v8, file: "v8.xpt")
            Issue.record("mixed versions accepted")
        } catch {
            #expect(error.description == "v8.xpt: file record 4: expected a MEMBER header record")
        }
        // A numeric variable of length 9 is not version 5.
        var long = whole
        let namestr = 3 * 80 + 5 * 80 + 140 + 4 // ADPC's second NAMESTR, its nlng field
        long[namestr + 1] = 9
        do {
            _ = try XPTFile(bytes: long, file: "long.xpt")
            Issue.record("length 9 accepted")
        } catch {
            #expect(
                error.description
                    == "long.xpt: file record 10: variable AFRLT has length 9; expected 2 to 8 for a numeric variable")
        }
    }
}

extension ColumnSelection {
    /// A selection reading member `dataset`.
    init(time: String, value: String, table dataset: String) {
        self.init(time: time, value: value)
        self.table.dataset = dataset
    }
}

@Suite struct XPTAllRowsInvalidTests {
    @Test func noValidRowQuotesTheFirstRecordByItsPlace() throws {
        // The LLOQ read from a text variable fails in every record, so no record is valid.
        var selection = ColumnSelection(time: "AFRLT", value: "L7", lloq: .column("USUBJID"))
        selection.table.dataset = "ADPC"
        do {
            _ = try ProfileReader(selection: selection, invalidRows: .skip).read(
                contentsOf: fixtureURL("formats/members.xpt"), displayName: "m.xpt")
            Issue.record("text values accepted")
        } catch {
            #expect(
                error.description.hasPrefix(
                    "m.xpt: record 1: no valid data rows (28 excluded); first: m.xpt: record 1, variable USUBJID: \"S-1\" is not a non-negative number; expected an LLOQ"
                ),
                "\(error.description)")
        }
    }
}

@Suite struct XPTTruncatedHeaderTests {
    /// A member header cut inside its digits (the NAMESTR length) is an error, not an out-of-range slice.
    @Test func memberHeaderCutShort() throws {
        let whole = [UInt8](try Data(contentsOf: fixtureURL("formats/members.xpt")))
        for cut in [240 + 48, 240 + 60, 240 + 74, 240 + 76] {
            do {
                _ = try XPTFile(bytes: Array(whole.prefix(cut)), file: "cut.xpt")
                Issue.record("cut at \(cut) accepted")
            } catch {
                #expect(
                    error.description.hasPrefix("cut.xpt: file record 4: the MEMBER header gives a NAMESTR length of"),
                    "\(error)")
            }
        }
    }
}
