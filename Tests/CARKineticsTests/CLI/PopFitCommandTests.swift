import Foundation
import Testing

@Suite("pkfit popfit end to end")
struct PopFitCommandTests {
    static let theophArguments = [
        "popfit", fixtureURL("population/theoph.csv").path,
        "--formula", "C = Dose*exp(lKe+lKa-lCl)*(exp(-exp(lKe)*t)-exp(-exp(lKa)*t))/(exp(lKa)-exp(lKe))",
        "--start", "lKe=-2.5", "--start", "lKa=0.5", "--start", "lCl=-3", "--random", "lKa,lCl", "--starts", "1",
    ]

    private func table(_ csv: String) -> [String: [String]] {
        var rows: [String: [String]] = [:]
        for line in csv.split(separator: "\n").dropFirst() {
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
            if let name = cells.first { rows[name] = Array(cells.dropFirst()) }
        }
        return rows
    }

    @Test("Theoph: estimates, -2 ln L and the per-subject file")
    func theoph() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("popfit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let individual = directory.appendingPathComponent("individual.csv")
        let run = try runPKFit(Self.theophArguments + ["--individual", individual.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("parameter,estimate,se,rse_percent,lower95,upper95\n"))
        let rows = table(run.stdout)
        let names = run.stdout.split(separator: "\n").dropFirst().compactMap {
            $0.split(separator: ",").first.map(String.init)
        }
        #expect(
            Array(names.prefix(12)) == [
                "tv_lKe", "tv_lKa", "tv_lCl", "omega_lKa", "omega_lCl", "sigma", "minus2ll", "aic",
                "bic", "n_subjects", "n_observations", "n_blq",
            ])
        func number(_ name: String, _ column: Int = 0) -> Double { Double(rows[name]?[column] ?? "") ?? .nan }
        #expect(abs(number("tv_lKa") - 0.480864) <= 0.03)
        #expect(abs(number("minus2ll") - 355.479788) <= 0.5)
        #expect(abs(number("aic") - number("minus2ll") - 12) <= 1e-9)
        #expect(abs(number("bic") - number("minus2ll") - 6 * log(132.0)) <= 1e-9)
        #expect(rows["n_subjects"]?[0] == "12" && rows["n_observations"]?[0] == "132" && rows["n_blq"]?[0] == "0")
        // RSE% = 100·SE/|estimate|, and the interval of a log-scale SD is exp(ln ω ± 1.96·SE/ω).
        #expect(abs(number("omega_lCl", 2) - 100 * number("omega_lCl", 1) / number("omega_lCl")) <= 1e-9)
        let omega = number("omega_lCl")
        let se = number("omega_lCl", 1)
        #expect(abs(number("omega_lCl", 3) - omega * exp(-1.959963984540054 * se / omega)) <= 1e-9)
        #expect(rows["status"]?[0].hasPrefix("converged") == true)
        let perSubject = try String(contentsOf: individual, encoding: .utf8).split(separator: "\n")
        #expect(
            perSubject.first
                == "subject,eta_lKa,eta_lCl,lKe,lKa,lCl,model_cmax,model_tmax,model_auc_0_28,model_auc_0_90,n_used,n_censored,n_blq_dropped,n_missing,n_preinfusion"
        )
        #expect(perSubject.count == 13)
        #expect(perSubject.dropFirst().allSatisfy { $0.hasSuffix(",11,0,0,0,0") })
    }

    @Test("--se sandwich: robust SEs, named in the notes; an unknown --se is refused")
    func sandwich() throws {
        let hessian = try runPKFit(Self.theophArguments)
        let sandwich = try runPKFit(Self.theophArguments + ["--se", "sandwich"])
        #expect(hessian.status == 0 && sandwich.status == 0, "\(sandwich.stderr)")
        let (h, s) = (table(hessian.stdout), table(sandwich.stdout))
        #expect(h["notes"]?[0].contains("standard errors: Hessian of the adaptive Gauss-Hermite") == true)
        #expect(s["notes"]?[0].contains("standard errors: sandwich") == true, "\(s["notes"] ?? [])")
        for name in ["tv_lKe", "tv_lKa", "tv_lCl", "omega_lKa", "omega_lCl", "sigma"] {
            // Same estimates; a different, positive SE (12 subjects: the two estimators differ visibly).
            #expect(h[name]?[0] == s[name]?[0])
            let (hs, ss) = (Double(h[name]?[1] ?? "") ?? .nan, Double(s[name]?[1] ?? "") ?? .nan)
            #expect(ss > 0 && ss != hs, "\(name): Hessian \(hs), sandwich \(ss)")
        }
        let bad = try runPKFit(Self.theophArguments + ["--se", "robust"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--se"), "\(bad.stderr)")
    }

    @Test("errors say why the model cannot be estimated, exit non-zero and write nothing")
    func errors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("popfit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out.csv").path
        let individual = directory.appendingPathComponent("ind.csv").path
        let theoph = fixtureURL("population/theoph.csv").path
        // Zeros under log-additive error are BLQ, and there is no limit to censor them at.
        let zeros = try runPKFit(["popfit", theoph, "--output", output, "--individual", individual])
        #expect(zeros.status == 1)
        #expect(
            zeros.stderr.contains(
                "cannot be estimated: subject '2' line 13: below the limit (or 0 under log-additive error) but no LLOQ is known; give --lloq, or --blq drop"
            ), "\(zeros.stderr)")
        let random = try runPKFit(["popfit", theoph, "--blq", "drop", "--random", "cmax,foo", "--output", output])
        #expect(random.status == 1)
        #expect(
            random.stderr.contains(
                "cannot be estimated: --random names 'foo', which is not a model parameter (cmax, tmax, rho, alpha, beta, fb)"
            ), "\(random.stderr)")
        let malformed = try runPKFit(Self.theophArguments + ["--covariate", "lCl = Wt"])
        #expect(malformed.status == 1)
        #expect(malformed.stderr.contains("--covariate 'lCl = Wt': expected \"parameter ~ COLUMN\""))
        let missingColumn = try runPKFit(Self.theophArguments + ["--covariate", "lCl ~ weight"])
        #expect(missingColumn.status == 1)
        #expect(missingColumn.stderr.contains("no column named 'weight'"), "\(missingColumn.stderr)")
        // Never overwrite an input.
        let before = try Data(contentsOf: URL(fileURLWithPath: theoph))
        let overwrite = try runPKFit(Self.theophArguments + ["--individual", theoph])
        #expect(overwrite.status == 64)
        #expect(overwrite.stderr.contains("--individual '\(theoph)' is the input file"), "\(overwrite.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: theoph)) == before)
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect(!FileManager.default.fileExists(atPath: individual))
    }
}
