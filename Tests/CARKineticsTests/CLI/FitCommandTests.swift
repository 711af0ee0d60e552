import Foundation
import Testing

@Suite("pkfit fit end to end")
struct FitCommandTests {
    private func rows(_ csv: String) -> [[String: String]] {
        let lines = csv.split(separator: "\n").map(String.init)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init) else {
            return []
        }
        return lines.dropFirst().map { line in
            // Status texts may be quoted and contain commas; split respecting quotes.
            var cells: [String] = []
            var current = ""
            var quoted = false
            for c in line {
                if c == "\"" {
                    quoted.toggle()
                } else if c == "," && !quoted {
                    cells.append(current)
                    current = ""
                } else {
                    current.append(c)
                }
            }
            cells.append(current)
            return Dictionary(uniqueKeysWithValues: zip(header, cells))
        }
    }

    @Test("stein fits of the flow dataset reach the best known ssr and report counts of rows not used")
    func steinOnFlowData() throws {
        let run = try runPKFit([
            "fit", fixtureURL("data/waiha_cd19bcma_flow.csv").path, "--value", "car_t_cells_per_uL",
            "--group", "responder", "--blq", "drop",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let table = rows(run.stdout)
        let expected = Dictionary(
            uniqueKeysWithValues: try readTable("expected/waiha_cd19bcma_flow_fit.csv").map {
                ($0["subject"] ?? "", $0)
            })
        #expect(table.count == expected.count)
        for row in table {
            guard let id = row["subject"], let truth = expected[id] else {
                Issue.record("unexpected subject")
                continue
            }
            #expect(row["n"] == truth["n"], "\(id) n")
            #expect(row["model"] == "stein")
            if let best = expectedNumber(truth["ssr"]) {
                let ssr = Double(row["ssr"] ?? "") ?? .infinity
                #expect(ssr <= best * (1 + 1e-9), "\(id): \(ssr) vs \(best)")
            } else {
                #expect(row["status"]?.hasPrefix("too few samples") == true, "\(id): \(row["status"] ?? "")")
                #expect(row["cmax"] == "")
            }
        }
        // WA04: 12 rows, 3 quantifiable; the other 9 are BLQ and are counted, not silently dropped.
        let wa04 = table.first { $0["subject"] == "WA04" }
        #expect(wa04?["n_blq_not_used"] == "9")
        #expect(wa04?["responder"] == "no")
    }

    @Test("a formula model is fitted on the log scale and matches the built-in monoexp form")
    func formulaModel() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // C = 800·e^(−0.2 (t − 10)) after a peak at day 10, with small deterministic noise.
        var csv = "subject,time,value\n"
        let noise = [0.0, 0.1, -0.05, 0.08, -0.1, 0.02]
        for (i, t) in [10.0, 14, 21, 28, 42, 60].enumerated() {
            csv += "S1,\(t),\(800 * exp(-0.2 * (t - 10) + noise[i]))\n"
        }
        let file = dir.appendingPathComponent("mono.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        let formula = try runPKFit([
            "fit", file.path, "--formula", "C = c0*exp(-k*(t-10))", "--start", "c0=500", "--start", "k=0.1",
        ])
        let builtIn = try runPKFit(["fit", file.path, "--model", "monoexp"])
        #expect(formula.status == 0, "\(formula.stderr)")
        let f = rows(formula.stdout).first
        let b = rows(builtIn.stdout).first
        let k = Double(f?["k"] ?? "") ?? .nan
        let alpha = Double(b?["alpha"] ?? "") ?? .nan
        #expect(isClose(k, alpha, relative: 1e-8), "k \(k) vs alpha \(alpha)")
        #expect(isClose(Double(f?["ssr"] ?? "") ?? .nan, Double(b?["ssr"] ?? "") ?? .nan, relative: 1e-8))
        #expect(isClose(Double(f?["se_k"] ?? "") ?? .nan, Double(b?["se_alpha"] ?? "") ?? .nan, relative: 1e-5))
    }

    @Test("bad formula and unknown model fail with a message and no output file")
    func badArguments() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("fit.csv")
        let data = fixtureURL("data/noise_free_profiles.csv").path
        let badFormula = try runPKFit([
            "fit", data, "--formula", "C = c0*exp(-k*t", "--start", "c0=1", "--start", "k=1",
            "--output", out.path,
        ])
        #expect(badFormula.status != 0)
        #expect(badFormula.stderr.contains("--formula"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
        let unusedStart = try runPKFit([
            "fit", data, "--formula", "C = c0*exp(-k*t)", "--start", "c0=1", "--start", "k=1",
            "--start", "q=2",
        ])
        #expect(unusedStart.status != 0)
        #expect(unusedStart.stderr.contains("'q'"))
        let missingStart = try runPKFit(["fit", data, "--formula", "C = c0*exp(-k*t)", "--start", "c0=1"])
        #expect(missingStart.status != 0)
        #expect(missingStart.stderr.contains("k"))
        let badModel = try runPKFit(["fit", data, "--model", "quadratic"])
        #expect(badModel.status != 0)
        #expect(badModel.stderr.contains("quadratic"))
    }
}
