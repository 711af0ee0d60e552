import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// `--skip-invalid` at the library level: which problems exclude a row, which still stop, and how the
/// ledger accounts for every line.
@Suite struct InvalidRowPolicyTests {
    func lenient(_ text: String, _ selection: ColumnSelection = ColumnSelection()) throws(DataError) -> ProfileSet {
        try ProfileReader(selection: selection, invalidRows: .skip).read(bytes: Array(text.utf8), file: "d.csv")
    }

    func expectBalanced(_ ledger: RowLedger, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(
            ledger.dataLines == ledger.blankLines.count + ledger.excluded.count + ledger.quantifiable
                + ledger.belowLimit + ledger.missing, sourceLocation: sourceLocation)
    }

    @Test func everyRowProblemIsExcludedWithItsReason() throws {
        let text = """
            id,time,value,unit
            A,0,1,u
            A,1,2
            ,2,3,u
            A,,3,u
            A,nan,3,u
            A,3,1.2.3,u
            A,4,-1,u
            A,5,inf,u
            A,6,2,v
            A,7,4,u

            A,8,BLQ,u
            """
        let set = try lenient(text)
        let ledger = set.ledger
        #expect(ledger.excluded.map(\.line) == [3, 4, 5, 6, 7, 8, 9, 10])
        #expect(
            ledger.excluded.map(\.reason.description) == [
                "d.csv:3: has 3 fields; expected 4 as in the header",
                "d.csv:4: column 'id': is empty; expected a subject identifier",
                "d.csv:5: column 'time': is empty; expected a time since infusion",
                "d.csv:6: column 'time': \"nan\" is not a finite number",
                "d.csv:7: column 'value': \"1.2.3\" is not a number; expected a number, empty, or BLQ, BQL, <LLOQ, <x, ND, NQ",
                "d.csv:8: column 'value': \"-1\" is negative; a concentration must be >= 0",
                "d.csv:9: column 'value': \"inf\" is not a finite number",
                "d.csv:10: column 'unit': unit \"v\" differs from 'u' on line 2 for subject 'A'; one profile must have one unit",
            ])
        #expect(set.profiles.map(\.subject) == ["A"])
        #expect(set.profiles[0].observations.map(\.line) == [2, 11, 13])
        #expect(
            ledger.dataLines == 12 && ledger.quantifiable == 2 && ledger.belowLimit == 1 && ledger.blankLines == [12])
        expectBalanced(ledger)
    }

    @Test func duplicateTimesExcludeEveryRowAtThatTime() throws {
        let set = try lenient("id,time,value\nA,0,1\nA,1,2\nA,1,3\nA,1,\nA,1.0,4\nA,2,5\n")
        // Lines 3, 4 and 6 share time 1; the missing line 5 is no duplicate and stays.
        #expect(set.ledger.excluded.map(\.line) == [3, 4, 6])
        #expect(
            set.ledger.excluded[0].reason.description
                == "d.csv:3: column 'time': subject 'A' has two samples at time 1.0 (lines 3 and 4)")
        #expect(
            set.ledger.excluded[2].reason.description
                == "d.csv:6: column 'time': subject 'A' has two samples at time 1.0 (lines 4 and 6)")
        #expect(set.profiles[0].observations.map(\.line) == [2, 5, 7])
        #expect(set.ledger.quantifiable == 2 && set.ledger.missing == 1)
        expectBalanced(set.ledger)
    }

    @Test func fileLevelProblemsStillStop() {
        let cases: [(String, String)] = [
            ("", "d.csv: is empty; expected a header line and data rows"),
            ("id,time,value\n", "d.csv:1: has a header but no data rows"),
            (
                "id,hours,value\nA,0,1\n",
                "d.csv:1: no time column (looked for afrlt, areltm, time, day, days); name it explicitly; header has: 'id', 'hours', 'value'"
            ),
            ("id,time,value\nA,0,\"1\nA,1,2\n", "d.csv:2: field 3 has an opening quote that is never closed"),
            ("id,time,value\nA,0,1\nA,1,\u{0}\n", "d.csv:3: contains a NUL byte (binary content, not a CSV text file)"),
            (
                "id,time,value\nA,0,x\n,1,2\n",
                "d.csv:2: no valid data rows (2 excluded); first: d.csv:2: column 'value': \"x\" is not a number; expected a number, empty, or BLQ, BQL, <LLOQ, <x, ND, NQ"
            ),
        ]
        for (text, expected) in cases {
            do {
                _ = try lenient(text)
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.description == expected)
            }
        }
        #expect(
            throws: DataError(file: "d.csv", line: 2, message: "invalid UTF-8 (byte 0xFF); expected a UTF-8 text file")
        ) {
            _ = try ProfileReader(invalidRows: .skip).read(bytes: Array("id,time,value\n".utf8) + [0xFF], file: "d.csv")
        }
    }

    @Test func analysesCarryThePolicy() throws {
        var nca = NCAAnalysis()
        nca.invalidRows = .skip
        let file = fixtureURL("malformed/value_not_a_number.csv")
        let output = try nca.run(files: [file])
        #expect(output.ledgers[0].excluded.map(\.line) == [5])
        #expect(output.results[0].auclast == .value(1.5 + 2.5))
        #expect(throws: DataError.self) { _ = try NCAAnalysis().run(files: [file]) }

        var fit = KineticAnalysis(method: .model(KineticFitter(model: .expansion)))
        fit.invalidRows = .skip
        let fitted = try fit.run(files: [file])
        #expect(fitted.ledgers[0].excluded.map(\.line) == [5])
        #expect(fitted.profiles[0].observations.count == 3 && fitted.profileFiles == [0])
    }

    /// Reading a file in chunks (any size, with the parallel check available) excludes exactly the rows
    /// that reading its bytes at once excludes.
    @Test func chunkedLenientReadsMatchWholeReads() throws {
        var bytes = ChunkedReadingTests.plainCohort(rows: 6_000, badLine: 4_321)
        bytes += Array("S1,0,9,ng/mL\nS2,x,1,ng/mL\nS3,1,2,mg/L\n".utf8) // duplicate time, bad time, other unit
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lenient-\(UUID().uuidString).csv")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let whole = try ProfileReader(invalidRows: .skip).read(bytes: bytes, file: "f.csv")
        #expect(whole.ledger.excluded.map(\.line) == [3, 4_321, 6_002, 6_003, 6_004]) // line order, duplicates too
        expectBalanced(whole.ledger)
        for (chunkSize, threads) in [(64, 1), (8_192, 2), (8_192, 3), (1 << 20, 2)] {
            let reader = ProfileReader(invalidRows: .skip)
            let chunked = ProfileSet(
                try reader.store(contentsOf: url, displayName: "f.csv", chunkSize: chunkSize, threads: threads))
            #expect(chunked.ledger == whole.ledger, "chunk \(chunkSize), \(threads) threads")
            #expect(chunked.profiles.map(\.observations) == whole.profiles.map(\.observations), "chunk \(chunkSize)")
        }
    }
}
