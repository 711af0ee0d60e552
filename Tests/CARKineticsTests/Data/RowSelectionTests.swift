import Foundation
import Testing

@testable import CARKineticsData

/// Row conditions and ADNCA record rules in the data layer: the grammar, the serial and parallel row paths,
/// the ledger.
@Suite struct RowSelectionTests {
    @Test func grammar() throws {
        #expect(try RowFilter(parsing: "ARM=A") == RowFilter(column: "ARM", value: "A"))
        #expect(try RowFilter(parsing: " ARM != A B ") == RowFilter(column: "ARM", value: "A B", excludes: true))
        #expect(try RowFilter(parsing: "DTYPE=") == RowFilter(column: "DTYPE", value: ""))
        // The first `=` splits: the value may hold `=` and `!=`.
        #expect(try RowFilter(parsing: "NOTE=a=b!=c") == RowFilter(column: "NOTE", value: "a=b!=c"))
        for bad in ["ARM", "", "=A", "!=A", "  = A", "A! =B", "A!!=B"] {
            #expect(throws: RowFilterError.self, "\(bad)") { try RowFilter(parsing: bad) }
        }
        for text in ["ARM=A", "ARM!=A", "DTYPE=", "A=!B"] { #expect(try RowFilter(parsing: text).text == text) }
    }

    /// A cohort of 97 subjects × visits, with an ARM, a DTYPE copy every 7th row and analysis flags, and
    /// — in rows of arm C only — values that are not numbers. Returns the bytes and, computed here by the
    /// rules independently of the reader, how many rows each fate should get under `--where ARM!=C`.
    static func cohort(rows: Int) -> (bytes: [UInt8], expected: [String: Int]) {
        var text = "USUBJID,ARM,AFRLT,AVAL,AVALU,DTYPE,ANL01FL,ANL02FL\n"
        var expected: [String: Int] = [:]
        for k in 0..<rows {
            let subject = k % 97
            let arm = ["A", "B", "C"][subject % 3]
            let visit = k / 97
            let copy = k % 7 == 3
            let flags = k % 11 == 4 ? ",," : k % 13 == 6 ? ",Y," : ",Y,Y"
            let value = arm == "C" ? "not a number" : "\(Double(k % 1000) / 7 + 1)"
            text += "S\(subject),\(arm),\(visit)\(copy ? ".5" : ""),\(value),ng/mL,\(copy ? "COPY" : "")\(flags)\n"
            // Order of the rules: derived, then the row condition, then the flags.
            if copy {
                expected["derived", default: 0] += 1
            } else if arm == "C" || k % 11 == 4 {
                expected["not-selected", default: 0] += 1
            } else {
                expected["read", default: 0] += 1
                if k % 13 == 6 { expected["disagreeing", default: 0] += 1 }
            }
        }
        return (Array(text.utf8), expected)
    }

    @Test func parallelRowPathGivesTheSerialLedger() throws {
        let (bytes, expected) = Self.cohort(rows: 9_000)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("select-\(UUID().uuidString).csv")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        var selection = ColumnSelection()
        selection.rowFilters = [RowFilter(column: "ARM", value: "C", excludes: true)]
        let reader = ProfileReader(selection: selection)
        let whole = try reader.read(bytes: bytes, file: "f.csv")
        let ledger = whole.ledger
        #expect(ledger.dataLines == 9_000)
        #expect(ledger.setAsideCount(.derived) == expected["derived"])
        #expect(ledger.setAsideCount(.notSelected) == expected["not-selected"])
        #expect(ledger.quantifiable + ledger.belowLimit + ledger.missing == expected["read"])
        #expect(
            ledger.blankLines.count + ledger.setAside.count + ledger.excluded.count + ledger.quantifiable
                + ledger.belowLimit + ledger.missing == ledger.dataLines)
        #expect(whole.profiles.count == 65, "arm C (32 subjects) creates no profile")
        #expect(ledger.warnings.contains { $0.contains("disagree on \(expected["disagreeing"] ?? -1) rows read") })
        for threads in [1, 2, 3, 7] {
            let chunked = ProfileSet(
                try reader.store(contentsOf: url, displayName: "f.csv", chunkSize: 8_192, threads: threads))
            #expect(chunked.ledger == whole.ledger, "\(threads) threads")
            #expect(chunked.profiles.map(\.observations) == whole.profiles.map(\.observations), "\(threads) threads")
        }
    }

    @Test func theAnalyteColumnIsAddedOnlyWhenAHeaderHasOne() {
        let plain = ColumnSelection(groups: ["COHORT"])
        #expect(plain.adapted(toHeaders: [["USUBJID", "AFRLT", "AVAL"]]) == plain)
        let adnca = plain.adapted(toHeaders: [["USUBJID", "PARAMCD", "AFRLT", "AVAL"]])
        #expect(adnca.groups == ["COHORT", "analyte"] && adnca.profileBy == ["analyte"] && adnca.recognisesAnalyte)
        // The caller's own choice of the analyte column, or the rules switched off, leave it alone.
        let own = ColumnSelection(profileBy: ["PARAMCD"])
        #expect(own.adapted(toHeaders: [["USUBJID", "PARAMCD"]]) == own)
        var off = ColumnSelection()
        off.adncaRules = false
        #expect(off.adapted(toHeaders: [["USUBJID", "PARAM"]]) == off)
    }

    @Test func withoutTheRulesDoseRowsAreRead() throws {
        let bytes = Array("USUBJID,PARAMCD,AFRLT,AVAL\nS1,DOSE,0,54\nS1,XAN,1,2\n".utf8)
        var selection = ColumnSelection()
        #expect(try ProfileReader(selection: selection).read(bytes: bytes, file: "f").ledger.setAside.count == 1)
        selection.adncaRules = false
        let read = try ProfileReader(selection: selection).read(bytes: bytes, file: "f")
        #expect(read.ledger.setAside.isEmpty && read.ledger.quantifiable == 2)
    }
}

/// A library caller who reads an ADNCA file without adapting the selection to its header (so the analyte is not
/// in the profile key) gets an error, not two analytes pooled into one profile.
@Suite struct UnadaptedAnalyteTests {
    @Test func twoAnalytesInOneProfileAreAnError() throws {
        // Different times and one unit: nothing else would stop the pooling.
        let bytes = Array("USUBJID,PARAMCD,AFRLT,AVAL\nS1,XAN,1,2\nS1,XAN,2,4\nS1,XANM,3,20\n".utf8)
        #expect {
            try ProfileReader().read(bytes: bytes, file: "f.csv")
        } throws: { error in
            (error as? DataError)?.line == 4 && (error as? DataError)?.column == "PARAMCD"
                && (error as? DataError)?.message.hasPrefix("\"XANM\" differs from 'XAN' on line 2") == true
        }
        let adapted = ColumnSelection().adapted(toHeaders: [["USUBJID", "PARAMCD", "AFRLT", "AVAL"]])
        let read = try ProfileReader(selection: adapted).read(bytes: bytes, file: "f.csv")
        #expect(read.profiles.map(\.groups) == [["XAN"], ["XANM"]])
    }
}
