import Foundation
import Testing

@testable import CARKineticsData

/// SUPPPP from the command line: where it goes (beside the PP file, or `--supp`), in the PP output's format,
/// committed with PP or not at all, never over an input (docs/pp-output.md, "SUPPPP").
@Suite struct PPSupplementCommandTests {
    static let cohort = fixtureURL("pp/cohort.csv").path
    static let points = fixtureURL("pp/lambda_z_points.csv").path
    static let options = ["--format", "pp", "--lambda-z-points", points, "--interval", "0,28"]

    func names(_ directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    @Test func besideThePPFileInItsFormat() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (output, supplement) in [
            ("pp.csv", "supppp.csv"), ("PP.XPT", "SUPPPP.XPT"), ("run1.json", "supprun1.json"),
        ] {
            let run = try runPKFit(["nca", Self.cohort, "--output", output] + Self.options, in: directory)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(try names(directory).contains(supplement), "\(output)")
            #expect(!run.stderr.contains("SUPPPP"), "nothing to note when SUPPPP is written")
        }
        let csv = try String(contentsOf: directory.appendingPathComponent("supppp.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("STUDYID,RDOMAIN,USUBJID,IDVAR,IDVARVAL,QNAM,QLABEL,QVAL,QORIG,QEVAL\n"))
        #expect(csv.contains(",PP,S-003,PPSEQ,8,PPEXCLBY,Excluded by Acceptance Criteria,r2<0.9,DERIVED,\n"))
        let xpt = try XPTFile(
            bytes: [UInt8](Data(contentsOf: directory.appendingPathComponent("SUPPPP.XPT"))), file: "s")
        #expect(
            xpt.datasets.first?.name == "SUPPPP"
                && xpt.datasets.first?.rows.count == csv.split(separator: "\n").count - 1)
        // --csv-safe builds the table whole: the same PP and SUPPPP as the stream when no cell needs quoting.
        let safe = try runPKFit(
            ["nca", Self.cohort, "--output", "safe.csv", "--csv-safe"] + Self.options, in: directory)
        #expect(safe.status == 0, "\(safe.stderr)")
        #expect(
            try Data(contentsOf: directory.appendingPathComponent("safe.csv"))
                == Data(contentsOf: directory.appendingPathComponent("pp.csv")))
        #expect(
            try Data(contentsOf: directory.appendingPathComponent("suppsafe.csv"))
                == Data(contentsOf: directory.appendingPathComponent("supppp.csv")))
    }

    @Test func withoutQualifiersAnEmptySUPPPPStillReplacesAStaleOne() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "stale".write(to: directory.appendingPathComponent("supppp.csv"), atomically: true, encoding: .utf8)
        let run = try runPKFit(["nca", Self.cohort, "--format", "pp", "--output", "pp.csv"], in: directory)
        #expect(run.status == 0, "\(run.stderr)")
        // S-003's λz is still excluded by R² (default criteria): records; an input without exclusions has none.
        let quiet = directory.appendingPathComponent("one.csv")
        try "STUDYID,USUBJID,AFRLT,AVAL\nS,A,0,0\nS,A,1,8\nS,A,2,4\nS,A,4,1\n".write(
            to: quiet, atomically: true, encoding: .utf8)
        let none = try runPKFit(["nca", "one.csv", "--format", "pp", "--output", "pp.csv"], in: directory)
        #expect(none.status == 0, "\(none.stderr)")
        #expect(
            try String(contentsOf: directory.appendingPathComponent("supppp.csv"), encoding: .utf8)
                == "STUDYID,RDOMAIN,USUBJID,IDVAR,IDVARVAL,QNAM,QLABEL,QVAL,QORIG,QEVAL\n")
    }

    @Test func onStandardOutputSUPPPPNeedsSupp() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try runPKFit(["nca", Self.cohort] + Self.options, in: directory)
        #expect(run.status == 0)
        #expect(run.stderr.contains("pkfit: 23 SUPPPP records (PPEXCLBY, LAMZNOTE) not written: give --supp PATH"))
        #expect(try names(directory).isEmpty)
        let given = try runPKFit(["nca", Self.cohort, "--supp", "q.csv"] + Self.options, in: directory)
        #expect(given.status == 0 && given.stdout == run.stdout)
        #expect(try names(directory) == ["q.csv"])
    }

    @Test func refusedBeforeAnythingIsWritten() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The default SUPPPP path is an input: refused up front, not overwritten.
        let input = directory.appendingPathComponent("suppdata.csv")
        try Data(contentsOf: URL(fileURLWithPath: Self.cohort)).write(to: input)
        let onInput = try runPKFit(["nca", "suppdata.csv", "--format", "pp", "--output", "data.csv"], in: directory)
        #expect(onInput.status == 64, "\(onInput.stderr)")
        #expect(
            onInput.stderr.contains("SUPPPP (beside --output) 'suppdata.csv' is the input file"), "\(onInput.stderr)")
        #expect(try names(directory) == ["suppdata.csv"])
        // --supp onto the PP file itself, in another format, or without PP.
        for (arguments, message) in [
            (["--output", "pp.csv", "--supp", "pp.csv"], "is the same file as"),
            (["--output", "pp.xpt", "--supp", "s.csv"], "SAS transport (.xpt); give it that extension"),
            (["--supp", "s.xpt"], "in the PP output's format, CSV"),
            (["--supp", "-"], "--supp '-'"),
        ] {
            let run = try runPKFit(["nca", "suppdata.csv", "--format", "pp"] + arguments, in: directory)
            #expect(run.status == 64 && run.stderr.contains(message), "\(arguments): \(run.stderr)")
        }
        let notPP = try runPKFit(["nca", "suppdata.csv", "--supp", "s.csv"], in: directory)
        #expect(notPP.status == 64 && notPP.stderr.contains("--supp is the SUPPPP of --format pp"), "\(notPP.stderr)")
        // A dataset that cannot be made (no STUDYID) writes neither file.
        let noStudy = directory.appendingPathComponent("nostudy.csv")
        try "USUBJID,AFRLT,AVAL\nA,0,0\nA,1,8\n".write(to: noStudy, atomically: true, encoding: .utf8)
        for output in ["pp.csv", "pp.xpt"] {
            let run = try runPKFit(["nca", "nostudy.csv", "--format", "pp", "--output", output], in: directory)
            #expect(run.status == 1 && run.stderr.contains("STUDYID is required"), "\(run.stderr)")
        }
        #expect(try names(directory) == ["nostudy.csv", "suppdata.csv"])
    }

    @Test func nonASCIIIdentifiersAreRefusedAndOurTextIsSpelled() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "STUDYID,USUBJID,AFRLT,AVAL\nS,Zoë,0,0\nS,Zoë,1,8\n".write(
            to: directory.appendingPathComponent("a.csv"), atomically: true, encoding: .utf8)
        let run = try runPKFit(["nca", "a.csv", "--format", "pp", "--output", "pp.csv"], in: directory)
        #expect(run.status == 1 && run.stderr.contains("USUBJID 'Zoë' is not ASCII"), "\(run.stderr)")
        #expect(try names(directory) == ["a.csv"])
        // Our reasons are spelled in ASCII: "λz is not estimable" becomes "lambda z is not estimable".
        try "STUDYID,USUBJID,AFRLT,AVAL\nS,A,0,0\nS,A,1,8\nS,A,2,4\n".write(
            to: directory.appendingPathComponent("b.csv"), atomically: true, encoding: .utf8)
        let short = try runPKFit(["nca", "b.csv", "--format", "pp"], in: directory)
        #expect(short.status == 0 && short.stdout.utf8.allSatisfy { $0 < 0x80 } && !short.stdout.contains("λ"))
        #expect(short.stdout.contains("lambda z is not estimable"), "\(short.stdout.prefix(2000))")
    }
}
