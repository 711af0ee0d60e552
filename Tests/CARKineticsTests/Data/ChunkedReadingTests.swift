import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// Reading a file in chunks must give exactly what reading its bytes at once gives, wherever the chunk
/// boundaries fall: inside a quoted field with line breaks, between CR and LF, inside a multi-byte UTF-8
/// character, inside the byte-order mark.
@Suite struct ChunkedReadingTests {
    static let text =
        "\u{FEFF}USUBJID,AFRLT,AVAL,AVALU,note\r\n"
        + "Zoë,0,BLQ,copies/µg,\"pre,\r\ninfusion\"\r\n"
        + "B-2,1,12.5,copies/µg,\r\n"
        + "Zoë,7,1.25e3,copies/µg,\"said \"\"peak\"\"\"\r\n"
        + "\r\n"
        + "B-2,0,,copies/µg,x\r\n"
        + "Zoë,1,300.125,copies/µg,y\r\n"
        + "B-2,14,<50,copies/µg,\"multi\nline\nnote\""

    func write(_ bytes: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("chunked-\(UUID().uuidString).csv")
        try Data(bytes).write(to: url)
        return url
    }

    @Test func everyChunkSizeGivesTheSameProfilesAndLedger() throws {
        let bytes = Array(Self.text.utf8)
        let url = try write(bytes)
        defer { try? FileManager.default.removeItem(at: url) }
        let whole = try ProfileReader().read(bytes: bytes, file: "f.csv")
        #expect(whole.profiles.map(\.subject) == ["Zoë", "B-2"])
        #expect(whole.profiles[0].observations.map(\.line) == [2, 8, 5])
        #expect(whole.profiles[1].observations.map(\.measurement) == [.missing, .value(12.5), .belowLimit(lloq: 50)])
        #expect(whole.ledger.blankLines == [6])
        for chunkSize in Array(1...40) + [64, 100, 4096] {
            let store = try ProfileReader().store(contentsOf: url, displayName: "f.csv", chunkSize: chunkSize)
            let chunked = ProfileSet(store)
            #expect(chunked.ledger == whole.ledger, "chunk size \(chunkSize)")
            #expect(chunked.profiles.map(\.subject) == whole.profiles.map(\.subject), "chunk size \(chunkSize)")
            #expect(
                chunked.profiles.map(\.observations) == whole.profiles.map(\.observations), "chunk size \(chunkSize)")
            #expect(chunked.profiles.map(\.unit) == ["copies/µg", "copies/µg"], "chunk size \(chunkSize)")
        }
    }

    @Test func errorsNameTheSameLineWhateverTheChunking() throws {
        let bytes = Array("id,time,value\nA,0,1\nB,0,2\nA,1,x\n".utf8)
        let url = try write(bytes)
        defer { try? FileManager.default.removeItem(at: url) }
        for chunkSize in [1, 3, 7, 1 << 20] {
            #expect(
                throws: DataError(
                    file: "f.csv", line: 4, column: "value",
                    message: "\"x\" is not a number; expected a number, empty, or BLQ, BQL, <LLOQ, <x, ND, NQ")
            ) {
                _ = try ProfileReader().store(contentsOf: url, displayName: "f.csv", chunkSize: chunkSize)
            }
        }
        let open = Array("id,time,value\nA,0,\"1\n".utf8)
        let openURL = try write(open)
        defer { try? FileManager.default.removeItem(at: openURL) }
        #expect(throws: DataError(file: "f.csv", line: 2, message: "field 3 has an opening quote that is never closed"))
        {
            _ = try ProfileReader().store(contentsOf: openURL, displayName: "f.csv", chunkSize: 4)
        }
    }

    /// A quote-free file large enough for the parallel path: subjects interleaved, CRLF and LF mixed, blank
    /// lines, a unit column and BLQ cells.
    static func plainCohort(rows: Int, badLine: Int? = nil) -> [UInt8] {
        var text = "USUBJID,AFRLT,AVAL,AVALU\n"
        for k in 0..<rows {
            let line = k + 2
            if line == badLine {
                text += "S\(k % 97),\(k / 97),1..5,ng/mL\n"
                continue
            }
            if k % 211 == 5 {
                text += "\n"
                continue
            }
            let value = k % 13 == 0 ? "BLQ" : k % 17 == 0 ? "" : "\(Double(k % 1000) / 7)"
            text += "S\(k % 97),\(k / 97),\(value),ng/mL" + (k % 2 == 0 ? "\r\n" : "\n")
        }
        return Array(text.utf8)
    }

    @Test func parallelCheckingGivesTheSerialResult() throws {
        let bytes = Self.plainCohort(rows: 6_000)
        let url = try write(bytes)
        defer { try? FileManager.default.removeItem(at: url) }
        let whole = try ProfileReader().read(bytes: bytes, file: "f.csv")
        #expect(whole.profiles.count == 97)
        #expect(whole.ledger.blankLines.count == 29)
        for threads in [1, 2, 3, 7] {
            let chunked = ProfileSet(
                try ProfileReader().store(contentsOf: url, displayName: "f.csv", chunkSize: 8_192, threads: threads))
            #expect(chunked.ledger == whole.ledger, "\(threads) threads")
            #expect(chunked.profiles.map(\.subject) == whole.profiles.map(\.subject), "\(threads) threads")
            #expect(chunked.profiles.map(\.observations) == whole.profiles.map(\.observations), "\(threads) threads")
        }
    }

    @Test func parallelCheckingReportsTheFirstBadLine() throws {
        let bytes = Self.plainCohort(rows: 6_000, badLine: 4_321)
        let url = try write(bytes)
        defer { try? FileManager.default.removeItem(at: url) }
        for threads in [1, 3] {
            #expect(
                throws: DataError(
                    file: "f.csv", line: 4_321, column: "AVAL",
                    message: "\"1..5\" is not a number; expected a number, empty, or BLQ, BQL, <LLOQ, <x, ND, NQ")
            ) {
                _ = try ProfileReader().store(contentsOf: url, displayName: "f.csv", chunkSize: 8_192, threads: threads)
            }
        }
    }

    /// `plainCohort` with row problems spread over the file (so over several parallel parts and chunks): a bad
    /// number, a ragged row, an empty subject, a unit that differs from the profile's, and a second sample of
    /// S6 at time 0 (line 8), which excludes both lines.
    static func lenientCohort() -> (bytes: [UInt8], excluded: [Int]) {
        // Split on LF bytes: as a String, CRLF is one character and would not split on "\n".
        var lines = plainCohort(rows: 6_000).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(
            Array.init)
        let replacements = [
            700: "S3,1000,1..5,ng/mL",
            1_900: "S4,1000,2",
            2_600: ",1000,2,ng/mL",
            3_500: "S7,1000,2,mg/L",
            4_999: "S6,0,2.5,ng/mL",
        ]
        for (line, text) in replacements { lines[line - 1] = Array(text.utf8) }
        return (Array(lines.joined(separator: [UInt8(ascii: "\n")])), [8] + replacements.keys.sorted())
    }

    @Test func lenientParallelCheckingGivesTheSerialLedger() throws {
        let (bytes, excluded) = Self.lenientCohort()
        let url = try write(bytes)
        defer { try? FileManager.default.removeItem(at: url) }
        let reader = ProfileReader(invalidRows: .skip)
        let whole = try reader.read(bytes: bytes, file: "f.csv")
        #expect(whole.ledger.excluded.map(\.line) == excluded)
        #expect(
            whole.ledger.excluded[0].reason.description
                == "f.csv:8: column 'AFRLT': subject 'S6' has two samples at time 0.0 (lines 8 and 4999)")
        #expect(
            whole.ledger.excluded[4].reason.description
                == "f.csv:3500: column 'AVALU': unit \"mg/L\" differs from 'ng/mL' on line 9 for subject 'S7'; one profile must have one unit"
        )
        #expect(
            whole.ledger.dataLines == whole.ledger.blankLines.count + whole.ledger.excluded.count
                + whole.ledger.quantifiable + whole.ledger.belowLimit + whole.ledger.missing)
        #expect(!whole.profiles[6].observations.contains { $0.line == 8 || $0.line == 4_999 })
        #expect(throws: DataError.self) { _ = try ProfileReader().read(bytes: bytes, file: "f.csv") }
        for threads in [1, 2, 3, 7] {
            let chunked = ProfileSet(
                try reader.store(contentsOf: url, displayName: "f.csv", chunkSize: 8_192, threads: threads))
            #expect(chunked.ledger == whole.ledger, "\(threads) threads")
            #expect(chunked.profiles.map(\.subject) == whole.profiles.map(\.subject), "\(threads) threads")
            #expect(chunked.profiles.map(\.observations) == whole.profiles.map(\.observations), "\(threads) threads")
        }
    }

    /// Issue 11: a subject whose every row is invalid keeps an (empty) profile, at the place of its first row,
    /// on the parallel path exactly as serially — whether it is new in a chunk or interleaved with others.
    @Test func subjectsWithEveryRowInvalidKeepAProfileOnEveryPath() throws {
        var text = "USUBJID,AFRLT,AVAL\n"
        for k in 0..<4_000 {
            let subject = k / 10
            let day = k % 10
            // S37 and S250: every value invalid; S251's rows are valid; ragged rows name no subject.
            let value = subject == 37 || subject == 250 ? "x\(day)" : "\(Double(k % 100) + 1)"
            text += subject == 300 && day == 3 ? "S300,3\n" : "S\(subject),\(day),\(value)\n"
        }
        let bytes = Array(text.utf8)
        let url = try write(bytes)
        defer { try? FileManager.default.removeItem(at: url) }
        let lenient = ProfileReader(invalidRows: .skip)
        let whole = try lenient.read(bytes: bytes, file: "f.csv")
        #expect(whole.profiles.count == 400)
        #expect(whole.profiles[37].subject == "S37" && whole.profiles[37].observations.isEmpty)
        #expect(whole.profiles[250].subject == "S250" && whole.profiles[250].observations.isEmpty)
        #expect(whole.ledger.excluded.count == 21)
        for threads in [1, 2, 3, 7] {
            let chunked = ProfileSet(
                try lenient.store(contentsOf: url, displayName: "f.csv", chunkSize: 8_192, threads: threads))
            #expect(chunked.ledger == whole.ledger, "\(threads) threads")
            #expect(chunked.profiles.map(\.subject) == whole.profiles.map(\.subject), "\(threads) threads")
            #expect(chunked.profiles.map(\.observations) == whole.profiles.map(\.observations), "\(threads) threads")
        }
    }

    /// Subject-major rows checked in parallel skip the unit check when a row repeats the previous row's subject
    /// and unit. After a conflicting unit is excluded, its repeats must be excluded too (and, strictly, the
    /// first conflict stops the read), exactly as in a serial read.
    @Test func repeatedConflictingUnitsAreAllExcluded() throws {
        var text = "USUBJID,AFRLT,AVAL,AVALU\n"
        for k in 0..<4_000 {
            let subject = k / 10
            let day = k % 10
            let unit = subject == 150 && day >= 4 && day <= 6 ? "mg/L" : "ng/mL"
            text += "S\(subject),\(day),\(Double(k % 100) + 1),\(unit)\n"
        }
        let bytes = Array(text.utf8)
        let url = try write(bytes)
        defer { try? FileManager.default.removeItem(at: url) }
        let lenient = ProfileReader(invalidRows: .skip)
        let whole = try lenient.read(bytes: bytes, file: "f.csv")
        #expect(whole.ledger.excluded.map(\.line) == [1_506, 1_507, 1_508])
        for threads in [1, 2, 3] {
            let chunked = ProfileSet(
                try lenient.store(contentsOf: url, displayName: "f.csv", chunkSize: 8_192, threads: threads))
            #expect(chunked.ledger == whole.ledger, "\(threads) threads")
            #expect(chunked.profiles.map(\.observations) == whole.profiles.map(\.observations), "\(threads) threads")
            #expect(throws: DataError.self) {
                _ = try ProfileReader().store(contentsOf: url, displayName: "f.csv", chunkSize: 8_192, threads: threads)
            }
        }
        do {
            _ = try ProfileReader().store(contentsOf: url, displayName: "f.csv", chunkSize: 8_192, threads: 2)
        } catch {
            #expect(error.line == 1_506)
        }
    }
}
