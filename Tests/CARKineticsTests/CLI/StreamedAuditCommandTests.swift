import Foundation
import Testing

/// `pkfit nca --audit` end to end in the streamed formats (csv, json, pp): the audit is the one the table
/// path writes (`--format table`, which still builds the whole audit trail), the result is the one written
/// without `--audit`, and a failed run leaves neither file and keeps an existing audit.
@Suite struct StreamedAuditCommandTests {
    /// Input sets covering several files, pre-infusion rows, BLQ in every position, blank lines, quoted
    /// fields with line breaks and `--skip-invalid` exclusions (ragged rows, bad numbers, duplicate times).
    static func inputs(in directory: URL) throws -> [(files: [String], options: [String])] {
        let lenient = directory.appendingPathComponent("lenient.csv")
        try Data(ChunkedReadingTests.lenientCohort().bytes).write(to: lenient)
        return [
            ([fixtureURL("data/aid_cd7_qpcr.csv").path], []),
            ([fixtureURL("data/noise_free_profiles.csv").path, fixtureURL("valid/blq_spellings.csv").path], []),
            ([fixtureURL("valid/quoted_fields.csv").path], ["--profile-by", "comment"]),
            ([fixtureURL("malformed/duplicate_time.csv").path], ["--skip-invalid"]),
            ([lenient.path, fixtureURL("malformed/ragged_short_row.csv").path], ["--skip-invalid"]),
            (
                [fixtureURL("data/waiha_cd19bcma_flow.csv").path],
                ["--value", "car_t_cells_per_uL", "--group", "responder"]
            ),
            ([fixtureURL("formats/aid_cd7_qpcr.xpt").path], []),
        ]
    }

    @Test(arguments: ["csv", "json", "pp"])
    func streamedAuditIsTheTableAudit(_ format: String) throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (files, options) in try Self.inputs(in: directory) {
            let names = files.map { ($0 as NSString).lastPathComponent }
            let tableAudit = directory.appendingPathComponent("table-audit.csv")
            let reference = try runPKFit(
                ["nca"] + files + options + [
                    "--format", "table", "--audit", tableAudit.path,
                    "--output", directory.appendingPathComponent("t.txt").path,
                ])
            #expect(reference.status == 0, "\(names): \(reference.stderr)")
            let plain = directory.appendingPathComponent("plain.out")
            let options = options + (format == "pp" ? ["--study", "S"] : [])
            let plainRun = try runPKFit(["nca"] + files + options + ["--format", format, "--output", plain.path])
            #expect(plainRun.status == 0)

            let audit = directory.appendingPathComponent("audit.csv")
            let result = directory.appendingPathComponent("result.out")
            let run = try runPKFit(
                ["nca"] + files + options + ["--format", format, "--audit", audit.path, "--output", result.path])
            #expect(run.status == 0, "\(names): \(run.stderr)")
            #expect(run.stderr == plainRun.stderr, "\(names)")
            #expect(try Data(contentsOf: audit) == (try Data(contentsOf: tableAudit)), "\(names), \(format)")
            #expect(try Data(contentsOf: result) == (try Data(contentsOf: plain)), "\(names), \(format)")

            // To standard output: the same result bytes.
            let piped = try runPKFit(["nca"] + files + options + ["--format", format, "--audit", audit.path])
            #expect(piped.status == 0)
            #expect(Data(piped.stdout.utf8) == (try Data(contentsOf: plain)), "\(names), \(format), stdout")
            #expect(try Data(contentsOf: audit) == (try Data(contentsOf: tableAudit)), "\(names), \(format), stdout")
        }
    }

    @Test func aFailedRunLeavesNeitherFileAndKeepsTheOldAudit() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let audit = directory.appendingPathComponent("audit.csv")
        try Data("old audit\n".utf8).write(to: audit)
        let result = directory.appendingPathComponent("result.csv")
        // An input error (second file): nothing is written, the old audit stays.
        let bad = try runPKFit([
            "nca", fixtureURL("data/aid_cd7_qpcr.csv").path, fixtureURL("malformed/value_not_a_number.csv").path,
            "--audit", audit.path, "--output", result.path,
        ])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("value_not_a_number.csv:5"))
        #expect(try String(contentsOf: audit, encoding: .utf8) == "old audit\n")
        #expect(!FileManager.default.fileExists(atPath: result.path))
        // The result's directory does not exist: no audit either.
        let unwritable = try runPKFit([
            "nca", fixtureURL("data/aid_cd7_qpcr.csv").path, "--audit", audit.path,
            "--output", directory.appendingPathComponent("missing-dir/out.csv").path,
        ])
        #expect(unwritable.status != 0)
        #expect(try String(contentsOf: audit, encoding: .utf8) == "old audit\n")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0 != "audit.csv" }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}
