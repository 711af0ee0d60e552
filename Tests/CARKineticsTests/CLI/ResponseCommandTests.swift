import Foundation
import Testing

/// End-to-end: the built `pkfit response` / `pkfit persistence` on a small hand-built file
/// (Fixtures/response/response_small.csv: 13 subjects, Cmax = the day-7 value; 51 data lines).
/// Expected values: hand-computed (counts, Kaplan–Meier steps) or computed independently with R 4.2.2 /
/// survival 3.5.3, statsmodels 0.15.0 and lifelines 0.30.3 from the same per-subject values.
@Suite("pkfit response and persistence")
struct ResponseCommandTests {
    let file = fixtureURL("response/response_small.csv").path

    static func rows(_ text: String) -> [[String: String]] { SummaryCommandTests.parseCSV(text) }

    @Test("response: CR/PR vs SD/PD recognised; counts, GMR, Mann–Whitney and logistic regression on ln Cmax")
    func cmax() throws {
        let run = try runPKFit(["response", file, "--response", "BOR", "--parameters", "cmax"])
        #expect(run.status == 0, "\(run.stderr)")
        let header = run.stdout.split(whereSeparator: \.isNewline).first.map(String.init)
        #expect(
            header
                == "parameter,n_responders,n_nonresponders,geometric_mean_responders,geometric_mean_nonresponders,gmr,gmr_lower90,gmr_upper90,mann_whitney_u,mann_whitney_p,logit_intercept,logit_slope,logit_slope_se,logit_slope_lower95,logit_slope_upper95,logit_lr_p,odds_ratio_per_doubling,logit_method,n_excluded,n_response_missing,gmr_df,mann_whitney_method,logit_note,time_unit"
        )
        let table = Self.rows(run.stdout)
        #expect(table.count == 1)
        let row = try #require(table.first)
        // R1–R6 (CR/PR) against N1–N5 (SD/PD); X2 (PD) has Cmax 0 → excluded; X1 has no BOR → missing.
        #expect(row["n_responders"] == "6" && row["n_nonresponders"] == "5")
        #expect(row["n_excluded"] == "1" && row["n_response_missing"] == "1")
        func value(_ name: String) -> Double? { row[name].flatMap(Double.init) }
        expectClose(value("gmr"), 6.3646101732571472, relative: 1e-12, "GMR")
        expectClose(value("gmr_lower90"), 1.8324411175354161, relative: 1e-10, "GMR lower")
        expectClose(value("gmr_upper90"), 22.106174255689535, relative: 1e-10, "GMR upper")
        #expect(value("mann_whitney_u") == 27 && row["mann_whitney_method"] == "exact")
        expectClose(value("mann_whitney_p"), 0.030303030303030304, relative: 1e-12, "MW p")
        #expect(row["logit_method"] == "ml")
        expectClose(value("logit_intercept"), -22.66351051107653, relative: 1e-8, "intercept")
        expectClose(value("logit_slope"), 2.4216026416409564, relative: 1e-8, "slope")
        expectClose(value("logit_slope_se"), 1.701785013382121, relative: 1e-8, "SE")
        expectClose(value("logit_slope_lower95"), -0.9138346940180146, relative: 1e-7, "lower")
        expectClose(value("logit_slope_upper95"), 5.757039977299927, relative: 1e-8, "upper")
        expectClose(value("logit_lr_p"), 0.0077941896112476835, relative: 1e-8, "LR p")
        expectClose(value("odds_ratio_per_doubling"), 5.357658558224966, relative: 1e-8, "OR per doubling")
    }

    @Test(
        "response: --responder CR makes PR a non-responder; default parameters are cmax, the interval AUCs, aucinf_obs")
    func responderAndDefaults() throws {
        let run = try runPKFit(["response", file, "--response", "BOR", "--responder", "cr", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try #require(try jsonRows(run.stdout))
        #expect(json.map { $0["parameter"] as? String } == ["cmax", "auc_0_28", "auc_0_90", "aucinf_obs"])
        #expect(json.first?["n_responders"] as? Int == 3 && json.first?["n_nonresponders"] as? Int == 8)
    }

    @Test(
        "response: unrecognised coding, unknown --responder, two values for one subject, unknown parameter are errors, nothing written"
    )
    func errors() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("out.csv").path
        var text = try String(contentsOfFile: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "N5,28,500,PD,B", with: "N5,28,500,MR,B")
        let bad = directory.appendingPathComponent("mr.csv")
        try text.write(to: bad, atomically: true, encoding: .utf8)
        let mr = try runPKFit(["response", bad.path, "--response", "BOR", "--output", out])
        #expect(mr.status == 1)
        // The reader's rule (a per-subject column is constant within a subject) names both lines.
        #expect(
            mr.stderr.contains("mr.csv:46: column 'BOR': \"MR\" differs from 'PD' on line 43 for subject 'N5'"),
            "\(mr.stderr)")
        text = text.replacingOccurrences(of: ",MR,B", with: ",PD,B").replacingOccurrences(
            of: "N5,7,11000,PD,B", with: "N5,7,11000,MR,B"
        )
        .replacingOccurrences(of: "N5,14,3000,PD,B", with: "N5,14,3000,MR,B").replacingOccurrences(
            of: "N5,28,500,PD,B", with: "N5,28,500,MR,B"
        )
        .replacingOccurrences(of: "N5,0,BLQ,PD,B", with: "N5,0,BLQ,MR,B")
        try text.write(to: bad, atomically: true, encoding: .utf8)
        let coding = try runPKFit(["response", bad.path, "--response", "BOR", "--output", out])
        #expect(coding.status == 1)
        #expect(
            coding.stderr.contains(
                "column 'BOR': values \"CR\", \"PR\", \"SD\", \"PD\", \"MR\" are not a recognised two-valued response coding"
            ), "\(coding.stderr)")
        let missing = try runPKFit(["response", file, "--response", "BOR", "--responder", "VGPR", "--output", out])
        #expect(
            missing.status == 1 && missing.stderr.contains("--responder \"VGPR\" does not occur"), "\(missing.stderr)")
        let parameter = try runPKFit([
            "response", file, "--response", "BOR", "--parameters", "cmax,auc_0_7", "--output", out,
        ])
        #expect(
            parameter.status == 1 && parameter.stderr.contains("'auc_0_7' is not an NCA parameter"),
            "\(parameter.stderr)")
        let overwrite = try runPKFit(["response", file, "--response", "BOR", "--output", file])
        #expect(
            overwrite.status == 64 && overwrite.stderr.contains("an output never replaces an input"),
            "\(overwrite.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test(
        "persistence: per-subject times and events by hand; Kaplan–Meier per arm against R and lifelines; audit covers every line"
    )
    func persistence() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let individual = directory.appendingPathComponent("subjects.csv").path
        let audit = directory.appendingPathComponent("audit.csv").path
        let out = directory.appendingPathComponent("km.csv").path
        let run = try runPKFit([
            "persistence", file, "--group", "ARM", "--individual", individual, "--audit", audit, "--output", out,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let subjects = Self.rows(try String(contentsOfFile: individual, encoding: .utf8))
        let expected: [String: (String, String)] = [
            "R1": ("14", "1"), "R2": ("28", "1"), "R3": ("14", "0"), "R4": ("90", "1"), "R5": ("90", "0"),
            "R6": ("14", "1"),
            "N1": ("7", "1"), "N2": ("14", "1"), "N3": ("7", "1"), "N4": ("14", "1"), "N5": ("28", "0"),
            "X1": ("7", "1"), "X2": ("", ""),
        ]
        #expect(subjects.count == 13)
        for s in subjects {
            let (time, event) = try #require(expected[s["subject"] ?? ""])
            #expect(s["persistence_time"].flatMap(Double.init) == Double(time) && s["event"] == event, "\(s)")
        }
        let km = Self.rows(try String(contentsOfFile: out, encoding: .utf8))
        #expect(km.count == 2)
        let a = try #require(km.first { $0["ARM"] == "A" })
        let b = try #require(km.first { $0["ARM"] == "B" })
        // A: 7E | 14 E,E,C | 28E | 90 E,C → Ŝ = 6/7, 4/7, 8/21, 4/21; median 28; Ŝ(90) = 4/21; past day 90 undefined.
        #expect(
            a["n"] == "7" && a["n_events"] == "5" && a["median"] == "28.0" && a["median_lower95"] == "7.0"
                && a["median_upper95"] == "inf")
        expectClose(a["survival_90"].flatMap(Double.init), 4.0 / 21, relative: 1e-15, "A S(90)")
        #expect(a["survival_180"] == "" && a["survival_365"] == "")
        // B: 7 E,E | 14 E,E | 28 C (X2 not evaluable) → Ŝ = 3/5, 1/5; median 14.
        #expect(
            b["n"] == "5" && b["n_events"] == "4" && b["n_not_evaluable"] == "1" && b["median"] == "14.0"
                && b["median_lower95"] == "7.0")
        #expect(b["survival_90"] == "")
        expectClose(a["logrank_chisq"].flatMap(Double.init), 1.0160226201696503, relative: 1e-12, "log-rank chi-square")
        expectClose(a["logrank_p"].flatMap(Double.init), 0.3134643162116769, relative: 1e-12, "log-rank p")
        #expect(b["logrank_p"] == a["logrank_p"] && a["logrank_df"] == "1")
        let lines = try String(contentsOfFile: audit, encoding: .utf8).split(whereSeparator: \.isNewline)
        #expect(lines.count == 1 + 51)
        // lifelines carries Ŝ forward past the last observed day (its predict(90) for B is 0.2).
        let lifelines = try runPKFit(["persistence", file, "--group", "ARM", "--km-convention", "lifelines"])
        let bl = try #require(Self.rows(lifelines.stdout).first { $0["ARM"] == "B" })
        expectClose(bl["survival_90"].flatMap(Double.init), 0.2, relative: 1e-15, "lifelines B S(90)")
    }

    @Test("report --response adds exposure by response, logistic curves and Kaplan–Meier with numbers at risk")
    func report() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let html = directory.appendingPathComponent("r.html").path
        let plain = try runPKFit(["report", file, "--output", html])
        #expect(plain.status == 0, "\(plain.stderr)")
        let before = try String(contentsOfFile: html, encoding: .utf8)
        let run = try runPKFit(["report", file, "--response", "BOR", "--output", html])
        #expect(run.status == 0, "\(run.stderr)")
        let text = try String(contentsOfFile: html, encoding: .utf8)
        #expect(!before.contains("Exposure by response") && text.contains("Exposure by response"))
        #expect(text.contains("Numbers at risk") && text.contains("Time to loss of CAR-T detection"))
        // Points by response for the 4 default parameters, a logistic curve for cmax, auc_0_28 and auc_0_90
        // (aucinf_obs has no non-responder value, so no fit), one Kaplan–Meier figure.
        let figures = text.components(separatedBy: "<svg").count - before.components(separatedBy: "<svg").count
        #expect(figures == 4 + 3 + 1, "\(figures) new figures")
        #expect(text.components(separatedBy: "P(response) vs").count - 1 >= 3)
        let usage = try runPKFit(["report", file, "--responder", "CR", "--output", html])
        #expect(usage.status == 64 && usage.stderr.contains("--responder needs --response"))
    }
}
