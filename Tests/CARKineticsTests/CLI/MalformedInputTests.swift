import Foundation
import Testing

/// The malformed-file corpus (`Fixtures/malformed`, expectations in its `expected-errors.csv`) through the
/// built `pkfit nca`: every file fails with the right line and message and leaves no output or audit file;
/// row-level problems are excluded instead under `--skip-invalid`, file-level ones still stop.
@Suite struct MalformedInputTests {
    struct Case {
        var file: String
        var line: Int?
        var message: String
        var lenientSucceeds: Bool
    }

    func cases() throws -> [Case] {
        try readTable("malformed/expected-errors.csv").map { row in
            Case(
                file: row["file"] ?? "", line: row["line"].flatMap { Int($0) }, message: row["message"] ?? "",
                lenientSucceeds: row["lenient"] == "skip")
        }
    }

    @Test func everyCorpusFileHasAnExpectation() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: fixtureURL("malformed").path)
            .filter { $0.hasSuffix(".csv") && $0 != "expected-errors.csv" }
        #expect(Set(files) == Set(try cases().map(\.file)))
        #expect(files.count >= 25)
    }

    @Test func strictRunsFailNamingTheLineAndWriteNothing() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for c in try cases() {
            let out = directory.appendingPathComponent("out.csv")
            let audit = directory.appendingPathComponent("audit.csv")
            let run = try runPKFit([
                "nca", fixtureURL("malformed/" + c.file).path, "--output", out.path, "--audit", audit.path,
            ])
            #expect(run.status != 0, "\(c.file) was accepted")
            let location = fixtureURL("malformed/" + c.file).path + (c.line.map { ":\($0): " } ?? ": ")
            #expect(run.stderr.contains(location), "\(c.file): \(run.stderr)")
            #expect(run.stderr.contains(c.message), "\(c.file): \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count <= 3, "\(c.file): one error, not a trace: \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path), "\(c.file) left an output file")
            #expect(!FileManager.default.fileExists(atPath: audit.path), "\(c.file) left an audit file")
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty,
                "\(c.file) left a temporary file")
        }
    }

    @Test func lenientRunsExcludeBadRowsButStillStopOnBadFiles() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for c in try cases() {
            let out = directory.appendingPathComponent("\(c.file).out")
            let audit = directory.appendingPathComponent("\(c.file).audit")
            let run = try runPKFit([
                "nca", fixtureURL("malformed/" + c.file).path, "--skip-invalid",
                "--output", out.path, "--audit", audit.path,
            ])
            #expect(run.stderr.contains(c.message), "\(c.file): \(run.stderr)")
            if c.lenientSucceeds {
                #expect(run.status == 0, "\(c.file): \(run.stderr)")
                #expect(run.stderr.contains("excluded "), "\(c.file): \(run.stderr)")
                let rows = try String(contentsOf: audit, encoding: .utf8).split(separator: "\n").dropFirst()
                let excluded = rows.filter { $0.contains(",excluded,") }
                #expect(
                    excluded.contains { $0.contains(",\(c.line ?? 0),") },
                    "\(c.file): audit lacks line \(String(describing: c.line))")
            } else {
                #expect(run.status != 0, "\(c.file) was accepted leniently")
                #expect(
                    !FileManager.default.fileExists(atPath: out.path)
                        && !FileManager.default.fileExists(atPath: audit.path))
            }
        }
    }

    /// Both lines of a duplicate are excluded leniently, each reported at its own line.
    @Test func lenientDuplicateExcludesBothLines() throws {
        let run = try runPKFit([
            "nca", fixtureURL("malformed/duplicate_time.csv").path, "--skip-invalid", "--auc-method", "linear",
        ])
        #expect(run.status == 0)
        let path = fixtureURL("malformed/duplicate_time.csv").path
        #expect(run.stderr.contains("excluded 2 invalid rows"))
        #expect(
            run.stderr.contains("\(path):3: column 'time': subject 'A' has two samples at time 1.0 (lines 3 and 6)"))
        #expect(
            run.stderr.contains("\(path):6: column 'time': subject 'A' has two samples at time 1.0 (lines 3 and 6)"))
        // A keeps (0, 1) and (2, 1): cmax 1 at 0, tlast 2, auclast 2
        #expect(run.stdout.split(separator: "\n")[1].hasPrefix("A,1.0,0.0,1.0,2.0,2.0,"), "\(run.stdout)")
    }

    struct ValidCase: Sendable, CustomTestStringConvertible {
        var file: String
        var subject: String
        var cmax: Double
        var tmax: Double
        /// Linear trapezoid, hand-computed.
        var auclast: Double
        var testDescription: String { file }
    }

    static let validCases: [ValidCase] = [
        ValidCase(file: "valid/bom_crlf.csv", subject: "P1", cmax: 30, tmax: 3, auclast: 5 + 40 + 100),
        ValidCase(file: "valid/quoted_fields.csv", subject: "P 1, arm A", cmax: 25, tmax: 2, auclast: 30 + 40),
        // <50, ND before the peak → 0; bql between quantifiable levels → dropped; BLQ, <LLOQ, nq after → 0
        ValidCase(file: "valid/blq_spellings.csv", subject: "P1", cmax: 100, tmax: 2, auclast: 50 + 280),
    ]

    @Test(arguments: validCases)
    func validFilesSucceed(_ c: ValidCase) throws {
        let run = try runPKFit(["nca", fixtureURL(c.file).path, "--format", "json", "--auc-method", "linear"])
        #expect(run.status == 0, "\(run.stderr)")
        // Nothing but the note that the file states no time unit.
        #expect(
            run.stderr
                == "note: times assumed to be in days (no FRLTU/RRLTU/ARELTMU/time_unit column and no --time-unit)\n")
        let rows = try #require(try jsonRows(run.stdout))
        #expect(rows.count == 1)
        #expect(rows.first?["subject"] as? String == c.subject)
        #expect(rows.first?["cmax"] as? Double == c.cmax)
        #expect(rows.first?["tmax"] as? Double == c.tmax)
        #expect(rows.first?["auclast"] as? Double == c.auclast)
    }
}
