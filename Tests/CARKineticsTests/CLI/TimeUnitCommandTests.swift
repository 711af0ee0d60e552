import Foundation
import Testing

/// `--time-unit`, `--output-time-unit`, unit-suffixed `--interval`, and every output stating its time unit, end to
/// end on the built `pkfit` (issue 13 item 3).
@Suite struct TimeUnitCommandTests {
    private let days = fixtureURL("data/aid_cd7_qpcr.csv").path
    private let hours = fixtureURL("timeunit/aid_cd7_qpcr_hours.csv").path

    /// The header and the rows of a CSV output, as dictionaries.
    private func rows(_ csv: String) -> (header: [String], rows: [[String: String]]) {
        let lines = csv.split(separator: "\n").map(String.init)
        let header = splitCSVLine(lines.first ?? "")
        return (
            header,
            lines.dropFirst().map { line in
                Dictionary(uniqueKeysWithValues: zip(header, splitCSVLine(line)))
            }
        )
    }

    @Test func hourCohortIsAnalysedInHoursAndSaysSo() throws {
        let run = try runPKFit(["nca", hours, "--group", "COHORT", "--lloq", "LLOQ"])
        #expect(run.status == 0, "\(run.stderr)")
        let (header, table) = rows(run.stdout)
        #expect(header.contains("auc_0_672") && header.contains("auc_0_2160") && !header.contains("auc_0_28"))
        #expect(table.allSatisfy { $0["time_unit"] == "h" })
        #expect(!run.stderr.contains("assumed"))
        // The days original: Tmax 10.1 days is 242.4 h (not "242 day", the defect this fixes).
        let first = try #require(table.first)
        #expect(isClose(Double(first["tmax"] ?? "") ?? 0, 242.4, relative: 1e-15))
        let daysRun = try runPKFit(["nca", days, "--group", "COHORT", "--lloq", "LLOQ"])
        let daysFirst = try #require(rows(daysRun.stdout).rows.first)
        #expect(daysFirst["time_unit"] == "day")
        expectClose(
            Double(first["auc_0_672"] ?? ""), (Double(daysFirst["auc_0_28"] ?? "") ?? 0) * 24, relative: 1e-12,
            "AUC0–28d in hours")
    }

    @Test func assumedDaysAreNoted() throws {
        let run = try runPKFit(["nca", days])
        #expect(run.status == 0)
        #expect(run.stderr.contains("note: times assumed to be in days (no FRLTU/RRLTU/ARELTMU/time_unit column"))
        let given = try runPKFit(["nca", days, "--time-unit", "DAYS"])
        #expect(given.status == 0 && !given.stderr.contains("assumed"))
        #expect(given.stdout == run.stdout)
        for command in [["fit"], ["summary"], ["persistence"]] {
            let other = try runPKFit(command + [days])
            #expect(other.status == 0, "\(command) \(other.stderr)")
            #expect(other.stderr.contains("times assumed to be in days"), "\(command)")
        }
    }

    @Test func outputTimeUnitConvertsBothWays() throws {
        let back = try runPKFit(["nca", hours, "--output-time-unit", "d"])
        let original = try runPKFit(["nca", days])
        #expect(back.status == 0 && original.status == 0)
        let (headerBack, rowsBack) = rows(back.stdout)
        let (headerOriginal, rowsOriginal) = rows(original.stdout)
        #expect(headerBack == headerOriginal)
        for (a, b) in zip(rowsBack, rowsOriginal) {
            for name in headerOriginal {
                if let x = Double(a[name] ?? ""), let y = Double(b[name] ?? "") {
                    #expect(isClose(x, y, relative: 1e-12), "\(name): \(x) vs \(y)")
                } else {
                    #expect(a[name] == b[name], "\(name)")
                }
            }
        }
        let forward = try runPKFit(["nca", days, "--output-time-unit", "hours"])
        let hoursRun = try runPKFit(["nca", hours])
        #expect(rows(forward.stdout).header == rows(hoursRun.stdout).header)
        // The note still says days were assumed: converting does not make the input's unit known.
        #expect(forward.stderr.contains("times assumed to be in days"))
    }

    @Test func givenUnitAgainstTheColumnIsAnError() throws {
        let run = try runPKFit(["nca", hours, "--time-unit", "d"])
        #expect(run.status == 1 && run.stdout.isEmpty)
        #expect(
            run.stderr.contains(
                "aid_cd7_qpcr_hours.csv:2: column 'FRLTU': time unit \"h\" (hours) differs from the time unit given with --time-unit (days)"
            ), "\(run.stderr)")
        let unknown = try runPKFit(["nca", hours, "--time-unit", "hours!"])
        #expect(unknown.status == 64 && unknown.stderr.contains("--time-unit 'hours!': not a time unit; expected min"))
    }

    @Test func disagreeingRowsNameTheLine() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("mixed.csv")
        try "USUBJID,AFRLT,AVAL,FRLTU\nA,1,5,h\nA,2,6,h\nB,1,5,DAYS\n".write(
            to: file, atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent("out.csv")
        let run = try runPKFit(["nca", file.path, "--output", output.path, "--skip-invalid"], in: directory)
        #expect(run.status == 1)
        #expect(
            run.stderr.contains("mixed.csv:4: column 'FRLTU': time unit \"DAYS\" (days) differs from \"h\" on line 2"))
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test func filesInDifferentUnitsNeedAnOutputUnit() throws {
        // The same subjects in two files are refused too; the time axes are compared first.
        let refused = try runPKFit(["nca", hours, fixtureURL("timeunit/aid_cd7_qpcr_minutes.csv").path])
        #expect(refused.status == 1 && refused.stderr.contains("has times in minutes (column FRLTU) but"))
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func file(_ name: String, _ text: String) throws -> String {
            let url = directory.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        let a = try file("a.csv", "id,time,value,time_unit\nA,24,5,h\nA,48,3,h\n")
        let b = try file("b.csv", "id,time,value,time_unit\nB,1440,5,min\nB,2880,3,min\n")
        let c = try file("c.csv", "id,time,value\nC,1,5\nC,2,3\n")
        let mixed = try runPKFit(["nca", a, b])
        #expect(mixed.status == 1 && mixed.stderr.contains("b.csv: has times in minutes (column time_unit) but"))
        let unstated = try runPKFit(["nca", a, c, "--output-time-unit", "h"])
        #expect(unstated.status == 1 && unstated.stderr.contains("c.csv: states no time unit (days would be assumed)"))
        let converted = try runPKFit(["nca", a, b, "--output-time-unit", "d", "--interval", "0,2"])
        #expect(converted.status == 0, "\(converted.stderr)")
        let table = rows(converted.stdout).rows
        #expect(table.count == 2 && table.allSatisfy { $0["time_unit"] == "day" && $0["tlast"] == "2.0" })
        // 1 day at 5 and 2 days at 3, falling: log trapezoid from day 1 plus the linear rise from 0.
        #expect(table.allSatisfy { $0["auc_0_2"] == table[0]["auc_0_2"] })
    }

    @Test func intervalsWithSuffixes() throws {
        let run = try runPKFit(["nca", hours, "--interval", "0,1d", "--interval", "0,36", "--interval", "0,2w"])
        #expect(run.status == 0, "\(run.stderr)")
        let header = rows(run.stdout).header
        #expect(header.contains("auc_0_24") && header.contains("auc_0_36") && header.contains("auc_0_336"))
        let daysRun = try runPKFit(["nca", days, "--interval", "0,24h", "--interval", "0,2w"])
        let daysHeader = rows(daysRun.stdout).header
        #expect(daysHeader.contains("auc_0_1") && daysHeader.contains("auc_0_14"))
        let bad = try runPKFit(["nca", days, "--interval", "0,24x"])
        #expect(bad.status == 64 && bad.stderr.contains("--interval '0,24x': 'x' is not a time unit"))
    }

    @Test func jsonPPAndTableStateTheUnit() throws {
        let json = try runPKFit(["nca", hours, "--format", "json"])
        #expect(json.status == 0 && json.stdout.contains("\"time_unit\": \"h\""))
        let pp = try runPKFit(["nca", hours, "--format", "pp", "--interval", "0,36h", "--study", "S"])
        #expect(pp.status == 0)
        #expect(pp.stdout.contains(",TMAX,Time of CMAX Observation,,NON-COMPARTMENTAL,242.4,h,"))
        #expect(pp.stdout.contains("h*copies/ug") && pp.stdout.contains(",1/h,") && !pp.stdout.contains("day"))
        #expect(pp.stdout.contains(",P0D,P1DT12H"))
        let table = try runPKFit(["nca", hours, "--format", "table"])
        #expect(table.stdout.contains("Tmax (h)") && table.stdout.contains("AUC0–672h (h·copies/ug)"))
    }

    @Test func fitSummaryAndPersistenceInHours() throws {
        let fit = try runPKFit(["fit", hours])
        #expect(fit.status == 0, "\(fit.stderr)")
        let (fitHeader, fitRows) = rows(fit.stdout)
        #expect(fitHeader.contains("auc_0_672_model") && fitRows.allSatisfy { $0["time_unit"] == "h" })
        let summary = try runPKFit(["summary", hours])
        #expect(summary.status == 0)
        let (_, summaryRows) = rows(summary.stdout)
        #expect(
            summaryRows.contains { $0["parameter"] == "auc_0_672" } && summaryRows.allSatisfy { $0["time_unit"] == "h" }
        )
        let flow = fixtureURL("timeunit/waiha_cd19bcma_flow_hours.csv").path
        let persistence = try runPKFit(["persistence", flow, "--value", "car_t_cells_per_uL"])
        #expect(persistence.status == 0, "\(persistence.stderr)")
        #expect(rows(persistence.stdout).header.contains("survival_2160"))
        let popfit = try runPKFit(["popfit", hours, "--model", "stein"])
        #expect(popfit.status == 1 && popfit.stderr.contains("--output-time-unit d"))
    }

    @Test func reportAxesAndUnitTexts() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let html = directory.appendingPathComponent("r.html")
        let run = try runPKFit(["report", hours, "--group", "COHORT", "--output", html.path])
        #expect(run.status == 0, "\(run.stderr)")
        let text = try String(contentsOf: html, encoding: .utf8)
        #expect(text.contains("Time since infusion (hours)") && !text.contains("Time since infusion (days)"))
        // The methods section names the windows in the output unit.
        #expect(text.contains("partial AUCs over the windows 0–672, 0–2160 hours") && text.contains("Unit of times"))
        let assumed = directory.appendingPathComponent("d.html")
        _ = try runPKFit(["report", days, "--output", assumed.path])
        #expect(try String(contentsOf: assumed, encoding: .utf8).contains("Time since infusion (days, assumed)"))
    }
}
