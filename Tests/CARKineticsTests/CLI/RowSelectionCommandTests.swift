import Foundation
import Testing

/// `--where` row selection and ADNCA files read as they come (issue 13, items 1 and 2), end to end through the
/// built `pkfit`.
@Suite struct RowSelectionCommandTests {
    /// fate → count and line → (fate, detail) of an audit CSV (the detail is the last field, maybe quoted).
    func readAudit(_ url: URL) throws -> (counts: [String: Int], byLine: [Int: (String, String)]) {
        var counts: [String: Int] = [:]
        var byLine: [Int: (String, String)] = [:]
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst() {
            let cells = splitCSVLine(String(line))
            counts[cells[5], default: 0] += 1
            byLine[Int(cells[1]) ?? -1] = (cells[5], cells[6])
        }
        return (counts, byLine)
    }

    /// The rows of a CSV output as dictionaries.
    func rows(_ csv: String) -> [[String: String]] {
        let lines = csv.split(separator: "\n").map(String.init)
        guard let header = lines.first else { return [] }
        let names = splitCSVLine(header)
        return lines.dropFirst().map { line in
            Dictionary(uniqueKeysWithValues: zip(names, splitCSVLine(line)))
        }
    }

    let qpcr = fixtureURL("data/aid_cd7_qpcr.csv").path

    @Test func differentColumnsAllHoldSameColumnAnyValueAndNotEqualExcludes() throws {
        // 18 subjects, 6 per cohort (AID-001…006 at 0.25x10^8, 007…012 at 1x10^8, 013…018 at 2x10^8), 14 rows each.
        let run = try runPKFit([
            "nca", qpcr, "--where", "COHORT=1x10^8", "--where", "COHORT=2x10^8", "--where", "USUBJID!=AID-010",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let subjects = rows(run.stdout).compactMap { $0["subject"] }
        #expect(subjects == ["AID-007", "AID-008", "AID-009", "AID-011", "AID-012"] + (13...18).map { "AID-0\($0)" })
        #expect(
            run.stderr.contains(
                "set aside 98 of 252 rows: 84 not-selected (COHORT is not '1x10^8' or '2x10^8'); 14 not-selected (USUBJID is 'AID-010')"
            ), "\(run.stderr)")
        // AND across columns: nothing of cohort 0.25 survives a condition on another column.
        let and = try runPKFit(["nca", qpcr, "--where", "COHORT=0.25x10^8", "--where", "USUBJID=AID-008"])
        #expect(and.status == 1, "AID-008 is in cohort 1x10^8: no row meets both")
        #expect(
            and.stderr.contains("no row is read as an observation: all 252 data rows are set aside"), "\(and.stderr)")
    }

    @Test func auditCountsEveryRowWithItsOwnFate() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // nca (streamed CSV), nca --format table (in memory) and summary (in memory) write the same audit.
        for (command, extra) in [("nca", [String]()), ("nca", ["--format", "table"]), ("summary", [])] {
            let audit = directory.appendingPathComponent("audit-\(command)-\(extra.count).csv")
            let run = try runPKFit(
                [command, qpcr, "--where", "USUBJID=AID-003", "--where", "USUBJID=AID-004", "--audit", audit.path]
                    + extra)
            #expect(run.status == 0, "\(run.stderr)")
            let (counts, byLine) = try readAudit(audit)
            #expect(counts.values.reduce(0, +) == 252, "every data line once")
            #expect(counts["not-selected"] == 224)
            #expect((counts["used"] ?? 0) + (counts["blq"] ?? 0) + (counts["pre-infusion"] ?? 0) == 28)
            #expect(byLine[2]?.0 == "not-selected")
            #expect(byLine[2]?.1 == "USUBJID is not 'AID-003' or 'AID-004'")
        }
    }

    @Test func unknownColumnListsTheHeaderAndBadGrammarIsAUsageError() throws {
        let unknown = try runPKFit(["nca", qpcr, "--where", "ARM=A"])
        #expect(unknown.status == 1)
        #expect(
            unknown.stderr.contains(
                "no column named 'ARM' for the row condition 'ARM=A'; header has: 'USUBJID', 'COHORT', 'DOSE'"),
            "\(unknown.stderr)")
        for bad in ["COHORT", "=A", "!=A", " = A"] {
            let run = try runPKFit(["nca", qpcr, "--where", bad])
            #expect(run.status == 64, "\(bad): \(run.stderr)")
            #expect(run.stderr.contains("--where"), "\(run.stderr)")
        }
    }

    @Test func aRowNotSelectedRaisesNoErrorAboutItsCells() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("d.csv")
        try """
        subject,arm,time,value
        S1,A,0,0
        S1,A,1,10
        S1,A,2,5
        S2,B,zero,oops
        S2,B,1,-3

        """.write(to: file, atomically: true, encoding: .utf8)
        let strict = try runPKFit(["nca", file.path])
        #expect(strict.status == 1 && strict.stderr.contains("d.csv:5"), "\(strict.stderr)")
        let audit = directory.appendingPathComponent("audit.csv")
        let run = try runPKFit(["nca", file.path, "--where", "arm=A", "--audit", audit.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(rows(run.stdout).map { $0["subject"] } == ["S1"])
        let (counts, byLine) = try readAudit(audit)
        #expect(counts["not-selected"] == 2 && counts.values.reduce(0, +) == 5)
        #expect(byLine[5]?.1 == "arm is not 'A'")
        // Blanks around the value and the cell are trimmed; text is case-sensitive.
        let spaced = try runPKFit(["nca", file.path, "--where", " arm = A "])
        #expect(spaced.stdout == run.stdout)
        let lower = try runPKFit(["nca", file.path, "--where", "arm=a"])
        #expect(lower.status == 1, "'a' is not 'A'")
    }

    @Test func everyInputFormatSelectsTheSameRows() throws {
        // DOSE is text "1e+08" in the CSV, a SAS number in the XPT, "100000000.0" in the JSON and 100000000 in
        // Excel: a number in --where matches a cell that reads as the same number.
        let reference = try runPKFit(["nca", qpcr, "--where", "COHORT=1x10^8"])
        #expect(reference.status == 0)
        #expect(rows(reference.stdout).count == 6)
        let runs: [[String]] = [
            [qpcr],
            [fixtureURL("formats/aid_cd7_qpcr.xpt").path],
            [fixtureURL("formats/aid_cd7_qpcr.json").path],
            [fixtureURL("formats/aid_cd7_qpcr.ndjson").path],
            [fixtureURL("formats/aid_cd7_qpcr.xlsx").path, "--sheet", "qPCR", "--header-row", "3"],
        ]
        for arguments in runs {
            for condition in ["DOSE=100000000", "DOSE=1e8", "COHORT=1x10^8"] {
                let run = try runPKFit(["nca"] + arguments + ["--where", condition])
                #expect(run.status == 0, "\(arguments[0]) \(condition): \(run.stderr)")
                #expect(run.stdout == reference.stdout, "\(arguments[0]) \(condition)")
            }
        }
    }

    @Test(arguments: ["fit", "summary", "persistence", "report"])
    func everyCommandTakesWhere(_ command: String) throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var arguments = [command, qpcr, "--where", "COHORT=2x10^8"]
        switch command {
        case "fit": arguments += ["--model", "expansion"]
        case "report": arguments += ["--output", directory.appendingPathComponent("r.html").path]
        default: break
        }
        let run = try runPKFit(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("168 not-selected (COHORT is not '2x10^8')"), "\(run.stderr)")
        switch command {
        case "fit": #expect(rows(run.stdout).map { $0["subject"] ?? "" } == (13...18).map { "AID-0\($0)" })
        case "summary": #expect(rows(run.stdout).first?["n"] == "6", "\(run.stdout)")
        case "report":
            let html = try String(contentsOf: directory.appendingPathComponent("r.html"), encoding: .utf8)
            #expect(html.contains("AID-013") && !html.contains("AID-001"))
            #expect(html.contains("Rows set aside</dt><dd>168: 168 not-selected (COHORT is not &#39;2x10^8&#39;)"))
        default: break
        }
    }

    // MARK: ADNCA as it comes

    let pilot = fixtureURL("adnca/adpc_pilot.csv").path

    @Test func pilotShapedADPCRunsWithNoOptions() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let audit = directory.appendingPathComponent("audit.csv")
        let run = try runPKFit(["nca", pilot, "--audit", audit.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            run.stderr.contains(
                "adpc_pilot.csv: set aside 15 of 48 rows: 9 dose-record (PARAMCD is DOSE (a dose record)); 6 derived (DTYPE is COPY (a derived copy of another record))"
            ), "\(run.stderr)")
        let results = rows(run.stdout)
        #expect(results.map { $0["subject"] ?? "" } == ["01-701-1015", "01-701-1023", "01-701-1028"])
        #expect(results.allSatisfy { $0["analyte"] == "XAN" })
        // Linear-up/log-down by hand (C(0) = 0 from the BLQ pre-dose sample; the copies would be duplicate times).
        let expected: [(cmax: Double, tmax: Double, clast: Double, tlast: Double, auclast: Double)] = [
            (1.2, 4, 0.6, 72, 53.41975182871565), (1.5, 4, 1.3, 48, 36.69020985416138),
            (1.4, 2, 0.4, 48, 25.63364966111234),
        ]
        for (row, e) in zip(results, expected) {
            expectClose(expectedNumber(row["cmax"]), e.cmax, relative: 0, "cmax")
            expectClose(expectedNumber(row["tmax"]), e.tmax, relative: 0, "tmax")
            expectClose(expectedNumber(row["clast"]), e.clast, relative: 0, "clast")
            // 01-701-1023 at 72 h: AVAL holds the imputed LLOQ/2 (0.05) while AVALC says BLQ — AVALC wins, so
            // Tlast is 48, not 72.
            expectClose(expectedNumber(row["tlast"]), e.tlast, relative: 0, "tlast")
            expectClose(expectedNumber(row["auclast"]), e.auclast, relative: 1e-13, "auclast")
        }
        #expect(results[1]["n_blq"] == "2" && results[0]["n_blq"] == "1")
        let (counts, byLine) = try readAudit(audit)
        #expect(counts == ["dose-record": 9, "derived": 6, "used": 28, "blq": 5])
        #expect(byLine[2]?.0 == "dose-record")
        #expect(byLine[13]?.0 == "derived")
        // The hand-filtered file (analyte rows with ANL02FL = Y) gives the same bytes.
        let filtered = try runPKFit(["nca", fixtureURL("adnca/adpc_pilot_filtered.csv").path])
        #expect(filtered.stdout == run.stdout)
        #expect(!filtered.stderr.contains("set aside"))
        // The same dataset as SAS transport v5 (pyreadstat): numeric AVAL with missing values.
        let xpt = try runPKFit(["nca", fixtureURL("adnca/adpc_pilot.xpt").path])
        #expect(xpt.status == 0, "\(xpt.stderr)")
        #expect(xpt.stdout == run.stdout)
    }

    @Test func twoAnalytesGiveAProfilePerSubjectAndAnalyte() throws {
        let file = fixtureURL("adnca/adpc_two_analytes.csv").path
        let run = try runPKFit(["nca", file])
        #expect(run.status == 0, "\(run.stderr)")
        let results = rows(run.stdout)
        #expect(results.count == 6)
        #expect(results.map { $0["analyte"] ?? "" } == ["XAN", "XANM", "XAN", "XANM", "XAN", "XANM"])
        // XANM is XAN × 10 in the fixture: Cmax and AUClast scale, times do not.
        for pair in stride(from: 0, to: 6, by: 2) {
            let xan = results[pair]
            let metabolite = results[pair + 1]
            expectClose(
                expectedNumber(metabolite["auclast"]), expectedNumber(xan["auclast"]).map { $0 * 10 }, relative: 1e-12,
                "auclast")
            #expect(metabolite["tmax"] == xan["tmax"] && metabolite["tlast"] == xan["tlast"])
            #expect(xan["unit"] == "ug/mL" && metabolite["unit"] == "ng/mL")
        }
        let summary = try runPKFit(["summary", file])
        #expect(summary.status == 0, "\(summary.stderr)")
        let cmax = rows(summary.stdout).filter { $0["parameter"] == "cmax" }
        #expect(cmax.map { $0["analyte"] ?? "" } == ["XAN", "XANM"])
        #expect(cmax.allSatisfy { $0["n"] == "3" })
        // Selecting one analyte with --where is the same as the one-analyte file.
        let one = try runPKFit(["nca", file, "--where", "PARAMCD=XAN"])
        let pilotRun = try runPKFit(["nca", pilot])
        #expect(one.stdout == pilotRun.stdout)
    }

    @Test func analysisFlagsSetAsideUnflaggedRowsAndWarnWhenTheyDisagree() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let one = directory.appendingPathComponent("one.csv")
        try """
        USUBJID,AFRLT,AVAL,ANL01FL
        S1,0,0,Y
        S1,1,10,Y
        S1,2,8,
        S1,4,4,Y

        """.write(to: one, atomically: true, encoding: .utf8)
        let single = try runPKFit(["nca", one.path])
        #expect(single.status == 0, "\(single.stderr)")
        #expect(single.stderr.contains("1 not-selected (ANL01FL is not Y (the analysis flag))"), "\(single.stderr)")
        #expect(rows(single.stdout).first?["n_quantifiable"] == "2")
        let two = directory.appendingPathComponent("two.csv")
        try """
        USUBJID,AFRLT,AVAL,ANL01FL,ANL02FL
        S1,0,0,Y,Y
        S1,1,10,Y,Y
        S1,2,8,Y,
        S1,3,6,,
        S1,4,4,Y,Y

        """.write(to: two, atomically: true, encoding: .utf8)
        let both = try runPKFit(["nca", two.path])
        #expect(both.status == 0, "\(both.stderr)")
        #expect(both.stderr.contains("1 not-selected (no analysis flag is Y (ANL01FL, ANL02FL))"), "\(both.stderr)")
        #expect(
            both.stderr.contains(
                "the analysis flags ANL01FL, ANL02FL disagree on 1 row read (first: line 4); a row is read when any flag is Y; to follow one flag, select it (--where ANL02FL=Y)"
            ), "\(both.stderr)")
        #expect(rows(both.stdout).first?["n_quantifiable"] == "3")
        // A condition on a flag replaces the default rule.
        let chosen = try runPKFit(["nca", two.path, "--where", "ANL02FL=Y"])
        #expect(chosen.status == 0, "\(chosen.stderr)")
        #expect(rows(chosen.stdout).first?["n_quantifiable"] == "2")
        #expect(!chosen.stderr.contains("disagree"))
    }

    @Test func otherDoseAndDerivedRecordMarkings() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("d.csv")
        try """
        USUBJID,EVID,AFRLT,AVAL,AVALC,AVALU,DTYPE
        S1,1,0,100,100,mg,
        S1,0,0,0,BLQ,ng/mL,
        S1,0,1,10,10,ng/mL,
        S1,0,1,0.5,BLQ,ng/mL,HALFLLOQ
        S1,2,1.5,,,ng/mL,
        S1,0,2,8,8,ng/mL,
        S1,0,4,,<BLQ,ng/mL,
        S1,,6,100,100,ug,

        """.write(to: file, atomically: true, encoding: .utf8)
        let audit = directory.appendingPathComponent("audit.csv")
        let run = try runPKFit(["nca", file.path, "--audit", audit.path])
        #expect(run.status == 0, "\(run.stderr)")
        let (counts, byLine) = try readAudit(audit)
        #expect(counts == ["dose-record": 3, "derived": 1, "used": 2, "blq": 2])
        #expect(byLine[2]?.1 == "EVID is not 0 (a dose or other event record)")
        #expect(byLine[5]?.1 == "DTYPE is set (a derived record, not a sample as measured)")
        #expect(byLine[9]?.1 == "AVALU is a dose unit (a dose record)")
        // `<BLQ` (the CDISC pilot's spelling) is below the limit.
        #expect(byLine[8]?.0 == "blq")
        let result = rows(run.stdout).first
        #expect(result?["tlast"] == "2.0" && result?["n_blq"] == "2")
    }
}

/// Profile columns in `pkfit popfit` (issue 13, item 7): popfit read its model and covariate columns as the
/// only group columns, which dropped `--profile-by` (and an ADNCA file's analyte) from the profile key, so two
/// periods of a subject were silently pooled into one profile.
@Suite struct PopFitProfileColumnTests {
    @Test func aSubjectWithTwoProfilesIsAnErrorNotAPooledProfile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("periods.csv")
        var lines = ["subject,PERIOD,time,value"]
        for (subject, scale) in [("S1", 1.0), ("S2", 1.5), ("S3", 0.8)] {
            for (t, c) in [(1.0, 50.0), (4.0, 400.0), (7.0, 2000.0), (14.0, 900.0), (28.0, 300.0)] {
                lines.append("\(subject),1,\(t),\(c * scale)")
            }
        }
        // S1's second period: other times, same unit — nothing else would stop the pooling.
        for (t, c) in [(101.0, 40.0), (104.0, 350.0), (107.0, 1800.0), (114.0, 700.0)] {
            lines.append("S1,2,\(t),\(c)")
        }
        lines.append("S9,1,1,not a number")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let run = try runPKFit([
            "popfit", file.path, "--model", "expansion-monoexp", "--profile-by", "PERIOD", "--where", "subject!=S9",
        ])
        #expect(run.status == 1, "\(run.stdout)")
        #expect(run.stderr.contains("column 'PERIOD' varies within subject 'S1'"), "\(run.stderr)")
        // popfit reads with the row selection too, and says what it set aside.
        #expect(run.stderr.contains("set aside 1 of 20 rows: 1 not-selected (subject is 'S9')"), "\(run.stderr)")
    }
}

/// PPCAT of a PP submission from an ADNCA file's analyte.
@Suite struct PPAnalyteTests {
    /// (USUBJID, PPGRPID, PPCAT) of every row of a Dataset-JSON PP dataset.
    func categories(_ url: URL) throws -> Set<[String]> {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        let names = (object?["columns"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        guard let subject = names.firstIndex(of: "USUBJID"), let group = names.firstIndex(of: "PPGRPID"),
            let category = names.firstIndex(of: "PPCAT")
        else { return [] }
        return Set(
            (object?["rows"] as? [[Any]] ?? []).map { row in
                [subject, group, category].map { row[$0] as? String ?? "" }
            })
    }

    @Test func eachAnalyteIsItsOwnPPCAT() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let two = fixtureURL("adnca/adpc_two_analytes.csv").path
        let output = directory.appendingPathComponent("pp.json")
        let run = try runPKFit(["nca", two, "--format", "pp", "--output", output.path])
        #expect(run.status == 0, "\(run.stderr)")
        var expected = Set<[String]>()
        for subject in ["01-701-1015", "01-701-1023", "01-701-1028"] {
            expected.insert([subject, "1", "XAN"])
            expected.insert([subject, "2", "XANM"])
        }
        #expect(try categories(output) == expected)
        // One name for several analytes would label them all alike: refused, nothing written.
        let renamed = directory.appendingPathComponent("pp2.json")
        let clash = try runPKFit(["nca", two, "--format", "pp", "--output", renamed.path, "--analyte", "Xanomeline"])
        #expect(clash.status == 1 && clash.stderr.contains("several analytes (XAN, XANM)"), "\(clash.stderr)")
        #expect(!FileManager.default.fileExists(atPath: renamed.path))
        // A single analyte may be given a readable name.
        let one = directory.appendingPathComponent("pp3.json")
        let named = try runPKFit([
            "nca", fixtureURL("adnca/adpc_pilot.csv").path, "--format", "pp", "--output", one.path, "--analyte",
            "Xanomeline",
        ])
        #expect(named.status == 0, "\(named.stderr)")
        #expect(try categories(one).allSatisfy { $0[2] == "Xanomeline" && $0[1] == "" })
    }
}
