import Foundation
import Testing

/// End-to-end: the built `pkfit summary` / `pkfit report` on fixture data.
@Suite("pkfit summary and report")
struct SummaryCommandTests {
    // Naive, independently written statistics (not the library's code) for the agreement check.
    static func naive(_ xs: [Double]) -> [String: Double] {
        var out: [String: Double] = [:]
        let n = Double(xs.count)
        guard !xs.isEmpty else { return out }
        let mean = xs.reduce(0, +) / n
        out["mean"] = mean
        let s = xs.sorted()
        func q(_ p: Double) -> Double {
            let h = (n - 1) * p
            let lo = Int(h.rounded(.down))
            return lo + 1 < s.count ? s[lo] + (h - Double(lo)) * (s[lo + 1] - s[lo]) : s[lo]
        }
        out["median"] = q(0.5)
        out["q1"] = q(0.25)
        out["q3"] = q(0.75)
        out["min"] = s.first
        out["max"] = s.last
        if xs.count > 1 {
            let sd = (xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)).squareRoot()
            out["sd"] = sd
            out["cv_percent"] = 100 * sd / mean
        }
        let logs = xs.filter { $0 > 0 }.map(log)
        if !logs.isEmpty {
            let m = logs.reduce(0, +) / Double(logs.count)
            out["geometric_mean"] = exp(m)
            if logs.count > 1 {
                let v = logs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(logs.count - 1)
                out["geometric_cv_percent"] = 100 * (exp(v) - 1).squareRoot()
            }
        }
        return out
    }

    static func parseCSV(_ text: String) -> [[String: String]] {
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init) else {
            return []
        }
        return lines.dropFirst().map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Dictionary(
                uniqueKeysWithValues: zip(
                    header, cells + Array(repeating: "", count: max(0, header.count - cells.count))))
        }
    }

    @Test("summary statistics agree to 1e-9 with an independent computation from pkfit nca's per-subject values")
    func agreement() throws {
        let file = fixtureURL("data/aid_cd7_qpcr.csv").path
        let nca = try runPKFit(["nca", file, "--group", "COHORT", "--lloq", "LLOQ"])
        #expect(nca.status == 0, "\(nca.stderr)")
        let summary = try runPKFit(["summary", file, "--group", "COHORT", "--lloq", "LLOQ"])
        #expect(summary.status == 0, "\(summary.stderr)")
        let subjects = Self.parseCSV(nca.stdout)
        let rows = Self.parseCSV(summary.stdout)
        #expect(rows.count == 3 * 14)
        var checked = 0
        for row in rows {
            let cohort = try #require(row["COHORT"])
            let parameter = try #require(row["parameter"])
            // Values the acceptance criteria exclude (docs/nca-rules.md rule 8) are left out and counted.
            func excluded(_ subject: [String: String]) -> Bool {
                switch parameter {
                case "lambda_z", "half_life": return subject["lambda_z_excluded_by"] != ""
                case "aucinf_obs": return subject["aucinf_excluded_by"] != ""
                case let name where name.hasSuffix("_extrap"):
                    return subject["lambda_z_excluded_by"] != ""
                        && subject[String(name.dropLast("_extrap".count)) + "_end"] == "extrapolated"
                default: return false
                }
            }
            let cohortSubjects = subjects.filter { $0["COHORT"] == cohort && $0[parameter] != "" }
            let values = cohortSubjects.filter { !excluded($0) }.compactMap { $0[parameter].flatMap(Double.init) }
            #expect(Int(row["n"] ?? "") == values.count, "\(cohort) \(parameter) n")
            #expect(
                Int(row["n_excluded"] ?? "") == cohortSubjects.filter(excluded).count, "\(cohort) \(parameter) excluded"
            )
            #expect(Int(row["n_subjects"] ?? "") == 6)
            for (statistic, expected) in Self.naive(values) {
                expectClose(
                    expectedNumber(row[statistic]), expected, relative: 1e-9, absolute: 1e-12,
                    "\(cohort) \(parameter) \(statistic)")
                checked += 1
            }
        }
        #expect(checked > 300)
    }

    @Test("dose–exposure: slope and CI from an independent least-squares computation")
    func doseExposure() throws {
        let file = fixtureURL("data/aid_cd7_qpcr.csv").path
        let nca = try runPKFit(["nca", file, "--group", "DOSE", "--lloq", "LLOQ"])
        let result = try runPKFit(["summary", file, "--dose", "DOSE", "--lloq", "LLOQ"])
        #expect(result.status == 0, "\(result.stderr)")
        let fit = try #require(Self.parseCSV(result.stdout).first { $0["parameter"] == "cmax" })
        let pairs = Self.parseCSV(nca.stdout).compactMap { row -> (Double, Double)? in
            guard let d = row["DOSE"].flatMap(Double.init), let c = row["cmax"].flatMap(Double.init), c > 0 else {
                return nil
            }
            return (log(d), log(c))
        }
        let n = Double(pairs.count)
        let mx = pairs.map(\.0).reduce(0, +) / n
        let my = pairs.map(\.1).reduce(0, +) / n
        let sxx = pairs.map { ($0.0 - mx) * ($0.0 - mx) }.reduce(0, +)
        let b = pairs.map { ($0.0 - mx) * ($0.1 - my) }.reduce(0, +) / sxx
        let residuals: [Double] = pairs.map { pair in pair.1 - (my + b * (pair.0 - mx)) }
        let ssr = residuals.map { $0 * $0 }.reduce(0, +)
        let se = (ssr / (n - 2) / sxx).squareRoot()
        #expect(fit["n"] == "18")
        expectClose(expectedNumber(fit["slope"]), b, relative: 1e-9, "slope")
        expectClose(expectedNumber(fit["slope_se"]), se, relative: 1e-9, "se")
        // t(0.95, 16) = 1.7458836762762495 (scipy)
        expectClose(expectedNumber(fit["slope_lower"]), b - 1.7458836762762495 * se, relative: 1e-9, "lower")
    }

    @Test("report: one self-contained HTML file, one SVG per plot, hostile IDs escaped")
    func report() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = """
            subject,time,value,arm
            <script>alert(1)</script>,0,<5,A&B
            <script>alert(1)</script>,7,120,A&B
            <script>alert(1)</script>,14,40,A&B
            <script>alert(1)</script>,28,<5,A&B
            S2,0,<5,C
            S2,7,300,C
            S2,14,90,C
            S2,28,10,C
            """
        try csv.write(to: dir.appendingPathComponent("hostile.csv"), atomically: true, encoding: .utf8)
        let result = try runPKFit(
            ["report", "hostile.csv", "--group", "arm", "--output", "r.html", "--markdown", "r.md"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let html = try String(contentsOf: dir.appendingPathComponent("r.html"), encoding: .utf8)
        let xml = XMLCheck(html)
        #expect(xml.error == nil, "\(xml.error ?? "")")
        #expect(xml.count("script") == 0 && !html.contains("<script>"))
        // two groups → the median profiles of both, one profile panel each, Cmax and AUC0-28 by group
        #expect(xml.count("svg") == 5 && xml.count("figure") == 5)
        #expect(xml.text.contains("AUC0–28d by group") && xml.text.contains("arm A&B (n=1)"))
        // "<5" states its LLOQ, so there is no warning about BLQ markers without one
        #expect(!xml.text.contains("without a known LLOQ"))
        #expect(xml.count("table") >= 4)
        #expect(xml.text.contains("<script>alert(1)</script>") && xml.text.contains("arm A&B"))
        #expect(xml.attributes.allSatisfy { $0["src"] == nil && $0["href"] == nil })
        let markdown = try String(contentsOf: dir.appendingPathComponent("r.md"), encoding: .utf8)
        #expect(markdown.contains("\\<script\\>alert(1)\\</script\\>"))
        for k in 1...5 {
            let svg = try String(contentsOf: dir.appendingPathComponent("r-figure-\(k).svg"), encoding: .utf8)
            #expect(XMLCheck(svg).error == nil)
        }
    }

    @Test("report --fit: fit table and one plot per subject with its fitted curve; BLQ without LLOQ is flagged")
    func reportWithFits() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // noise-free Stein profiles (8 subjects), plus a BLQ row without a stated limit for NF1
        var csv = try fixtureText("data/noise_free_profiles.csv")
        if !csv.hasSuffix("\n") { csv += "\n" }
        csv += "NF1,400,BLQ\n"
        try csv.write(to: dir.appendingPathComponent("nf.csv"), atomically: true, encoding: .utf8)
        let result = try runPKFit(["report", "nf.csv", "--fit", "--model", "stein", "--output", "r.html"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let html = try String(contentsOf: dir.appendingPathComponent("r.html"), encoding: .utf8)
        let xml = XMLCheck(html)
        #expect(xml.error == nil, "\(xml.error ?? "")")
        // one group: its profile panel, Cmax and AUC0-28 by group, and one page of small multiples holding the
        // 8 individual plots (nested SVGs)
        #expect(xml.count("figure") == 4 && xml.count("svg") == 4 + 8)
        #expect(xml.text.contains("Per-subject model fits") && xml.text.contains("t½,α (day)"))
        #expect(html.components(separatedBy: "<svg x=").count - 1 == 8)
        #expect(xml.text.components(separatedBy: " stein").count - 1 >= 8)
        // every individual plot draws its fitted curve (orange), none says it has none
        let fitSection = try #require(html.range(of: ">Model fits</h2>"))
        #expect(html[fitSection.upperBound...].components(separatedBy: "stroke=\"#D55E00\"").count - 1 == 8)
        #expect(!html.contains(": no curve"))
        #expect(xml.text.contains("1 sample is marked BLQ without a known LLOQ") && xml.text.contains("--lloq LLOQ"))
        let bad = try runPKFit(["report", "nf.csv", "--model", "stein", "--output", "r2.html"], in: dir)
        #expect(bad.status == 64 && bad.stderr.contains("--model needs --fit"))
    }

    @Test("bad input: error names the file, non-zero exit, no output file")
    func badInput() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "subject,time,value\nA,0,1\nA,x,2\n".write(
            to: dir.appendingPathComponent("bad.csv"), atomically: true, encoding: .utf8)
        let result = try runPKFit(["report", "bad.csv", "--output", "r.html"], in: dir)
        #expect(result.status != 0)
        #expect(result.stderr.contains("bad.csv:3"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("r.html").path))
        let noDestination = try runPKFit(["report", "bad.csv"], in: dir)
        #expect(noDestination.status == 64)
        let badDose = try runPKFit(["summary", fixtureURL("data/aid_cd7_qpcr.csv").path, "--dose", "COHORT"])
        #expect(badDose.status != 0 && badDose.stderr.contains("0.25x10^8"))
    }

    @Test("table format shows the conventional layout")
    func tableFormat() throws {
        let result = try runPKFit([
            "summary", fixtureURL("data/aid_cd7_qpcr.csv").path, "--group", "COHORT",
            "--lloq", "LLOQ", "--format", "markdown",
        ])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first == "| COHORT | parameter | N | n | statistic | value | note |")
        // readable formats use display names with units; the machine formats keep the column names
        #expect(lines.contains { $0.hasPrefix("| 0.25x10^8 | Tmax (day) | 6 | 6 | median (min–max) | ") })
        #expect(
            lines.contains {
                $0.hasPrefix("| 0.25x10^8 | Cmax (copies/ug) | 6 | 6 | geometric mean (geometric CV%) | ")
            })
        #expect(lines.contains { $0.hasPrefix("| 0.25x10^8 | AUC0–28d,extrap (day·copies/ug) | 6 | 2 | ") })
    }
}
