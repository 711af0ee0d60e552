import Foundation
import Testing

/// End to end on the built `pkfit`: the λz acceptance flags and columns, and `--lambda-z-points`.
@Suite struct LambdaZCommandTests {
    let data = fixtureURL("data/aid_cd7_qpcr.csv").path

    /// AID-007: a range over its contraction (days 14.87–28.25); AID-004: the best fit without day 10.07.
    let points = """
        subject,first,last,exclude,reason
        AID-007,14.87,28.25,,"contraction only; later levels re-expand"
        AID-004,,,10.07,sample haemolysed

        """

    func rows(_ text: String) -> [[String: String]] {
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard let header = lines.first.map(splitCSVLine) else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, splitCSVLine($0))) }
    }

    @Test func acceptanceColumnsAndCustomThresholds() throws {
        let run = try runPKFit(["nca", data])
        #expect(run.status == 0, "\(run.stderr)")
        let byDefault = Dictionary(uniqueKeysWithValues: rows(run.stdout).map { ($0["subject"] ?? "", $0) })
        #expect(byDefault["AID-007"]?["lambda_z_excluded_by"] == "r2<0.9;span_ratio<2")
        #expect(byDefault["AID-007"]?["aucinf_excluded_by"] == "r2<0.9;span_ratio<2;aucpext_obs>20")
        #expect(byDefault["AID-007"]?["half_life"]?.isEmpty == false, "excluded values are still printed")
        #expect(byDefault["AID-011"]?["lambda_z_excluded_by"] == "span_ratio<2")
        #expect(byDefault["AID-005"]?["lambda_z_excluded_by"] == "")
        #expect(byDefault["AID-001"]?["lambda_z_excluded_by"] == "", "no λz, nothing to exclude")
        #expect(byDefault.values.allSatisfy { $0["lambda_z_rule"] == "best-fit" && $0["lambda_z_reason"] == "" })

        let custom = try runPKFit([
            "nca", data, "--lambda-z-min-r2", "0.5", "--lambda-z-min-span", "0.5", "--aucinf-max-extrapolated", "25",
        ])
        #expect(custom.status == 0, "\(custom.stderr)")
        let flags = Dictionary(uniqueKeysWithValues: rows(custom.stdout).map { ($0["subject"] ?? "", $0) })
        // AID-007: R² 0.113, span 0.594, 36.9 % extrapolated; AID-011: span 0.337, 24.4 %; AID-009: R² 0.775.
        #expect(flags["AID-007"]?["lambda_z_excluded_by"] == "r2<0.5")
        #expect(flags["AID-007"]?["aucinf_excluded_by"] == "r2<0.5;aucpext_obs>25")
        #expect(flags["AID-011"]?["lambda_z_excluded_by"] == "span_ratio<0.5")
        #expect(flags["AID-009"]?["lambda_z_excluded_by"] == "")

        for (flag, value) in [
            ("--lambda-z-min-r2", "1.5"), ("--lambda-z-min-span", "-1"), ("--aucinf-max-extrapolated", "nan"),
            ("--aucinf-max-extrapolated", "101"),
        ] {
            let bad = try runPKFit(["nca", data, "\(flag)=\(value)"])
            #expect(bad.status == 64, "\(flag) \(value)")
            #expect(bad.stderr.contains("\(flag) '\(value)'"), "\(bad.stderr)")
        }
    }

    @Test func pointsFileReachesTheOutputsAndTheAudit() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("points.csv")
        try points.write(to: file, atomically: true, encoding: .utf8)
        let audit = dir.appendingPathComponent("audit.csv")
        let run = try runPKFit(["nca", data, "--lambda-z-points", file.path, "--audit", audit.path])
        #expect(run.status == 0, "\(run.stderr)")
        let bySubject = Dictionary(uniqueKeysWithValues: rows(run.stdout).map { ($0["subject"] ?? "", $0) })
        let seven = try #require(bySubject["AID-007"])
        #expect(seven["lambda_z_rule"] == "manual-range")
        #expect(seven["lambda_z_reason"] == "contraction only; later levels re-expand")
        #expect(seven["lambda_z_time_first"] == "14.87" && seven["lambda_z_time_last"] == "28.25")
        #expect(seven["lambda_z_points"] == "3")
        // ln C over (14.87, 2475.64), (20.9, 212.818), (28.25, 69.7293), by hand (numpy polyfit agrees):
        expectClose(expectedNumber(seven["lambda_z"]), 0.2626481740867515, relative: 1e-12, "manual λz")
        #expect(seven["lambda_z_excluded_by"] == "")
        let four = try #require(bySubject["AID-004"])
        #expect(four["lambda_z_rule"] == "manual-exclusion" && four["lambda_z_reason"] == "sample haemolysed")
        #expect(four["lambda_z_time_first"] == "14.29" && four["lambda_z_excluded_by"] == "r2<0.9")
        #expect(bySubject["AID-005"]?["lambda_z_rule"] == "best-fit")

        let auditRows = rows(try String(contentsOf: audit, encoding: .utf8))
        let chosen = auditRows.filter { $0["detail"]?.hasPrefix("λz point chosen by hand") == true }
        #expect(chosen.map { $0["time"] ?? "" } == ["14.87", "20.9", "28.25"])
        #expect(chosen.allSatisfy { $0["subject"] == "AID-007" && $0["fate"] == "used" })
        let left = auditRows.filter { $0["detail"]?.hasPrefix("left out of λz by hand") == true }
        #expect(left.map { "\($0["subject"] ?? "") \($0["time"] ?? "")" } == ["AID-004 10.07"])

        // The table path (--csv-safe) and JSON give the same choice.
        let json = try runPKFit(["nca", data, "--lambda-z-points", file.path, "--format", "json"])
        #expect(json.stdout.contains("\"lambda_z_reason\": \"contraction only; later levels re-expand\""))
        let safe = try runPKFit(["nca", data, "--lambda-z-points", file.path, "--csv-safe"])
        #expect(safe.stdout == run.stdout)

        // PP: the hand choice and the exclusion are SUPPPP qualifiers of the PP records (by PPSEQ).
        let supplement = dir.appendingPathComponent("supppp.csv")
        let pp = try runPKFit([
            "nca", data, "--lambda-z-points", file.path, "--format", "pp", "--study", "AID", "--supp",
            supplement.path,
        ])
        #expect(pp.status == 0, "\(pp.stderr)")
        let ppRows = rows(pp.stdout)
        let qualifiers = rows(try String(contentsOf: supplement, encoding: .utf8))
        func qualifier(_ subject: String, _ code: String, _ name: String) -> String? {
            guard let seq = ppRows.first(where: { $0["USUBJID"] == subject && $0["PPTESTCD"] == code })?["PPSEQ"]
            else { return nil }
            return qualifiers.first { $0["USUBJID"] == subject && $0["IDVARVAL"] == seq && $0["QNAM"] == name }?[
                "QVAL"]
        }
        #expect(qualifier("AID-007", "LAMZ", "LAMZNOTE") == "manual-range: contraction only; later levels re-expand")
        #expect(qualifier("AID-007", "CMAX", "LAMZNOTE") == nil)
        #expect(qualifier("AID-004", "LAMZHL", "PPEXCLBY") == "r2<0.9")
        #expect(ppRows.first { $0["USUBJID"] == "AID-004" && $0["PPTESTCD"] == "LAMZHL" }?["PPSTAT"] == "")
        #expect(qualifiers.allSatisfy { $0["RDOMAIN"] == "PP" && $0["IDVAR"] == "PPSEQ" && $0["STUDYID"] == "AID" })
    }

    @Test func pointsFileErrorsNameFileLineAndColumnAndWriteNothing() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(String, String)] = [
            (
                "subject,first,last,reason\nAID-099,1,4,x\n",
                "points.csv:2: column 'subject': subject 'AID-099' is not in the data"
            ),
            (
                "subject,first,last,reason\nAID-007,14,28.25,x\n",
                "points.csv:2: column 'first': 14 is the time of no sample"
            ),
            (
                "subject,first,last,reason\nAID-007,20.9,28.25,x\n",
                "points.csv:2: column 'first': 20.9–28.25 holds 2 quantifiable samples"
            ),
            ("subject,first,last,reason\nAID-007,14.87,28.25\n", "points.csv:2: 3 fields, the header has 4"),
        ]
        for (text, message) in cases {
            let file = dir.appendingPathComponent("points.csv")
            try text.write(to: file, atomically: true, encoding: .utf8)
            let output = dir.appendingPathComponent("nca.csv")
            let audit = dir.appendingPathComponent("audit.csv")
            let run = try runPKFit(
                ["nca", data, "--lambda-z-points", "points.csv", "--output", output.path, "--audit", audit.path],
                in: dir)
            #expect(run.status == 1, "\(text)")
            #expect(run.stderr.contains(message), "\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output.path))
            #expect(!FileManager.default.fileExists(atPath: audit.path))
        }
        let missing = try runPKFit(["summary", data, "--lambda-z-points", dir.appendingPathComponent("none.csv").path])
        #expect(missing.status == 1 && missing.stderr.contains("none.csv: cannot read the file"))
        // The points file is an input: an output onto it is refused before anything is read.
        let file = dir.appendingPathComponent("points.csv")
        try points.write(to: file, atomically: true, encoding: .utf8)
        let clash = try runPKFit(["nca", data, "--lambda-z-points", file.path, "--output", file.path])
        #expect(clash.status == 64)
        #expect(try String(contentsOf: file, encoding: .utf8) == points)
    }
}
