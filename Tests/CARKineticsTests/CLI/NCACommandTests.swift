import Foundation
import Testing

/// End to end: the built `pkfit nca` on fixture files.
@Suite struct NCACommandTests {
    /// subject → column → cell text, from CSV text without embedded newlines.
    func parse(_ csv: String) -> (columns: [String], rows: [String: [String: String]]) {
        let lines = csv.split(separator: "\n").map(String.init)
        let columns =
            lines.first.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? []
        var rows: [String: [String: String]] = [:]
        for line in lines.dropFirst() {
            // the notes column may be quoted and contain commas; it is last, so split the rest only
            let cells = line.split(separator: ",", maxSplits: columns.count - 1, omittingEmptySubsequences: false).map(
                String.init)
            rows[cells[0]] = Dictionary(uniqueKeysWithValues: zip(columns, cells))
        }
        return (columns, rows)
    }

    @Test func csvToOutputFileMatchesExpected() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("nca.csv")
        let run = try runPKFit([
            "nca", fixtureURL("data/waiha_cd19bcma_flow.csv").path, "--value", "car_t_cells_per_uL",
            "--group", "responder", "--auc-method", "linear", "--output", out.path,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.isEmpty)
        let (columns, rows) = parse(try String(contentsOf: out, encoding: .utf8))
        #expect(
            Array(columns.prefix(16)) == [
                "subject", "responder", "cmax", "tmax", "clast", "tlast", "auclast", "auc_0_28",
                "auc_0_28_extrap", "auc_0_90", "auc_0_90_extrap", "lambda_z", "half_life", "r2adj",
                "lambda_z_points", "aucinf_obs",
            ])
        let expected = try readTable("expected/waiha_cd19bcma_flow_nca.csv")
        #expect(rows.count == expected.count)
        for row in expected {
            let subject = try #require(row["subject"])
            let ours = try #require(rows[subject])
            for (theirs, mine) in [
                ("cmax", "cmax"), ("auclast_linear", "auclast"), ("auc0_28_inf_linear", "auc_0_28_extrap"),
                ("auc0_90_last_linear", "auc_0_90"), ("lambda_z", "lambda_z"), ("aucinf_obs_linear", "aucinf_obs"),
            ] {
                expectClose(
                    expectedNumber(ours[mine]), expectedNumber(row[theirs]), relative: 1e-12, "\(subject) \(mine)")
            }
        }
        #expect(rows["WA19"]?["responder"] == "yes")
    }

    @Test func stdoutJSONAndCustomIntervals() throws {
        let run = try runPKFit([
            "nca", fixtureURL("data/noise_free_profiles.csv").path, "--format", "json",
            "--interval", "0,28", "--interval", "7,14.5",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = try #require(try jsonRows(run.stdout))
        #expect(rows.count == 8)
        #expect(rows[0]["subject"] as? String == "NF1")
        #expect(rows[0]["auc_7_14.5"] is Double)
        #expect(rows[0]["auc_0_90"] == nil)
        #expect(run.stdout.contains("\"auc_0_28\": 72043.4008308585"), "linear-up/log-down is the default")
    }

    @Test func tableFormatIsHumanReadable() throws {
        let run = try runPKFit(["nca", fixtureURL("data/aid_cd7_qpcr.csv").path, "--format", "table"])
        #expect(run.status == 0)
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 20)
        // display names with units in the header; 6 significant digits in the cells
        #expect(lines[0].hasPrefix("Subject  Cmax (copies/ug)  Tmax (day)"))
        #expect(lines[2].hasPrefix("AID-001           764.377"))
    }

    @Test func badInputFailsWithLocatedMessageAndNoOutputFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("bad.csv")
        try "subject,time,value\nA,0,1\nA,1,2\nA,2,3\nA,3,1.2.3\n".write(to: input, atomically: true, encoding: .utf8)
        let out = directory.appendingPathComponent("out.csv")
        let run = try runPKFit(["nca", "bad.csv", "--output", out.path], in: directory)
        #expect(run.status != 0)
        #expect(run.stderr.contains("bad.csv:5: column 'value': \"1.2.3\" is not a number"), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["bad.csv"])
    }

    @Test func badOptionsFail() throws {
        let file = fixtureURL("data/noise_free_profiles.csv").path
        let interval = try runPKFit(["nca", file, "--interval", "28,0"])
        #expect(interval.status != 0)
        #expect(interval.stderr.contains("--interval '28,0'"))
        let rule = try runPKFit(["nca", file, "--blq-rule", "middle=sometimes"])
        #expect(rule.status != 0)
        #expect(rule.stderr.contains("--blq-rule"))
        let missing = try runPKFit(["nca", "/nonexistent/x.csv"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("/nonexistent/x.csv: cannot be read"))
    }

    @Test func blqRuleAndLLOQOptionsReachTheEngine() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("p.csv")
        try "id,day,conc\nA,0,0\nA,1,10\nA,2,3\nA,3,20\nA,4,10\n".write(to: input, atomically: true, encoding: .utf8)
        // LLOQ 5 makes day 2 BLQ (middle: dropped by default, kept as 0 with middle=keep)
        let dropped = parse(try runPKFit(["nca", input.path, "--lloq", "5", "--auc-method", "linear"]).stdout)
        #expect(dropped.rows["A"]?["auclast"] == "50.0") // 5 + 15 + 15 + 15
        let kept = parse(
            try runPKFit(["nca", input.path, "--lloq", "5", "--auc-method", "linear", "--blq-rule", "middle=keep"])
                .stdout)
        #expect(kept.rows["A"]?["auclast"] == "35.0") // 5 + 5 + 10 + 15
    }
}
