import Foundation
import Testing

/// `pkfit popfit --block`: a full covariance block in Ω, end to end.
@Suite("pkfit popfit --block end to end")
struct PopFitBlockCommandTests {
    static let theoph = fixtureURL("population/theoph.csv").path
    static let formula = "C = Dose*exp(lKe+lKa-lCl)*(exp(-exp(lKe)*t)-exp(-exp(lKa)*t))/(exp(lKa)-exp(lKe))"
    static let arguments = [
        "popfit", theoph, "--formula", formula, "--start", "lKe=-2.5", "--start", "lKa=0.5", "--start", "lCl=-3",
        "--starts", "1",
    ]

    /// name → cells after the name, from CSV lines without quoted commas in the numeric rows.
    private func rows(_ csv: String) -> [(String, [String])] {
        csv.split(separator: "\n").dropFirst().map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return (cells[0], Array(cells.dropFirst()))
        }
    }

    @Test("Theoph with --block lKa,lCl: a corr row with its SE and Fisher-z limits; JSON has the same")
    func theophBlock() throws {
        let run = try runPKFit(Self.arguments + ["--random", "lKa,lCl", "--block", "lKa,lCl"])
        #expect(run.status == 0, "\(run.stderr)")
        let table = rows(run.stdout)
        #expect(
            Array(table.prefix(8).map(\.0)) == [
                "tv_lKe", "tv_lKa", "tv_lCl", "omega_lKa", "omega_lCl", "corr_lKa_lCl", "sigma", "minus2ll",
            ])
        let values = Dictionary(table.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        func number(_ name: String, _ column: Int = 0) -> Double { Double(values[name]?[column] ?? "") ?? .nan }
        // The exact ML optimum with the block (TheophBlockReference).
        #expect(abs(number("corr_lKa_lCl") - -0.011875) <= 0.05)
        #expect(abs(number("minus2ll") - 355.478312) <= 0.5)
        // Seven estimated quantities: AIC = -2 ln L + 14.
        #expect(abs(number("aic") - number("minus2ll") - 14) <= 1e-9)
        let rho = number("corr_lKa_lCl")
        let se = number("corr_lKa_lCl", 1)
        #expect(se > 0.1 && se < 1)
        let z = atanh(rho)
        let width = 1.959963984540054 * se / (1 - rho * rho)
        #expect(abs(number("corr_lKa_lCl", 3) - tanh(z - width)) <= 1e-12)
        #expect(abs(number("corr_lKa_lCl", 4) - tanh(z + width)) <= 1e-12)
        #expect(values["status"]?[0].hasPrefix("converged") == true)

        let json = try runPKFit(Self.arguments + ["--random", "lKa,lCl", "--block", "lKa,lCl", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.stdout.contains("\"corr_lKa_lCl\""))
    }

    @Test("--block errors: unknown parameter, a block of one, a parameter without eta, a name in two blocks")
    func blockErrors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("popblock-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out.csv").path
        let cases: [([String], String)] = [
            (
                ["--random", "lKa,lCl", "--block", "lKa,foo"],
                "popfit: cannot be estimated: --block names 'foo', which is not a model parameter (lKe, lKa, lCl)"
            ),
            (
                ["--random", "lKa,lCl", "--block", "lKa"],
                "--block 'lKa': a block needs two or more random parameters separated by commas, e.g. lKa,lCl"
            ),
            (
                ["--random", "lKa,lCl", "--block", "lKe,lKa"],
                "popfit: cannot be estimated: --block names 'lKe', which has no random effect (random: lKa, lCl); add it to --random to correlate it"
            ),
            (
                ["--random", "lKe,lKa,lCl", "--block", "lKa,lCl", "--block", "lCl,lKe"],
                "popfit: cannot be estimated: 'lCl' is listed in more than one --block (or twice in one)"
            ),
            (
                ["--random", "lKa,lCl", "--block", "lKa,,lCl"],
                "--block 'lKa,,lCl': expected parameter names separated by commas"
            ),
        ]
        for (extra, message) in cases {
            let run = try runPKFit(Self.arguments + extra + ["--output", output])
            #expect(run.status == 1, "\(extra): \(run.stderr)")
            #expect(run.stderr.contains(message), "\(extra): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output))
        }
    }
}
