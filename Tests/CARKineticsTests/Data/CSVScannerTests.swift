import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// Records of a CSV text as (line, fields).
func scanRecords(_ text: String) throws(DataError) -> [(line: Int, fields: [String])] {
    try scanRecords(Array(text.utf8))
}

func scanRecords(_ bytes: [UInt8]) throws(DataError) -> [(line: Int, fields: [String])] {
    var out: [(Int, [String])] = []
    try bytes.withUnsafeBufferPointer { (buffer) throws(DataError) in
        try CSVScanner.scan(buffer, file: "t.csv") { row in
            out.append((row.line, (0..<row.count).map { String(decoding: row.bytes($0), as: UTF8.self) }))
        }
    }
    return out
}

@Suite struct CSVScannerTests {
    @Test func quotedFieldsWithCommasQuotesAndNewlines() throws {
        let records = try scanRecords("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\nlast,,\n")
        #expect(records.map(\.fields) == [["a", "b", "c"], ["x, y", "say \"hi\"", "two\nlines"], ["last", "", ""]])
        #expect(records.map(\.line) == [1, 2, 4], "a record after an embedded newline starts on line 4")
    }

    @Test func crlfBomAndLoneCR() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("id,v\r\n1,2\r\n3,4\r5,6".utf8)
        let records = try scanRecords(bytes)
        #expect(records.map(\.fields) == [["id", "v"], ["1", "2"], ["3", "4"], ["5", "6"]])
        #expect(records.map(\.line) == [1, 2, 3, 4])
    }

    /// More fields than the scanner first makes room for, quoted and plain, in records of different widths.
    @Test func wideRecords() throws {
        let wide = (0..<40).map { $0 % 3 == 0 ? "\"q\($0),\"" : "f\($0)" }
        let records = try scanRecords(
            "a,b\n" + wide.joined(separator: ",") + "\nx,y\n" + wide.joined(separator: ",") + "\n")
        let expected = (0..<40).map { $0 % 3 == 0 ? "q\($0)," : "f\($0)" }
        #expect(records.map(\.fields) == [["a", "b"], expected, ["x", "y"], expected])
    }

    @Test func utf8TextPassesThrough() throws {
        #expect(try scanRecords("sujet,µg\nZoë,1\n")[1].fields == ["Zoë", "1"])
    }

    @Test func unterminatedQuoteNamesTheRecordLine() {
        #expect(throws: DataError(file: "t.csv", line: 3, message: "field 2 has an opening quote that is never closed"))
        {
            _ = try scanRecords("a,b\n1,2\n3,\"open\n4,5\n")
        }
    }

    @Test func textAfterClosingQuote() {
        #expect(
            throws: DataError(file: "t.csv", line: 2, message: "unexpected text after the closing quote of field 1")
        ) {
            _ = try scanRecords("a,b\n\"x\"y,2\n")
        }
    }

    @Test func invalidUTF8AndBinaryContent() {
        #expect(
            throws: DataError(file: "t.csv", line: 2, message: "invalid UTF-8 (byte 0xFF); expected a UTF-8 text file")
        ) {
            _ = try scanRecords(Array("a,b\n1,".utf8) + [0xFF] + Array("\n".utf8))
        }
        // overlong encoding of "/" and a lone surrogate are invalid too
        #expect(throws: DataError.self) { _ = try scanRecords([0xC0, 0xAF]) }
        #expect(throws: DataError.self) { _ = try scanRecords([0xED, 0xA0, 0x80]) }
        #expect(
            throws: DataError(
                file: "t.csv", line: 1, message: "contains a NUL byte (binary content, not a CSV text file)")
        ) {
            _ = try scanRecords([0x61, 0x00, 0x62])
        }
    }

    @Test func neverCrashesOnArbitraryBytes() {
        // A deterministic pseudo-random byte soup: every outcome is records or a DataError, never a trap.
        var state: UInt64 = 0x9E3779B97F4A7C15
        var sawError = false
        for _ in 0..<300 {
            var bytes: [UInt8] = []
            for _ in 0..<64 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let pick = UInt8(truncatingIfNeeded: state >> 56)
                bytes.append([0x22, 0x2C, 0x0A, 0x0D, 0x31, 0xC3, 0xA9, 0xFF][Int(pick % 8)])
            }
            do { _ = try scanRecords(bytes) } catch { sawError = true }
            do { _ = try ProfileReader().read(bytes: Array("id,time,value\n".utf8) + bytes, file: "f.csv") } catch {
                sawError = true
            }
        }
        #expect(sawError)
    }
}
