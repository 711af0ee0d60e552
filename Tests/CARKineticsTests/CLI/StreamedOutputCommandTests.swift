import Foundation
import Testing

/// `pkfit nca --format json` and `--format pp` stream unless `--audit` is given, which takes the table path:
/// both must write the same bytes, and an input error must leave nothing behind.
@Suite struct StreamedOutputCommandTests {
    @Test(arguments: ["json", "pp"])
    func streamedOutputIsTheTablePathsOutput(format: String) throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let files =
            [fixtureURL("data/aid_cd7_qpcr.csv").path, fixtureURL("valid/blq_spellings.csv").path]
            + (format == "pp" ? ["--study", "S"] : [])
        let streamed = try runPKFit(["nca"] + files + ["--format", format, "--skip-invalid"])
        let audited = try runPKFit(
            ["nca"] + files + ["--format", format, "--skip-invalid", "--audit", "audit.csv"], in: directory)
        #expect(streamed.status == 0 && audited.status == 0, "\(streamed.stderr) \(audited.stderr)")
        #expect(streamed.stdout.utf8.count > 10_000)
        #expect(streamed.stdout == audited.stdout)
        let out = directory.appendingPathComponent("out.\(format)")
        let written = try runPKFit(["nca"] + files + ["--format", format, "--output", out.path])
        #expect(written.status == 0 && written.stdout.isEmpty)
        #expect(try Data(contentsOf: out) == Data(streamed.stdout.utf8))
    }

    /// The second file is bad: nothing of the first may reach the output file or standard output.
    @Test(arguments: ["json", "pp"])
    func anInputErrorWritesNothing(format: String) throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("bad.csv")
        try "subject,time,value\nA,0,1\nA,1,2\nA,2,3\nA,3,1.2.3\n".write(to: bad, atomically: true, encoding: .utf8)
        let good = fixtureURL("data/noise_free_profiles.csv").path
        let out = directory.appendingPathComponent("out")
        let study = format == "pp" ? ["--study", "S"] : []
        let toFile = try runPKFit(
            ["nca", good, "bad.csv", "--format", format, "--output", out.path] + study, in: directory)
        #expect(toFile.status != 0)
        #expect(toFile.stderr.contains("bad.csv:5: column 'value': \"1.2.3\" is not a number"), "\(toFile.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["bad.csv"])
        let toStdout = try runPKFit(["nca", good, "bad.csv", "--format", format] + study, in: directory)
        #expect(toStdout.status != 0 && toStdout.stdout.isEmpty)
    }
}
