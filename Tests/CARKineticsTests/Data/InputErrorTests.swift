import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// One test per class of bad input: the exact message, with file, line and column.
@Suite struct InputErrorTests {
    func expectError(_ text: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
        expectError(text, ColumnSelection(), expected, sourceLocation: sourceLocation)
    }

    func expectError(
        _ text: String, _ selection: ColumnSelection, _ expected: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            _ = try readProfiles(text, selection)
            Issue.record("no error; expected \(expected)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.description == expected, sourceLocation: sourceLocation)
        }
    }

    @Test func emptyFileAndHeaderOnly() {
        expectError("", "data.csv: is empty; expected a header line and data rows")
        expectError("id,time,value\n", "data.csv:1: has a header but no data rows")
    }

    @Test func raggedRow() {
        expectError("id,time,value\nA,1,2\nA,2\n", "data.csv:3: has 2 fields; expected 3 as in the header")
    }

    @Test func nonNumericValue() {
        expectError(
            "id,time,value\nA,0,1\nA,1,2\nA,2,3\nA,3,1.2.3\n",
            "data.csv:5: column 'value': \"1.2.3\" is not a number; expected a number, empty, or BLQ, BQL, <LLOQ, <x, ND, NQ"
        )
    }

    @Test func nonFiniteValuesAndTimes() {
        expectError("id,time,value\nA,0,nan\n", "data.csv:2: column 'value': \"nan\" is not a finite number")
        expectError("id,time,value\nA,0,inf\n", "data.csv:2: column 'value': \"inf\" is not a finite number")
        expectError("id,time,value\nA,0,1e400\n", "data.csv:2: column 'value': \"1e400\" is not a finite number")
        expectError("id,time,value\nA,1e400,1\n", "data.csv:2: column 'time': \"1e400\" is not a finite number")
        expectError(
            "id,time,value\nA,day 3,1\n",
            "data.csv:2: column 'time': \"day 3\" is not a number; expected a time since infusion")
        expectError("id,time,value\nA,0,1\nA,NaN,1\n", "data.csv:3: column 'time': \"NaN\" is not a finite number")
        expectError("id,time,value\nA,0,1\nA,-inf,1\n", "data.csv:3: column 'time': \"-inf\" is not a finite number")
    }

    @Test func structuralProblemsThroughTheReader() {
        expectError("id,time,value\nA,0,1\nA,1,\"2\n", "data.csv:3: field 3 has an opening quote that is never closed")
        expectError("id,time,value\r\nA,0,1\r\nA,1\r\n", "data.csv:3: has 2 fields; expected 3 as in the header")
        expectError(
            "id,time,value,note\nA,0,1,\"a\nb\"\nA,1,<abc,\n",
            "data.csv:4: column 'value': \"<abc\" is not a below-limit marker; expected '<' followed by a non-negative number or LLOQ"
        )
    }

    @Test func negativeConcentration() {
        expectError(
            "id,time,value\nA,0,1\nA,1,-0.5\n",
            "data.csv:3: column 'value': \"-0.5\" is negative; a concentration must be >= 0")
    }

    @Test func emptySubjectOrTime() {
        expectError("id,time,value\n ,0,1\n", "data.csv:2: column 'id': is empty; expected a subject identifier")
        expectError(
            "id,time,value\nA,,1\n", "data.csv:2: column 'time': is empty; expected a time since infusion")
    }

    @Test func duplicateTimeNamesBothLines() {
        expectError(
            "id,time,value\nA,0,1\nB,1,2\nA,1,3\nA,1.0,4\n",
            "data.csv:5: column 'time': subject 'A' has two samples at time 1.0 (lines 4 and 5)")
        // a missing row at the same time is not a duplicate (missing values are dropped first)
        #expect((try? readProfiles("id,time,value\nA,1,\nA,1,3\n")) != nil)
    }

    @Test func mixedUnitsInOneSubject() {
        expectError(
            "id,time,value,AVALU\nA,0,1,copies/ug\nB,0,1,cells/uL\nA,1,2,cells/uL\n",
            "data.csv:4: column 'AVALU': unit \"cells/uL\" differs from 'copies/ug' on line 2 for subject 'A'; one profile must have one unit"
        )
    }

    @Test func badLLOQCell() {
        expectError(
            "id,time,value,L\nA,0,1,low\n", ColumnSelection(lloq: .column("L")),
            "data.csv:2: column 'L': \"low\" is not a non-negative number; expected an LLOQ")
    }

    @Test func invalidUTF8NamesTheLine() {
        let bytes = Array("id,time,value\nA,0,1\nA,1,".utf8) + [0xC3, 0x28] + Array("\n".utf8)
        #expect(
            throws: DataError(file: "x.csv", line: 3, message: "invalid UTF-8 (byte 0xC3); expected a UTF-8 text file")
        ) {
            _ = try ProfileReader().read(bytes: bytes, file: "x.csv")
        }
    }

    @Test func blankLinesAreSkippedAndCounted() throws {
        let set = try readProfiles("id,time,value\nA,0,1\n\nA,1,2\n")
        #expect(set.ledger.blankLines == [3])
        #expect(set.profiles[0].observations.map(\.line) == [2, 4])
    }

    @Test func profilesFromSeveralFilesRememberTheirFile() throws {
        let a = try ProfileReader().read(bytes: Array("id,time,value\nA,0,1\n".utf8), file: "a.csv")
        let b = try ProfileReader().read(bytes: Array("id,time,value\nB,0,1\nC,1,2\n".utf8), file: "b.csv")
        let output = try NCAAnalysis().run([a, b])
        #expect(output.profiles.map(\.subject) == ["A", "B", "C"])
        #expect(output.profileFiles == [0, 1, 1])
        #expect(output.ledgers.map(\.file) == ["a.csv", "b.csv"])
    }

    @Test func sameSubjectInTwoFilesIsRejected() throws {
        let a = try ProfileReader().read(bytes: Array("id,time,value\nA,0,1\n".utf8), file: "a.csv")
        let b = try ProfileReader().read(bytes: Array("id,time,value\nB,0,1\nA,1,2\n".utf8), file: "b.csv")
        #expect(
            throws: DataError(
                file: "b.csv", line: 3,
                message: "subject 'A' also appears in a.csv (line 2); analyse one file per subject")
        ) {
            _ = try NCAAnalysis().run([a, b])
        }
    }
}
