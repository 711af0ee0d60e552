import Foundation
import Testing

/// `pkfit fit` and `pkfit report --fit` with BLQ samples: `--blq m3|drop` and the default chosen by the data.
@Suite("pkfit fit --blq end to end")
struct FitBLQCommandTests {
    /// Two Stein subjects (one with a censored persistence phase and an early BLQ sample) and a pre-infusion
    /// BLQ row that must never be censored. `lloqColumn` adds an LLOQ column; otherwise BLQ cells are
    /// `BLQ` (no limit) or `<x` (`limitInCells`).
    private func write(in dir: URL, lloqColumn: Bool, limitInCells: Bool = false) throws -> URL {
        var csv = lloqColumn ? "subject,time,value,lloq\n" : "subject,time,value\n"
        let truth: [(String, [Double])] = [
            ("S1", [20_000, 9, 0.8, 0.22, 0.01, 0.05]), ("S2", [30_000, 11, 0.7, 0.3, 0.015, 0.08]),
        ]
        let times = [-2.0, 1, 3, 5, 7, 10, 14, 21, 28, 42, 56, 90, 120, 180, 270, 360]
        for (s, (id, p)) in truth.enumerated() {
            for (i, t) in times.enumerated() {
                let level: Double
                if t < 0 {
                    level = 0
                } else if t <= p[1] {
                    level = p[0] * exp(p[2] * (t - p[1]))
                } else {
                    let tau = t - p[1]
                    level = p[0] * ((1 - p[5]) * exp(-p[3] * tau) + p[5] * exp(-p[4] * tau))
                }
                let noisy = level * exp(0.25 * sin(Double(i * 7 + s * 3)))
                let cell: String
                if noisy < 300 {
                    cell = limitInCells ? "<300" : "BLQ"
                } else {
                    cell = "\(noisy)"
                }
                csv += "\(id),\(t),\(cell)" + (lloqColumn ? ",300\n" : "\n")
            }
        }
        let file = dir.appendingPathComponent(lloqColumn ? "blq_lloq.csv" : (limitInCells ? "blq_lt.csv" : "blq.csv"))
        try csv.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    private func table(_ csv: String) -> [[String: String]] {
        let lines = csv.split(separator: "\n").map(String.init)
        guard let header = lines.first.map(splitCSVLine) else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, splitCSVLine($0))) }
    }

    @Test("with an LLOQ the default is M3: BLQ rows at t >= 0 censored, the pre-infusion row never")
    func defaultM3() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try write(in: dir, lloqColumn: true)
        let byDefault = try runPKFit(["fit", file.path, "--lloq", "lloq"])
        #expect(byDefault.status == 0, "\(byDefault.stderr)")
        let explicit = try runPKFit(["fit", file.path, "--lloq", "lloq", "--blq", "m3"])
        #expect(explicit.stdout == byDefault.stdout)
        let rows = table(byDefault.stdout)
        #expect(rows.count == 2)
        for row in rows {
            #expect(row["blq_method"] == "m3")
            let used = Int(row["n_blq_used"] ?? "") ?? -1
            let notUsed = Int(row["n_blq_not_used"] ?? "") ?? -1
            let n = Int(row["n"] ?? "") ?? -1
            // 16 rows: one pre-infusion (BLQ, never censored), the rest quantified or censored.
            #expect(used > 0 && notUsed == 0 && n + used == 15, "\(row)")
            #expect(row["n_preinfusion_not_used"] == "1")
            let m2ll = Double(row["minus2ll"] ?? "") ?? .nan
            let aic = Double(row["aic"] ?? "") ?? .nan
            #expect(abs(aic - (m2ll + 14)) <= 1e-9 * abs(aic), "AIC = -2 ln L + 2(6 + 1)")
            #expect(Double(row["sigma"] ?? "") ?? 0 > 0)
        }
        // The audit says which rows were censored.
        let audit = dir.appendingPathComponent("audit.csv")
        let audited = try runPKFit([
            "fit", file.path, "--lloq", "lloq", "--audit", audit.path, "--output",
            dir.appendingPathComponent("fit.csv").path,
        ])
        #expect(audited.status == 0, "\(audited.stderr)")
        let text = try String(contentsOf: audit, encoding: .utf8)
        let censoredLines = text.split(separator: "\n").filter { $0.contains("censored at the LLOQ (M3)") }
        let expected = rows.reduce(0) { $0 + (Int($1["n_blq_used"] ?? "") ?? 0) }
        #expect(censoredLines.count == expected)
        #expect(!text.split(separator: "\n").contains { $0.contains(",-2,") && $0.contains("M3") })
    }

    @Test("--blq drop is the least-squares fit: BLQ rows counted as not used, minus2ll = n ln(2π ssr/n) + n")
    func drop() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try write(in: dir, lloqColumn: true)
        let run = try runPKFit(["fit", file.path, "--lloq", "lloq", "--blq", "drop"])
        #expect(run.status == 0, "\(run.stderr)")
        for row in table(run.stdout) {
            #expect(row["blq_method"] == "drop")
            #expect(row["n_blq_used"] == "0")
            let n = Double(row["n"] ?? "") ?? .nan
            let ssr = Double(row["ssr"] ?? "") ?? .nan
            let m2ll = Double(row["minus2ll"] ?? "") ?? .nan
            #expect(abs(m2ll - (n * log(2 * Double.pi * ssr / n) + n)) <= 1e-9 * max(1, abs(m2ll)))
            #expect(abs((Double(row["sigma"] ?? "") ?? .nan) - (ssr / n).squareRoot()) <= 1e-12)
            #expect((Int(row["n_blq_not_used"] ?? "") ?? 0) + Int(n) == 15)
        }
    }

    @Test("without a limit the default drops BLQ samples and says why on stderr; <x cells give M3")
    func defaultDrop() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let plain = try write(in: dir, lloqColumn: false)
        let run = try runPKFit(["fit", plain.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(table(run.stdout).allSatisfy { $0["blq_method"] == "drop" })
        #expect(run.stderr.contains("BLQ samples dropped") && run.stderr.contains("blq.csv:3"), "\(run.stderr)")
        let lessThan = try write(in: dir, lloqColumn: false, limitInCells: true)
        let m3 = try runPKFit(["fit", lessThan.path])
        #expect(m3.status == 0, "\(m3.stderr)")
        #expect(table(m3.stdout).allSatisfy { $0["blq_method"] == "m3" && $0["n_blq_used"] != "0" })
        // The same limits given by a number: the same fits.
        let number = try runPKFit(["fit", plain.path, "--lloq", "300"])
        #expect(table(number.stdout).map { $0["minus2ll"] } == table(m3.stdout).map { $0["minus2ll"] })
    }

    @Test("bad --blq use: unknown value, m3 without a limit (file:line, nothing written), m3 with --formula")
    func badOptions() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let plain = try write(in: dir, lloqColumn: false)
        let unknown = try runPKFit(["fit", plain.path, "--blq", "m4"])
        #expect(unknown.status == 64, "\(unknown.stderr)")
        #expect(unknown.stderr.contains("--blq"))
        let output = dir.appendingPathComponent("out.csv")
        let noLimit = try runPKFit(["fit", plain.path, "--blq", "m3", "--output", output.path])
        #expect(noLimit.status == 1)
        #expect(noLimit.stderr.contains("blq.csv:3") && noLimit.stderr.contains("no LLOQ"), "\(noLimit.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
        let formula = try runPKFit([
            "fit", plain.path, "--formula", "C = a*exp(-k*t)", "--start", "a=1000", "--start", "k=0.1", "--blq", "m3",
        ])
        #expect(formula.status == 64 && formula.stderr.contains("--formula"), "\(formula.stderr)")
        let report = try runPKFit([
            "report", plain.path, "--blq", "m3", "--output", dir.appendingPathComponent("r.html").path,
        ])
        #expect(report.status == 64 && report.stderr.contains("--blq needs --fit"), "\(report.stderr)")
        let reportNoLimit = try runPKFit([
            "report", plain.path, "--fit", "--blq", "m3", "--output", dir.appendingPathComponent("r.html").path,
        ])
        #expect(reportNoLimit.status == 1 && reportNoLimit.stderr.contains("no LLOQ"), "\(reportNoLimit.stderr)")
    }

    @Test("report --fit shows the M3 columns and says the BLQ samples were censored")
    func report() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try write(in: dir, lloqColumn: true)
        let html = dir.appendingPathComponent("r.html")
        let run = try runPKFit([
            "report", file.path, "--lloq", "lloq", "--fit", "--model", "stein", "--output", html.path,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let text = try String(contentsOf: html, encoding: .utf8)
        #expect(text.contains("M3, 10 BLQ samples used") && text.contains("−2 ln L") && text.contains("BLQ method"))
    }
}
