import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// Values excluded by the λz / AUCinf acceptance criteria are left out of the cohort statistics and counted in
/// `n_excluded`. Expected statistics computed independently (Python's `statistics`, numbers committed).
@Suite struct ExcludedValuesSummaryTests {
    /// Values 1, 2, 3, 100 with 100 excluded: the statistics of 1, 2, 3 — mean 2, SD 1, geometric mean
    /// 6^(1/3) = 1.8171205928321397, geometric CV 60.13018632065978 % — and a missing value stays missing.
    @Test func excludedValuesAreCountedNotUsed() throws {
        let subjects = [
            SubjectParameters(subject: "A", groups: [], values: [1], excluded: [false]),
            SubjectParameters(subject: "B", groups: [], values: [2], excluded: [false]),
            SubjectParameters(subject: "C", groups: [], values: [3]),
            SubjectParameters(subject: "D", groups: [], values: [100], excluded: [true]),
            SubjectParameters(subject: "E", groups: [], values: [nil], excluded: [true]),
        ]
        let summary = try CohortSummary(groupColumns: [], parameters: ["half_life"], subjects: subjects)
        let row = try #require(summary.rows.first)
        #expect(row.subjects == 5 && row.excluded == 1)
        #expect(row.statistics.count == 3 && row.statistics.missing == 1)
        #expect(row.statistics.mean == 2 && row.statistics.maximum == 3)
        expectClose(row.statistics.standardDeviation, 1, relative: 1e-15, "SD")
        expectClose(row.statistics.geometricMean, 1.8171205928321397, relative: 1e-14, "geometric mean")
        expectClose(row.statistics.geometricCVPercent, 60.13018632065978, relative: 1e-13, "geometric CV%")
        let table = summary.table
        let n = try #require(table.columns.firstIndex(of: "n_excluded"))
        #expect(table.rows[0][n] == .integer(1))
        let display = summary.displayTable()
        let note = try #require(display.columns.firstIndex(of: "note"))
        #expect(display.rows[0][note] == .text("1 missing; 1 excluded by the acceptance criteria"))
        #expect(summary.byGroupTable().rows[0].last == .text("2.00 (1.00) [n=3]"))
    }

    @Test func excludedFlagsMustMatchTheParameters() {
        #expect(throws: SummaryError.self) {
            try CohortSummary(
                groupColumns: [], parameters: ["a", "b"],
                subjects: [SubjectParameters(subject: "A", groups: [], values: [1, 2], excluded: [true])])
        }
    }

    /// `pkfit summary --group COHORT` on the qPCR sample. Expected values from the reference files only: the
    /// R² and span ratio of PKNCA (`Fixtures/oracle`), AUCinf, AUClast and half-life of `Fixtures/expected`
    /// (AID-007, where PKNCA has no λz, R² = 1 − (1 − R²adj)(k − 2)/(k − 1) = 0.1125 from the expected R²adj);
    /// the criteria applied and the statistics computed in Python:
    /// - 0.25x10^8: λz of AID-004 (R² 0.889) and AID-005; half-life n 1 (4.647072009261227), 1 excluded,
    ///   4 missing; AUCinf 22496.051936027634.
    /// - 1x10^8: AID-007, 008, 009, 011 all fail: n 0, 4 excluded, 2 missing.
    /// - 2x10^8: AID-013 (R²) and AID-016 (span) fail: half-life n 4, mean 21.776405236175787,
    ///   SD 22.00316602087728, median 20.06327774220317; AUCinf n 4, geometric mean 48152.85220245221,
    ///   mean 111180.75636497344.
    @Test func summaryCommandLeavesExcludedValuesOut() throws {
        let file = fixtureURL("data/aid_cd7_qpcr.csv").path
        let run = try runPKFit(["summary", file, "--group", "COHORT"])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = SummaryCommandTests.parseCSV(run.stdout)
        func row(_ cohort: String, _ parameter: String) -> [String: String] {
            rows.first { $0["COHORT"] == cohort && $0["parameter"] == parameter } ?? [:]
        }
        let low = row("0.25x10^8", "half_life")
        #expect(low["n"] == "1" && low["n_excluded"] == "1" && low["n_missing"] == "4")
        expectClose(expectedNumber(low["mean"]), 4.647072009261227, relative: 1e-9, "0.25 half-life")
        expectClose(
            expectedNumber(row("0.25x10^8", "aucinf_obs")["mean"]), 22496.051936027634, relative: 1e-9,
            "0.25 AUCinf")
        let middle = row("1x10^8", "half_life")
        #expect(middle["n"] == "0" && middle["n_excluded"] == "4" && middle["n_missing"] == "2")
        #expect(middle["mean"] == "")
        #expect(row("1x10^8", "lambda_z")["n_excluded"] == "4")
        #expect(row("1x10^8", "aucinf_obs")["n_excluded"] == "4")
        let high = row("2x10^8", "half_life")
        #expect(high["n"] == "4" && high["n_excluded"] == "2")
        expectClose(expectedNumber(high["mean"]), 21.776405236175787, relative: 1e-9, "2x10^8 half-life mean")
        expectClose(expectedNumber(high["sd"]), 22.00316602087728, relative: 1e-9, "2x10^8 half-life SD")
        expectClose(expectedNumber(high["median"]), 20.06327774220317, relative: 1e-9, "2x10^8 half-life median")
        let aucinf = row("2x10^8", "aucinf_obs")
        #expect(aucinf["n"] == "4" && aucinf["n_excluded"] == "2")
        expectClose(expectedNumber(aucinf["geometric_mean"]), 48152.85220245221, relative: 1e-9, "AUCinf GM")
        expectClose(expectedNumber(aucinf["mean"]), 111180.75636497344, relative: 1e-9, "AUCinf mean")
        // Parameters that do not depend on λz exclude nothing.
        #expect(rows.filter { $0["parameter"] == "cmax" }.allSatisfy { $0["n_excluded"] == "0" })

        // Thresholds loose enough to accept every λz exclude nothing.
        let loose = try runPKFit([
            "summary", file, "--group", "COHORT", "--lambda-z-min-r2", "0", "--lambda-z-min-span", "0",
            "--aucinf-max-extrapolated", "100",
        ])
        #expect(loose.status == 0, "\(loose.stderr)")
        #expect(SummaryCommandTests.parseCSV(loose.stdout).allSatisfy { $0["n_excluded"] == "0" })
    }

    @Test func reportSaysWhatWasExcluded() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let html = dir.appendingPathComponent("r.html")
        let run = try runPKFit(["report", fixtureURL("data/aid_cd7_qpcr.csv").path, "--output", html.path])
        #expect(run.status == 0, "\(run.stderr)")
        let text = try String(contentsOf: html, encoding: .utf8)
        #expect(text.contains("7 of 12 λz and 7 AUCinf values fail"))
        #expect(text.contains("R² ≥ 0.9 and span ratio ≥ 2"))
    }
}
