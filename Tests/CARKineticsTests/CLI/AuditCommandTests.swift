import Foundation
import Testing

/// `--audit` and `--skip-invalid` end to end through the built `pkfit`.
@Suite struct AuditCommandTests {
    /// fate → count, and line → (fate, detail), from an audit CSV.
    func readAudit(_ url: URL) throws -> (header: String, counts: [String: Int], byLine: [Int: (String, String)]) {
        let lines = try String(contentsOf: url, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false
        )
        .filter { !$0.isEmpty }
        var counts: [String: Int] = [:]
        var byLine: [Int: (String, String)] = [:]
        for line in lines.dropFirst() {
            // file,line,subject,time,raw_value,fate,detail — only the detail may be quoted (it is last)
            let cells = line.split(separator: ",", maxSplits: 6, omittingEmptySubsequences: false).map(String.init)
            counts[cells[5], default: 0] += 1
            byLine[Int(cells[1]) ?? -1] = (cells[5], cells[6])
        }
        return (String(lines.first ?? ""), counts, byLine)
    }

    @Test(arguments: ["nca", "fit", "summary"])
    func auditOfSampleDataAddsUp(_ command: String) throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let audit = directory.appendingPathComponent("audit.csv")
        var arguments = [command, fixtureURL("data/aid_cd7_qpcr.csv").path, "--audit", audit.path]
        if command == "fit" { arguments += ["--model", "expansion"] }
        let run = try runPKFit(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        let (header, counts, byLine) = try readAudit(audit)
        #expect(header == "file,line,subject,time,raw_value,fate,detail")
        #expect(counts.values.reduce(0, +) == 252, "every data line of the file, once")
        #expect(counts["pre-infusion"] == 18 && counts["missing"] == nil && counts["excluded"] == nil)
        #expect((counts["used"] ?? 0) + (counts["blq"] ?? 0) == 252 - 18)
        #expect(byLine[4]?.0 == "used")
        #expect(byLine[2]?.0 == "pre-infusion")
        #expect(
            byLine[8]?.1 == (command == "fit" ? "not used by the fit" : "set to 0 (after the last quantifiable level)"))
    }

    @Test func noAuditWhenTheResultCannotBeWritten() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let audit = directory.appendingPathComponent("audit.csv")
        let run = try runPKFit([
            "nca", fixtureURL("data/aid_cd7_qpcr.csv").path, "--audit", audit.path,
            "--output", directory.appendingPathComponent("missing-dir/out.csv").path,
        ])
        #expect(run.status != 0)
        #expect(run.stderr.contains("missing-dir/out.csv"))
        #expect(!FileManager.default.fileExists(atPath: audit.path))
    }

    @Test func lenientFitReportsAndAuditsExcludedRows() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let audit = directory.appendingPathComponent("audit.csv")
        let file = fixtureURL("malformed/value_not_a_number.csv")
        let run = try runPKFit(["fit", file.path, "--model", "expansion", "--skip-invalid", "--audit", audit.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            run.stderr
                == "excluded 1 invalid row (--skip-invalid):\n  \(file.path):5: column 'value': \"1.2.3\" is not a number; expected a number, empty, or BLQ, BQL, <LLOQ, <x, ND, NQ\nnote: times assumed to be in days (no FRLTU/RRLTU/ARELTMU/time_unit column and no --time-unit)\n"
        )
        let (_, counts, byLine) = try readAudit(audit)
        #expect(counts == ["used": 3, "excluded": 1])
        #expect(byLine[5]?.0 == "excluded")
        #expect(byLine[5]?.1.contains("is not a number") == true)
    }

    /// `pkfit nca` streams CSV without --audit and renders the table with it; both must agree under
    /// --skip-invalid, and both list the excluded rows on stderr.
    @Test func lenientNCAStreamedAndAuditedOutputsAgree() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let audit = directory.appendingPathComponent("audit.csv")
        let file = fixtureURL("malformed/duplicate_time.csv")
        let streamed = try runPKFit(["nca", file.path, "--skip-invalid"])
        let audited = try runPKFit(["nca", file.path, "--skip-invalid", "--audit", audit.path])
        #expect(streamed.status == 0 && audited.status == 0, "\(streamed.stderr)\(audited.stderr)")
        #expect(streamed.stdout == audited.stdout)
        #expect(streamed.stderr == audited.stderr)
        #expect(streamed.stderr.hasPrefix("excluded 2 invalid rows (--skip-invalid):\n"))
        let (_, counts, _) = try readAudit(audit)
        #expect(counts["excluded"] == 2)
        #expect(try runPKFit(["nca", file.path]).status != 0)
    }

    /// `--format pp` reads STUDYID as a group; the lenient read and the audit must still cover every row.
    @Test func ppOutputSkipsAndAudits() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("pp.csv")
        try Data(
            "STUDYID,USUBJID,AFRLT,AVAL\nS1,A,-1,BLQ\nS1,A,0,5\nS1,A,1,10\nS1,A,1,x\nS1,A,4,3\nS1,B,0,2\nS1,B,2,8\n"
                .utf8
        )
        .write(to: input)
        let audit = directory.appendingPathComponent("audit.csv")
        let run = try runPKFit(["nca", input.path, "--format", "pp", "--skip-invalid", "--audit", audit.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("S1,PP,A,1,,CMAX,Max Conc,,NON-COMPARTMENTAL,10.0,"))
        #expect(run.stderr.hasPrefix("excluded 1 invalid row (--skip-invalid):\n  \(input.path):5: column 'AVAL'"))
        let (_, counts, byLine) = try readAudit(audit)
        #expect(counts == ["pre-infusion": 1, "used": 5, "excluded": 1])
        #expect(byLine[5]?.0 == "excluded")
    }
}
