import Foundation
import Testing

@Suite("pkfit report --popfit end to end")
struct PopulationReportCommandTests {
    static let theoph = [
        "report", fixtureURL("population/theoph.csv").path, "--popfit",
        "--formula", "C = Dose*exp(lKe+lKa-lCl)*(exp(-exp(lKe)*t)-exp(-exp(lKa)*t))/(exp(lKa)-exp(lKe))",
        "--start", "lKe=-2.5", "--start", "lKa=0.5", "--start", "lCl=-3", "--random", "lKa,lCl", "--starts", "1",
    ]

    @Test("Theoph: the section with its estimates and figures, HTML and Markdown, no NaN")
    func theophSection() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let html = directory.appendingPathComponent("r.html")
        let markdown = directory.appendingPathComponent("r.md")
        let run = try runPKFit(Self.theoph + ["--output", html.path, "--markdown", markdown.path])
        #expect(run.status == 0, "\(run.stderr)")
        let text = try String(contentsOf: html, encoding: .utf8)
        for heading in ["Population model", "Goodness of fit", "Individual fits", "Visual predictive check"] {
            #expect(text.contains(">\(heading)</h"), "\(heading)")
        }
        // The section comes before the appendix.
        let section = try #require(text.range(of: ">Population model</h2>"))
        let appendix = try #require(text.range(of: ">Appendix: per-subject results</h2>"))
        #expect(section.lowerBound < appendix.lowerBound)
        for title in [
            "Observed vs PRED", "Observed vs IPRED", "CWRES vs time", "CWRES vs PRED",
            "Visual predictive check (200 simulated data sets)", "Individual profiles 1 to 12",
        ] {
            #expect(text.contains(title), "\(title)")
        }
        // Estimates as popfit writes them (Theoph's exact-ML values, docs/population.md).
        #expect(text.contains(">tv_lKa<") && text.contains(">omega_lCl<") && text.contains(">minus2ll<"))
        #expect(text.contains("random effects on lKa, lCl"))
        // No BLQ in Theoph: no fraction-below panel.
        #expect(!text.contains("Fraction below the LLOQ"))
        #expect(!text.lowercased().contains("nan"), "NaN in the report")
        #expect(!text.contains("inf<") && !text.contains(">inf"))
        let md = try String(contentsOf: markdown, encoding: .utf8)
        #expect(md.contains("## Population model"))
        #expect(!md.lowercased().contains("nan"))
    }

    @Test("The report's --popfit takes popfit's --block and --se (one shared run of the options)")
    func blockAndSandwich() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let html = directory.appendingPathComponent("r.html")
        let run = try runPKFit(
            Self.theoph + ["--block", "lKa,lCl", "--se", "sandwich", "--output", html.path])
        #expect(run.status == 0, "\(run.stderr)")
        let text = try String(contentsOf: html, encoding: .utf8)
        #expect(text.contains(">corr_lKa_lCl<"))
        #expect(text.contains("standard errors: sandwich"), "the notes name the sandwich")
        let block = try runPKFit(Self.theoph + ["--block", "lKa,lKe", "--output", html.path])
        #expect(block.status != 0 && block.stderr.contains("lKe"), "\(block.stderr)")
    }

    @Test("Options popfit refuses, or that need --popfit, exit non-zero and write nothing")
    func errors() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let html = directory.appendingPathComponent("r.html").path
        let theophFile = fixtureURL("population/theoph.csv").path
        let monoexp = try runPKFit(["report", theophFile, "--popfit", "--model", "monoexp", "--output", html])
        #expect(monoexp.status == 64, "\(monoexp.stderr)")
        #expect(monoexp.stderr.contains("--popfit offers stein or expansion-monoexp"), "\(monoexp.stderr)")
        let without = try runPKFit(["report", theophFile, "--random", "lKa", "--output", html])
        #expect(without.status == 64)
        #expect(without.stderr.contains("need --popfit"), "\(without.stderr)")
        let column = try runPKFit(Self.theoph + ["--covariate", "lCl ~ weight", "--output", html])
        #expect(column.status == 1, "\(column.stderr)")
        #expect(column.stderr.contains("weight"), "\(column.stderr)")
        // Zeros under log-additive error with no limit: the Stein model cannot be estimated on Theoph.
        let stein = try runPKFit(["report", theophFile, "--popfit", "--output", html])
        #expect(stein.status == 1)
        #expect(stein.stderr.contains("cannot be estimated"), "\(stein.stderr)")
        #expect(!FileManager.default.fileExists(atPath: html))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }
}
