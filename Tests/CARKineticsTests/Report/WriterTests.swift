import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

@Suite struct WriterTests {
    let table = ResultTable(
        columns: ["subject", "x", "n", "note"],
        rows: [
            [.text("A,1"), .number(0.1 + 0.2), .integer(3), .text("say \"hi\"")],
            [.text("B"), .number(.nan), .empty, .text("line\nbreak")],
            [.text("C"), .number(-.infinity), .integer(-1), .empty],
        ])

    @Test func csvQuotesAndKeepsFullPrecision() {
        let expected =
            "subject,x,n,note\n\"A,1\",0.30000000000000004,3,\"say \"\"hi\"\"\"\nB,NaN,,\"line\nbreak\"\nC,-inf,-1,\n"
        #expect(CSVWriter.render(table) == expected)
    }

    @Test func csvNumbersRoundTrip() {
        var state: UInt64 = 99
        for _ in 0..<1000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let x = Double(bitPattern: state >> 2)
            guard x.isFinite else { continue }
            #expect(Double(CSVWriter.number(x)) == x)
        }
    }

    @Test func jsonRepresentsNaNAndEmptyDistinctly() throws {
        let text = JSONWriter.render(table)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let generator = try #require(object["generator"] as? [String: String])
        #expect(generator == ["name": "CARKinetics", "version": PackageVersion.current])
        let parsed = try #require(object["rows"] as? [[String: Any]])
        #expect(parsed.count == 3)
        #expect(parsed[0]["subject"] as? String == "A,1")
        // (Foundation's JSON parser rounds doubles on Linux, so full precision is checked on the text below)
        #expect(parsed[0]["note"] as? String == "say \"hi\"")
        #expect(parsed[1]["x"] as? String == "NaN")
        #expect(parsed[1]["n"] is NSNull)
        #expect(parsed[1]["note"] as? String == "line\nbreak")
        #expect(parsed[2]["x"] as? String == "-Infinity")
        #expect(text.contains("\"rows\": [\n  {\"subject\": \"A,1\", \"x\": 0.30000000000000004,"))
    }

    @Test func tableAlignsColumnsWithSixSignificantDigits() {
        let t = ResultTable(
            columns: ["subject", "auc"],
            rows: [[.text("A"), .number(171_372.123456)], [.text("LONGNAME"), .number(1e-7)], [.text("C"), .empty]])
        let expected =
            [
                "subject      auc",
                "--------  ------",
                "A         171372",
                "LONGNAME   1e-07",
                "C              -",
            ].joined(separator: "\n") + "\n"
        #expect(TableWriter.render(t) == expected)
    }

    @Test func renderedDispatchesOnFormat() {
        #expect(table.rendered(as: .csv) == CSVWriter.render(table))
        #expect(table.rendered(as: .json) == JSONWriter.render(table))
        #expect(table.rendered(as: .table) == TableWriter.render(table))
        #expect(table.column("n") == [.integer(3), .empty, .integer(-1)])
        #expect(table.column("nope") == nil)
    }
}

@Suite struct AtomicFileWriterTests {
    @Test func writesWholeFileAndLeavesNoTemporary() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("out.csv")
        try AtomicFileWriter.write("old\n", to: url)
        try AtomicFileWriter.write("a,b\n1,2\n", to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "a,b\n1,2\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.csv"])
    }

    @Test func failureLeavesNothing() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("missing-dir/out.csv")
        #expect(throws: OutputError.self) { try AtomicFileWriter.write("x", to: url) }
        #expect(!FileManager.default.fileExists(atPath: url.path))
        // a directory in the way of the rename: the temporary file is cleaned up
        let blocked = directory.appendingPathComponent("blocked")
        try FileManager.default.createDirectory(
            at: blocked.appendingPathComponent("inner"), withIntermediateDirectories: true)
        #expect(throws: OutputError.self) { try AtomicFileWriter.write("x", to: blocked) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["blocked"])
    }
}

/// Non-finite numbers are spelled one way in every text output (docs/architecture.md): `inf` in full-precision
/// tables and in the rounded layouts of summaries and reports alike (the report of a fit with β → 0 shows an
/// infinite persistence half-life as `inf`, as the fit CSV does).
@Suite struct NonFiniteSpellingTests {
    @Test func spellings() {
        #expect(SignificantFigures.format(.infinity) == "inf")
        #expect(SignificantFigures.format(-.infinity) == "-inf")
        #expect(SignificantFigures.format(.nan) == "NaN")
        let table = ResultTable(columns: ["x"], rows: [[.number(.infinity)], [.number(-.infinity)]])
        #expect(table.rendered(as: .table).contains(" inf"))
        #expect(table.rendered(as: .table).contains("-inf"))
        #expect(table.rendered(as: .csv) == "x\ninf\n-inf\n")
        #expect(
            table.rendered(as: .json).contains("\"Infinity\"") && table.rendered(as: .json).contains("\"-Infinity\""))
    }
}
