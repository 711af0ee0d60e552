import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsNumerics

/// Command-line conventions (issue 13 item 6), end to end on the built `pkfit`.
@Suite struct ConventionsCommandTests {
    static let sample = fixtureURL("data/aid_cd7_qpcr.csv").path

    /// The files a run left in `directory`, sorted.
    static func files(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    @Test func versionIsThePackageVersion() throws {
        let run = try runPKFit(["--version"])
        #expect(run.status == 0)
        #expect(run.stdout == PackageVersion.current + "\n")
    }

    @Test func mistypedSubcommandsGetASuggestion() throws {
        let nac = try runPKFit(["nac", "data.csv"])
        #expect(nac.status == 64)
        #expect(nac.stderr.contains("unknown command 'nac' for 'pkfit'; did you mean 'nca'?"), "\(nac.stderr)")
        #expect(!nac.stderr.contains("unexpected argument"))
        let summray = try runPKFit(["summray"])
        #expect(summray.stderr.contains("did you mean 'summary'?"), "\(summray.stderr)")
        let nested = try runPKFit(["validate", "nits", "dir"])
        #expect(nested.status == 64)
        #expect(nested.stderr.contains("unknown command 'nits' for 'pkfit validate'; did you mean 'nist'?"))
        let far = try runPKFit(["frobnicate"])
        #expect(far.status == 64)
        #expect(far.stderr.contains("the commands are nca, fit, popfit, summary, response, persistence, report"))
        // Options are suggested too (ArgumentParser).
        let option = try runPKFit(["nca", Self.sample, "--grup", "COHORT"])
        #expect(option.status == 64)
        #expect(option.stderr.contains("Did you mean '--group'?"))
    }

    /// `fit --help` and `summary --help` listed `pp` and then rejected it.
    @Test func helpListsOnlyTheFormatsACommandAccepts() throws {
        for command in ["fit", "summary", "response", "persistence", "popfit"] {
            let help = try runPKFit([command, "--help"])
            #expect(help.status == 0)
            let formatHelp = help.stdout.components(separatedBy: "--format").dropFirst().joined()
            #expect(formatHelp.contains("csv, json, table, markdown"), "\(command)")
            #expect(!help.stdout.contains(", pp"), "\(command)")
            let refused = try runPKFit([command, Self.sample, "--format", "pp"])
            #expect(refused.status == 64, "\(command)")
        }
        #expect(try runPKFit(["nca", "--help"]).stdout.contains("csv, json, table, markdown, pp"))
    }

    /// `-` reads standard input, in every format (told by content), and the result is the file's, with
    /// messages and the audit naming `standard input`.
    @Test func dashReadsStandardInput() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (input, extra) in [
            (Self.sample, ["--group", "COHORT"]), (fixtureURL("formats/aid_cd7_qpcr.xpt").path, []),
            (fixtureURL("formats/aid_cd7_qpcr.xlsx").path, ["--sheet", "qPCR", "--header-row", "3"]),
            (fixtureURL("formats/aid_cd7_qpcr.json").path, []),
        ] {
            let fromFile = try runPKFit(["nca", input] + extra)
            #expect(fromFile.status == 0, "\(fromFile.stderr)")
            let fromStandardInput = try runPKFit(
                ["nca", "-"] + extra, in: directory, stdin: try Data(contentsOf: URL(fileURLWithPath: input)))
            #expect(fromStandardInput.status == 0, "\(input): \(fromStandardInput.stderr)")
            #expect(fromStandardInput.stdout == fromFile.stdout, "\(input)")
        }
        // Read twice (the streamed audit re-reads its input): the audit names standard input on every line.
        let audit = directory.appendingPathComponent("audit.csv")
        let audited = try runPKFit(
            ["nca", "-", "--audit", audit.path], stdin: try Data(contentsOf: URL(fileURLWithPath: Self.sample)))
        #expect(audited.status == 0, "\(audited.stderr)")
        let lines = try String(contentsOf: audit, encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(lines.count == 252)
        #expect(lines.allSatisfy { $0.hasPrefix("standard input,") })
        // Errors name it like a file.
        let bad = try runPKFit(["nca", "-"], stdin: Data("subject,time,value\nS1,0,1.2.3\n".utf8))
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("standard input:2: column 'value': \"1.2.3\" is not a number"), "\(bad.stderr)")
        let twice = try runPKFit(["nca", "-", "-"], stdin: Data())
        #expect(twice.status == 64)
        #expect(twice.stderr.contains("'-' (standard input) is given 2 times"))
        // The copy of standard input is gone.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())
        #expect(!leftovers.contains { $0.hasPrefix("pkfit-stdin-") })
    }

    /// `--output -` is standard output, and no file named `-` is ever made; other outputs refuse `-`.
    @Test func dashOutputIsStandardOutput() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = try runPKFit(["nca", Self.sample])
        for format in ["csv", "json", "table", "pp"] {
            let run = try runPKFit(
                ["nca", Self.sample, "--output", "-", "--format", format, "--study", "S"], in: directory)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(!run.stdout.isEmpty)
            if format == "csv" { #expect(run.stdout == plain.stdout) }
        }
        let fit = try runPKFit(["summary", Self.sample, "--output", "-"], in: directory)
        #expect(fit.status == 0 && fit.stdout.hasPrefix("parameter") || fit.stdout.contains("cmax"))
        let report = try runPKFit(["report", Self.sample, "--output", "-"], in: directory)
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.hasPrefix("<!DOCTYPE html>"))
        for flag in ["--audit"] {
            let refused = try runPKFit(["nca", Self.sample, flag, "-"], in: directory)
            #expect(refused.status == 64)
            #expect(refused.stderr.contains("\(flag) '-': only --output can be standard output"))
        }
        let markdown = try runPKFit(["report", Self.sample, "--markdown", "-"], in: directory)
        #expect(markdown.status == 64)
        #expect(try Self.files(in: directory).isEmpty)
    }

    /// Issue 13: `report --markdown` into a missing folder exited 1 after writing the HTML. Every output's
    /// folder is now checked before anything is read, and a failing run leaves no file of any kind.
    @Test func noOutputFileWhenACommandFails() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = try runPKFit(
            ["report", Self.sample, "--output", "r.html", "--markdown", "missing/r.md"], in: directory)
        #expect(report.status == 64)
        #expect(report.stderr.contains("--markdown 'missing/r.md': the folder 'missing' does not exist"))
        for arguments in [
            ["nca", Self.sample, "--output", "nca.csv", "--audit", "missing/a.csv"],
            ["summary", Self.sample, "--audit", "a.csv", "--output", "nope/s.csv"],
            ["fit", Self.sample, "--audit", "a.csv", "--output", "f.csv", "--columns", "subject,nonsense"],
            ["nca", Self.sample, "--audit", "a.csv", "--output", "n.csv", "--columns", "subject,nonsense"],
            ["nca", Self.sample, "--audit", "a.csv", "--output", "n.json", "--format", "json", "--columns", "x"],
            ["persistence", Self.sample, "--individual", "i.csv", "--output", "gone/p.csv"],
        ] {
            let run = try runPKFit(arguments, in: directory)
            #expect(run.status != 0, "\(arguments)")
            #expect(try Self.files(in: directory).isEmpty, "\(arguments)")
        }
    }

    @Test func columnsPicksAnyColumns() throws {
        let csv = try runPKFit(["nca", Self.sample, "--group", "COHORT", "--columns", "subject, auc_0_28,cmax"])
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.first == "subject,auc_0_28,cmax")
        #expect(lines.count == 19)
        #expect(lines[1] == "AID-001,4166.176685964332,764.377")
        let json = try runPKFit(["nca", Self.sample, "--format", "json", "--columns", "subject,cmax"])
        let rows = try #require(try jsonRows(json.stdout))
        #expect(rows.count == 18 && rows.allSatisfy { Set($0.keys) == ["subject", "cmax"] })
        let fit = try runPKFit(["fit", Self.sample, "--columns", "subject,status"])
        #expect(fit.stdout.hasPrefix("subject,status\nAID-001,"))
        let unknown = try runPKFit(["nca", Self.sample, "--columns", "subject,cmx"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("--columns: no column 'cmx'; the columns are subject, cmax, tmax,"))
        for (list, message) in [
            ("", "no column names"), ("a,,b", "name 2 of 3 is empty"), ("cmax,cmax", "'cmax' is given twice"),
        ] {
            let run = try runPKFit(["nca", Self.sample, "--columns", list])
            #expect(run.status == 64, "\(list)")
            #expect(run.stderr.contains("--columns: \(message)"), "\(list): \(run.stderr)")
        }
    }

    /// `--format table` lines were 581 (nca) and 824 (fit) characters wide.
    @Test func readableTablesFitATerminal() throws {
        for arguments in [
            ["nca", Self.sample, "--group", "COHORT", "--format", "table"],
            ["fit", fixtureURL("data/noise_free_profiles.csv").path, "--format", "table"],
        ] {
            let run = try runPKFit(arguments)
            #expect(run.status == 0, "\(run.stderr)")
            let widest = run.stdout.split(separator: "\n").map(\.count).max() ?? 0
            #expect(widest <= 120, "\(arguments[0]): \(widest) characters")
            #expect(widest > 60)
        }
        // --columns overrides the default set.
        let chosen = try runPKFit(["nca", Self.sample, "--format", "table", "--columns", "subject,lambda_z"])
        #expect(chosen.stdout.hasPrefix("Subject  λz"), "\(chosen.stdout.prefix(80))")
    }

    /// Every JSON output states what made it, streamed or not.
    @Test func jsonOutputsCarryTheVersion() throws {
        let expected =
            "{\"generator\": {\"name\": \"CARKinetics\", \"version\": \"\(PackageVersion.current)\"}, \"schema\": "
        for arguments in [
            ["nca", Self.sample, "--format", "json"], ["nca", Self.sample, "--format", "json", "--csv-safe"],
            ["fit", Self.sample, "--format", "json", "--model", "monoexp"],
            ["summary", Self.sample, "--format", "json"],
        ] {
            let run = try runPKFit(arguments)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.hasPrefix(expected), "\(arguments)")
        }
    }
}
