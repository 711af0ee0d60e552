import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// `pkfit nca --format json` and `--format pp` are streamed like CSV: on every thread count the streamed
/// bytes must be those of the table path (the table of `run(files:)` in a reference JSON encoding,
/// `PPExport.run(files:)` rendered as PP), and so must the ledgers.
@Suite struct StreamedFormatsTests {
    struct Case {
        var name: String
        var files: [URL]
        var analysis: NCAAnalysis
    }

    /// `PPOutputTests.data` (STUDYID column, BLQ-only subject) with an arm per profile, and a second file
    /// with the same STUDYID column and subject P1 in a third arm, so P1's PPSEQ runs on across files.
    static let studyFiles = [
        """
        STUDYID,USUBJID,ARM,AFRLT,AVAL,AVALU
        S1,P1,A,0,0,copies/ug
        S1,P1,A,1,100,copies/ug
        S1,P1,A,2,400,copies/ug
        S1,P1,A,4,200,copies/ug
        S1,P1,B,1,5,copies/ug
        S1,P1,B,3,9,copies/ug
        S1,P2,A,1,BLQ,copies/ug
        S1,P2,A,7,BLQ,copies/ug

        """,
        """
        studyid,USUBJID,ARM,AFRLT,AVAL,AVALU
        S2,P1,C,0,1,copies/ug
        S2,P1,C,2,30,copies/ug
        S2,P1,C,5,7,copies/ug
        S2,"P\\3 ""q"" x",C,5,7,copies/ug

        """,
    ]

    /// Fixtures and generated files covering groups, BLQ, several files, STUDYID present (one or both files,
    /// and as a user group) and absent, quotes and line breaks in text, and `--skip-invalid`.
    static func cases(in directory: URL) throws -> [Case] {
        func file(_ name: String, _ bytes: [UInt8]) throws -> URL {
            let url = directory.appendingPathComponent(name)
            try Data(bytes).write(to: url)
            return url
        }
        let study = try file("study.csv", Array(studyFiles[0].utf8))
        // The same column spelled alike in both files: STUDYID is read as a group of both.
        let study2 = try file(
            "study2.csv", Array(studyFiles[1].replacingOccurrences(of: "studyid", with: "STUDYID").utf8))
        let otherSpelling = try file("other.csv", Array(studyFiles[1].utf8))
        let cohort = ParallelOutputTests.cohort()
        let early = try file("early.csv", Array(cohort.utf8))
        // The same subjects in other arms: a second profile each, in a second file.
        let late = try file(
            "late.csv",
            Array(
                cohort.replacingOccurrences(of: "high", with: "late")
                    .replacingOccurrences(of: "low, dose", with: "low, late").utf8))
        var lenient = NCAAnalysis()
        lenient.invalidRows = .skip
        var intervals = NCAAnalysis(selection: ColumnSelection(groups: ["COHORT"]))
        intervals.options.intervals = [AUCInterval(start: 0, end: 0.5), AUCInterval(start: 0, end: 28)].compactMap {
            $0
        }
        return [
            Case(name: "qPCR with cohorts and BLQ", files: [fixtureURL("data/aid_cd7_qpcr.csv")], analysis: intervals),
            Case(
                name: "flow cytometry, < LLOQ spellings",
                files: [fixtureURL("data/waiha_cd19bcma_flow.csv")],
                analysis: NCAAnalysis(selection: ColumnSelection(value: "car_t_cells_per_uL", groups: ["responder"]))),
            Case(
                name: "two files, no groups",
                files: [fixtureURL("data/noise_free_profiles.csv"), fixtureURL("valid/blq_spellings.csv")],
                analysis: NCAAnalysis()),
            Case(
                name: "quotes and line breaks in groups", files: [fixtureURL("valid/quoted_fields.csv")],
                analysis: NCAAnalysis(selection: ColumnSelection(profileBy: ["comment"]))),
            Case(
                name: "STUDYID in one file", files: [study],
                analysis: NCAAnalysis(selection: ColumnSelection(profileBy: ["ARM"]))),
            Case(
                name: "STUDYID in two files", files: [study, study2],
                analysis: NCAAnalysis(selection: ColumnSelection(profileBy: ["ARM"]))),
            Case(
                name: "STUDYID spelled differently", files: [study, otherSpelling],
                analysis: NCAAnalysis(selection: ColumnSelection(profileBy: ["ARM"]))),
            Case(
                name: "STUDYID as a user group", files: [study2, study],
                analysis: NCAAnalysis(selection: ColumnSelection(groups: ["ARM", "STUDYID"], profileBy: ["ARM"]))),
            Case(
                name: "a cohort's subjects in two files", files: [early, late],
                analysis: NCAAnalysis(selection: ColumnSelection(profileBy: ["ARM"]))),
            Case(
                name: "--skip-invalid", files: [try file("lenient.csv", ChunkedReadingTests.lenientCohort().bytes)],
                analysis: lenient),
        ]
    }

    /// Where two byte strings first differ (the shorter one's length when one is a prefix of the other), or
    /// nil when they are equal: a failure then names a position rather than printing megabytes.
    static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> Int? {
        let common = Swift.min(a.count, b.count)
        return a == b ? nil : (0..<common).first { a[$0] != b[$0] } ?? common
    }

    @Test func jsonStreamIsTheRenderedTableOnEveryThreadCount() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for c in try Self.cases(in: directory) {
            let output = try c.analysis.run(files: c.files)
            // The reference encoding, not `rendered(as: .json)`: that shares the writer's pieces with the stream.
            let expected = Array(Self.referenceJSON(output.table).utf8)
            for threads in [1, 2, 3, 8] {
                var bytes: [UInt8] = []
                var reports: [Int] = []
                let written = try c.analysis.writeJSON(
                    files: c.files, threads: threads,
                    progress: { done, total in
                        #expect(total == output.results.count)
                        reports.append(done)
                    }, to: { bytes.append(contentsOf: $0) })
                #expect(Self.firstDifference(bytes, expected) == nil, "\(c.name), \(threads) threads")
                #expect(written.ledgers == output.ledgers, "\(c.name), \(threads) threads")
                #expect(
                    reports.last == output.results.count && reports == reports.sorted(), "\(c.name), \(threads) threads"
                )
            }
        }
    }

    @Test func ppStreamIsTheExportedTableOnEveryThreadCount() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for c in try Self.cases(in: directory) {
            // STUDYID for the inputs without the column (the column wins where there is one).
            let export = PPExport(c.analysis, settings: PPSubmission.Settings(study: "S0"))
            let whole = try export.export(files: c.files)
            let nca = whole.nca
            let expected = Array(whole.pp.rendered(as: .pp).utf8)
            let expectedSupplement = Array(whole.supplement.rendered(as: .csv).utf8)
            for threads in [1, 2, 3, 8] {
                var bytes: [UInt8] = []
                var supplement: [UInt8] = []
                var reports: [Int] = []
                let written = try export.writeCSV(
                    files: c.files, threads: threads,
                    progress: { done, total in
                        #expect(total == nca.results.count)
                        reports.append(done)
                    }, supplement: { supplement.append(contentsOf: $0) }, to: { bytes.append(contentsOf: $0) })
                #expect(Self.firstDifference(bytes, expected) == nil, "\(c.name), \(threads) threads")
                #expect(Self.firstDifference(supplement, expectedSupplement) == nil, "\(c.name), \(threads) threads")
                #expect(written.ledgers == nca.ledgers, "\(c.name), \(threads) threads")
                #expect(
                    reports.last == nca.results.count && reports == reports.sorted(), "\(c.name), \(threads) threads")
            }
        }
    }

    /// The cases above exercise what they claim: otherwise equal bytes would prove less than they seem.
    @Test func theCasesCoverStudiesAndSequencesAcrossFiles() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases = try Self.cases(in: directory)
        func pp(_ name: String) throws -> ResultTable {
            let c = try #require(cases.first { $0.name == name })
            return try PPExport(c.analysis, settings: PPSubmission.Settings(study: "S0")).run(files: c.files)
        }
        let parameters = PPTable.Layout(options: NCAOptions()).parameters.count
        let twoFiles = try pp("STUDYID in two files")
        // P1's third profile (arm C, second file) continues its numbering; STUDYID comes from each file.
        let p1 = twoFiles.rows.filter { $0[2] == .text("P1") }
        #expect(p1.map { $0[3] } == (1...(3 * parameters)).map { ResultCell.integer($0) })
        // PPGRPID numbers a subject's profiles (not the arm: groups are not carried in PP).
        #expect(p1.last?[0] == .text("S2") && p1.first?[0] == .text("S1") && p1.last?[4] == .text("3"))
        #expect(try pp("STUDYID spelled differently").rows.allSatisfy { $0[0] == .text("S0") })
        #expect(try pp("STUDYID as a user group").rows.first?[0] == .text("S2"))
        let cohort = try pp("a cohort's subjects in two files")
        #expect(cohort.rows.count == 2 * 1_200 * parameters)
        #expect(cohort.rows.last?[3] == .integer(2 * parameters))
    }

    /// JSON as the writer's documentation specifies it, spelled with `String` operations here so that the
    /// byte-level writer is checked against an independent encoding.
    static func referenceJSON(_ table: ResultTable) -> String {
        func quote(_ text: String) -> String {
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        func value(_ cell: ResultCell) -> String {
            switch cell {
            case .number(let x):
                if x.isNaN { return "\"NaN\"" }
                if x.isInfinite { return x > 0 ? "\"Infinity\"" : "\"-Infinity\"" }
                return x.description
            case .integer(let n): return String(n)
            case .text(let s): return quote(s)
            case .empty: return "null"
            }
        }
        // The provenance object every JSON output starts with (issue 13: the version in every output).
        var out = "{\"generator\": {\"name\": \"CARKinetics\", \"version\": \"\(PackageVersion.current)\"}"
        // Then the schema and the units of the columns present (issue 16).
        if let envelope = table.envelope {
            let units = envelope.units.filter { envelope.keys == .parameters || table.columns.contains($0.key) }
            out += ", \"schema\": " + quote(envelope.schema) + ", \"units\": {"
            out += units.map { quote($0.key) + ": " + quote($0.unit) }.joined(separator: ", ") + "}"
        }
        out += ", \"rows\": [\n"
        for (r, row) in table.rows.enumerated() {
            out += "  {"
            for (c, name) in table.columns.enumerated() {
                if c > 0 { out += ", " }
                out += quote(name) + ": " + value(c < row.count ? row[c] : .empty)
            }
            out += r + 1 < table.rows.count ? "},\n" : "}\n"
        }
        return out + "]}\n"
    }

    /// The JSON writer (its pieces, as streamed, and `render`) gives the reference encoding's bytes for cells
    /// no NCA produces: non-finite and extreme numbers, every escaped character, non-ASCII text, short rows,
    /// no rows.
    @Test func jsonPiecesAreTheRenderedTable() {
        let columns = ["subject", "q\"uote\\d", "x", "n", "note"]
        let table = ResultTable(
            columns: columns,
            rows: [
                [
                    .text("A\u{01}\u{1F}\t\n\r\"\\/λ😀\u{7F}"), .number(.nan), .number(.infinity), .integer(Int.min),
                    .empty,
                ],
                [.text(""), .number(-.infinity), .number(-0.0), .integer(-42), .text("e")],
                [.text("short"), .number(1e-7), .number(9_007_199_254_740_994)],
                [.text("B"), .number(123.456), .number(5e-324), .integer(0), .number(1e300)],
            ])
        for rows in [table.rows, []] {
            let keys = JSONWriter.keys(columns)
            var bytes = JSONWriter.opening(nil, columns: columns)
            for (r, row) in rows.enumerated() { JSONWriter.appendObject(row, keys: keys, first: r == 0, to: &bytes) }
            bytes += JSONWriter.closing(empty: rows.isEmpty)
            let rowsTable = ResultTable(columns: columns, rows: rows)
            let expected = Array(Self.referenceJSON(rowsTable).utf8)
            #expect(Self.firstDifference(bytes, expected) == nil, "\(rows.count) rows")
            #expect(
                Self.firstDifference(Array(JSONWriter.render(rowsTable).utf8), expected) == nil, "\(rows.count) rows")
        }
    }

    /// A bad second file stops the run before the first file's rows are written.
    @Test func anInputErrorWritesNothing() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = fixtureURL("data/noise_free_profiles.csv")
        let bad = fixtureURL("malformed/value_nan.csv")
        var bytes: [UInt8] = []
        #expect(throws: DataError.self) {
            try NCAAnalysis().writeJSON(files: [good, bad], threads: 2) { bytes.append(contentsOf: $0) }
        }
        #expect(throws: DataError.self) {
            try PPExport(settings: PPSubmission.Settings(study: "S")).writeCSV(files: [good, bad], threads: 2) {
                bytes.append(contentsOf: $0)
            }
        }
        #expect(bytes.isEmpty)
    }
}
