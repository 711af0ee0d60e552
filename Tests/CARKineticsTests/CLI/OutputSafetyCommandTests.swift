import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Issue 11, file safety and traps, end to end through the built `pkfit` (docs/robustness.md, "Output
/// files"). Special files are made in a temporary directory: a character device with `mknod` when the tests
/// run as root, a FIFO otherwise; the real /dev/null is never written.
@Suite struct OutputSafetyCommandTests {
    static let data = "subject,time,value\nA,0,1\nA,1,5\nA,2,3\nA,4,1\nB,0,2\nB,1,6\nB,3,2\n"

    /// A temporary directory holding `d.csv`.
    func workspace() throws -> URL {
        let directory = try makeTemporaryDirectory()
        try Self.data.write(to: directory.appendingPathComponent("d.csv"), atomically: false, encoding: .utf8)
        return directory
    }

    func names(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    func fileType(_ path: String) -> mode_t {
        var status = stat()
        guard lstat(path, &status) == 0 else { return 0 }
        return status.st_mode & S_IFMT
    }

    var isRoot: Bool { geteuid() == 0 }

    // MARK: 1. what is at --output decides how it is written

    @Test func characterDeviceOrFIFOIsWrittenInPlace() throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let special = directory.appendingPathComponent("sink").path
        var received = Data()
        let reader: Thread?
        let done = DispatchSemaphore(value: 0)
        if isRoot {
            #expect(mknod(special, S_IFCHR | 0o666, makedev(1, 3)) == 0, "mknod a null device")
            reader = nil
        } else {
            #expect(mkfifo(special, 0o666) == 0)
            let box = ReceivedBox()
            reader = Thread {
                box.data = FileHandle(forReadingAtPath: special)?.readDataToEndOfFile() ?? Data()
                done.signal()
            }
            reader?.start()
            defer { received = box.data }
        }
        for command in ["nca", "summary"] {
            let run = try runPKFit([command, "d.csv", "--output", "sink"], in: directory)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(
                fileType(special) == (isRoot ? S_IFCHR : S_IFIFO), "\(command): still the special file, not replaced")
            if !isRoot { break }
        }
        if reader != nil {
            _ = done.wait(timeout: .now() + 30)
            #expect(String(decoding: received, as: UTF8.self).hasPrefix("subject,"), "the FIFO's reader got the table")
        }
        #expect(try names(in: directory) == ["d.csv", "sink"], "no temporary left")
        #expect(fileType("/dev/null") == S_IFCHR, "read-only check: /dev/null is still a character device")
    }

    @Test func aFullDeviceFailsWithAClearMessage() throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        // As root a private full device (the old code renamed over the path); unprivileged the real
        // /dev/full, which an unprivileged process cannot replace, so only writing to it is tested.
        let full: String
        if isRoot {
            full = directory.appendingPathComponent("full").path
            #expect(mknod(full, S_IFCHR | 0o666, makedev(1, 7)) == 0)
        } else {
            full = "/dev/full"
        }
        for arguments in [
            ["nca", "d.csv", "--output", full], ["nca", "d.csv", "--format", "table", "--output", full],
            ["report", "d.csv", "--output", full],
        ] {
            let run = try runPKFit(arguments, in: directory)
            #expect(run.status == 1, "\(arguments): \(run.stderr)")
            #expect(run.stderr.contains("No space left on device"), "\(run.stderr)")
            #expect(fileType(full) == S_IFCHR)
        }
        #expect(try names(in: directory).allSatisfy { !$0.hasSuffix(".tmp") })
    }

    @Test func aSymbolicLinkStaysALinkAndItsTargetIsReplaced() throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "old\n".write(to: directory.appendingPathComponent("target.csv"), atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: directory.appendingPathComponent("link.csv").path, withDestinationPath: "target.csv")
        try FileManager.default.createSymbolicLink(
            atPath: directory.appendingPathComponent("dangling.csv").path, withDestinationPath: "new.csv")
        #expect(try runPKFit(["nca", "d.csv", "--output", "link.csv"], in: directory).status == 0)
        #expect(try runPKFit(["nca", "d.csv", "--output", "dangling.csv"], in: directory).status == 0)
        #expect(fileType(directory.appendingPathComponent("link.csv").path) == S_IFLNK)
        #expect(fileType(directory.appendingPathComponent("dangling.csv").path) == S_IFLNK)
        #expect(
            try String(contentsOf: directory.appendingPathComponent("target.csv"), encoding: .utf8).hasPrefix(
                "subject,"))
        #expect(
            try String(contentsOf: directory.appendingPathComponent("new.csv"), encoding: .utf8).hasPrefix("subject,"))
    }

    @Test func anExistingFileKeepsItsPermissions() throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, command) in [
            ("private.csv", ["nca"]), ("private.txt", ["nca", "--format", "table"]), ("private.html", ["report"]),
        ] {
            let path = directory.appendingPathComponent(name).path
            try "old\n".write(toFile: path, atomically: false, encoding: .utf8)
            #expect(chmod(path, 0o600) == 0)
            let run = try runPKFit(command + ["d.csv", "--output", name], in: directory)
            #expect(run.status == 0, "\(run.stderr)")
            var status = stat()
            #expect(stat(path, &status) == 0 && status.st_mode & 0o7777 == 0o600, "\(name): 0600 stays 0600")
        }
    }

    @Test func aDirectoryIsRefused() throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("out"), withIntermediateDirectories: false)
        let run = try runPKFit(["nca", "d.csv", "--output", "out"], in: directory)
        #expect(run.status == 64, "\(run.stderr)")
        #expect(run.stderr.contains("is a directory"))
    }

    // MARK: 2. no trap when standard output cannot be written

    @Test(arguments: ["> /dev/full", ">&-", "| (exec 0<&-; sleep 1)"])
    func unwritableStandardOutputIsAnErrorAndLeavesNoAudit(_ redirection: String) throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Enough output to fill a pipe buffer, so that a broken pipe is seen whatever the timing.
        var big = "subject,time,value\n"
        for s in 0..<3000 { big += "S\(s),0,1\nS\(s),1,5\nS\(s),2,3\n" }
        try big.write(to: directory.appendingPathComponent("big.csv"), atomically: false, encoding: .utf8)
        for command in ["nca big.csv --format table", "fit d.csv --model expansion", "summary big.csv"] {
            let run = try runPKFitShell(
                "trap '' PIPE; { \"$PKFIT\" \(command) --audit a.csv; echo \"status=$?\" >&2; } \(redirection)",
                in: directory)
            #expect(
                !run.stderr.contains("status=132") && !run.stderr.contains("Fatal error"),
                "\(command) \(redirection): \(run.stderr)")
            #expect(
                run.stderr.contains("standard output: cannot be written"), "\(command) \(redirection): \(run.stderr)")
            #expect(run.stderr.contains("status=1"), "\(command) \(redirection): \(run.stderr)")
            #expect(
                try names(in: directory) == ["big.csv", "d.csv"], "\(command) \(redirection): no audit, no temporary")
        }
    }

    @Test func reportOnAOneRowFileWithATinyTimeDoesNotTrap() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases = ["A,5e-324,5", "A,0,5e-324\nA,5e-324,1", "A,-1.7e308,5\nA,0,1.7e308\nA,1,4", "A,0,5\nA,1e300,4"]
        for (index, rows) in cases.enumerated() {
            try "subject,time,value\n\(rows)\n".write(
                to: directory.appendingPathComponent("e\(index).csv"), atomically: false, encoding: .utf8)
            let run = try runPKFit(
                ["report", "e\(index).csv", "--output", "e\(index).html", "--markdown", "e\(index).md"], in: directory)
            #expect(run.status == 0, "\(rows): \(run.stderr)")
            let html = try String(contentsOf: directory.appendingPathComponent("e\(index).html"), encoding: .utf8)
            #expect(!html.contains("nan") && !html.contains("NaN"), "\(rows): no NaN coordinates")
        }
    }

    // MARK: 5, 6. the same file twice, outputs onto inputs or each other

    @Test(arguments: [
        ["d.csv", "./d.csv"], ["d.csv", "link.csv"], ["d.csv", "hard.csv"], ["sub/../d.csv", "d.csv"],
    ])
    func theSameInputTwiceIsAUsageError(_ inputs: [String]) throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("sub"), withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(
            atPath: directory.appendingPathComponent("link.csv").path, withDestinationPath: "d.csv")
        try FileManager.default.linkItem(
            atPath: directory.appendingPathComponent("d.csv").path,
            toPath: directory.appendingPathComponent("hard.csv").path)
        for command in ["nca", "summary"] {
            let run = try runPKFit([command] + inputs, in: directory)
            #expect(run.status == 64, "\(command) \(inputs): \(run.stdout) \(run.stderr)")
            #expect(run.stderr.contains("are the same file"))
        }
    }

    @Test(arguments: [
        ["nca", "d.csv", "--output", "d.csv"],
        ["nca", "d.csv", "--output", "./d.csv"],
        ["nca", "d.csv", "--output", "link.csv"],
        ["nca", "d.csv", "--output", "hard.csv"],
        ["nca", "d.csv", "--audit", "d.csv"],
        ["nca", "d.csv", "--audit", "x.csv", "--output", "x.csv"],
        ["nca", "d.csv", "--audit", "x.csv", "--output", "./sub/../x.csv"],
        ["summary", "d.csv", "--audit", "x.csv", "--output", "x.csv"],
        ["fit", "d.csv", "--output", "d.csv"],
        ["report", "d.csv", "--output", "r.html", "--markdown", "r.html"],
        ["report", "d.csv", "--output", "r.html", "--audit", "r.html"],
        ["report", "d.csv", "--markdown", "d.csv"],
        ["report", "d.csv", "--output", "r-figure-2.svg", "--markdown", "r.md"],
    ])
    func anOutputOntoAnInputOrAnotherOutputIsAUsageError(_ arguments: [String]) throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("sub"), withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(
            atPath: directory.appendingPathComponent("link.csv").path, withDestinationPath: "d.csv")
        try FileManager.default.linkItem(
            atPath: directory.appendingPathComponent("d.csv").path,
            toPath: directory.appendingPathComponent("hard.csv").path)
        let run = try runPKFit(arguments, in: directory)
        #expect(run.status == 64, "\(arguments): \(run.stderr)")
        #expect(
            try String(contentsOf: directory.appendingPathComponent("d.csv"), encoding: .utf8) == Self.data,
            "the input is untouched")
        #expect(try names(in: directory) == ["d.csv", "hard.csv", "link.csv", "sub"], "nothing written")
    }

    @Test func clashesAreFoundBeforeAnythingIsRead() throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The input is malformed, but the clash is reported first (exit 64, not the data error).
        try "subject,time,value\nA,x,1\n".write(
            to: directory.appendingPathComponent("bad.csv"), atomically: false, encoding: .utf8)
        let run = try runPKFit(["nca", "bad.csv", "--audit", "o.csv", "--output", "o.csv"], in: directory)
        #expect(run.status == 64 && !run.stderr.contains("bad.csv:2"), "\(run.stderr)")
    }

    // MARK: 7. all files of a command or none

    @Test func aReportThatCannotWriteOneFigureWritesNothing() throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "old html\n".write(to: directory.appendingPathComponent("r.html"), atomically: false, encoding: .utf8)
        // A directory where the third figure goes: it cannot be written.
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("r-figure-3.svg"), withIntermediateDirectories: false)
        let run = try runPKFit(
            ["report", "d.csv", "--output", "r.html", "--markdown", "r.md", "--audit", "a.csv"], in: directory)
        #expect(run.status != 0)
        #expect(run.stderr.contains("r-figure-3.svg"), "\(run.stderr)")
        #expect(
            try names(in: directory) == ["d.csv", "r-figure-3.svg", "r.html"], "no Markdown, figure, audit or temporary"
        )
        #expect(try String(contentsOf: directory.appendingPathComponent("r.html"), encoding: .utf8) == "old html\n")
    }

    // MARK: 8. temporaries removed on signals; long names

    @Test(arguments: [SIGTERM, SIGINT])
    func aSignalRemovesTheTemporaryFile(_ signalNumber: Int32) throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The input is a FIFO kept open, so pkfit waits with its output's temporary file created.
        let fifo = directory.appendingPathComponent("in.csv").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let process = Process()
        process.executableURL = try pkfitExecutable()
        process.arguments = ["nca", "in.csv", "--output", "out.csv"]
        process.currentDirectoryURL = directory
        process.standardError = FileHandle.nullDevice
        try process.run()
        let writer = open(fifo, O_WRONLY)
        #expect(writer >= 0)
        _ = "subject,time,value\nA,0,1\n".withCString { write(writer, $0, strlen($0)) }
        var sawTemporary = false
        for _ in 0..<300 where !sawTemporary {
            sawTemporary = try names(in: directory).contains { $0.hasPrefix(".out.csv.") && $0.hasSuffix(".tmp") }
            if !sawTemporary { usleep(20_000) }
        }
        #expect(sawTemporary, "the streamed output's temporary exists while the input is open")
        kill(process.processIdentifier, signalNumber)
        // Bounded: a pkfit that does not act on the signal is a failure, not a hung test run.
        for _ in 0..<500 where process.isRunning { usleep(20_000) }
        let stopped = !process.isRunning
        if !stopped { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        close(writer)
        #expect(stopped, "pkfit stopped within 10 s of the signal")
        #expect(
            process.terminationReason == .uncaughtSignal && process.terminationStatus == signalNumber,
            "stopped by the signal, re-raised")
        #expect(try names(in: directory) == ["d.csv", "in.csv"], "no temporary and no output left")
    }

    @Test func a240CharacterOutputNameWorks() throws {
        let directory = try workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let name = String(repeating: "n", count: 236) + ".csv"
        let run = try runPKFit(["nca", "d.csv", "--output", name], in: directory)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path))
    }

    // MARK: 10, 11. bounded, escaped messages that name file and line

    @Test func aHugeHeaderWithoutALineBreakFailsWithAShortMessage() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let header = Data(("subject,time," + String(repeating: "x", count: 8 << 20)).utf8)
        try header.write(to: directory.appendingPathComponent("h.csv"))
        let run = try runPKFit(["nca", "h.csv"], in: directory)
        #expect(run.status == 1)
        #expect(run.stderr.utf8.count < 300, "\(run.stderr.utf8.count) bytes of stderr")
        #expect(run.stderr.contains("h.csv:1: has no line break in its first 1 MB"))
    }

    @Test func longValuesAreCappedInMessages() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let id = String(repeating: "I", count: 1 << 20)
        let column = String(repeating: "c", count: 100_000)
        try "subject,time,value,\(column)\n\(id),1,1,x\n\(id),1,2,x\n".write(
            to: directory.appendingPathComponent("l.csv"), atomically: false, encoding: .utf8)
        let duplicate = try runPKFit(["nca", "l.csv"], in: directory)
        #expect(
            duplicate.status == 1 && duplicate.stderr.contains("has two samples"), "\(duplicate.stderr.prefix(300))")
        #expect(duplicate.stderr.utf8.count < 400, "\(duplicate.stderr.utf8.count) bytes")
        let missing = try runPKFit(["nca", "l.csv", "--value", column + "z"], in: directory)
        #expect(missing.status == 1 && missing.stderr.utf8.count < 1000, "\(missing.stderr.utf8.count) bytes")
    }

    @Test func controlCharactersInMessagesAreEscaped() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let osc = "\u{1B}]0;owned\u{07}"
        try "subject,time,value\nA,1,\u{1B}[31mred\n".write(
            to: directory.appendingPathComponent("v.csv"), atomically: false, encoding: .utf8)
        try "subject,time,value\n\(osc)A,1,1\n\(osc)A,1,2\n".write(
            to: directory.appendingPathComponent("s.csv"), atomically: false, encoding: .utf8)
        try "subject,time,value\nA,1,x\u{7F}\u{9B}\n".write(
            to: directory.appendingPathComponent("e\u{1B}[2J.csv"), atomically: false, encoding: .utf8)
        for (file, shown) in [
            ("v.csv", "\"\\u{1B}[31mred\""), ("s.csv", "'\\u{1B}]0;owned\\u{7}A'"),
            ("e\u{1B}[2J.csv", "e\\u{1B}[2J.csv:2"),
        ] {
            let run = try runPKFit(["nca", file], in: directory)
            #expect(run.status == 1)
            #expect(run.stderr.contains(shown), "\(file): \(run.stderr)")
            #expect(
                !run.stderr.unicodeScalars.contains {
                    $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x7F || $0.value == 0x9B
                },
                "\(file): no raw control character")
        }
    }

    @Test func anInvalidDoseNamesFileAndLine() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "subject,time,value,dose\nA,0,1,10\nA,1,5,10\nB,0,1,abc\nB,1,4,abc\n".write(
            to: directory.appendingPathComponent("d.csv"), atomically: false, encoding: .utf8)
        let run = try runPKFit(["summary", "d.csv", "--dose", "dose"], in: directory)
        #expect(run.status == 1)
        #expect(run.stderr.contains("d.csv:4: column 'dose': \"abc\" is not a positive number"), "\(run.stderr)")
        #expect(run.stderr.contains("subject 'B'"))
    }

    @Test func csvSafeNeutralisesFormulaTextButNotNumbers() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let rows =
            "subject,time,value,arm\n=1+2,0,1,-1.5\n=1+2,1,5,-1.5\n@A,0,1,+cmd\n@A,1,5,+cmd\n-B,0,1,x\n-B,1,4,x\n"
        try rows.write(to: directory.appendingPathComponent("f.csv"), atomically: false, encoding: .utf8)
        let plain = try runPKFit(["nca", "f.csv", "--group", "arm"], in: directory)
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(
            plain.stdout.contains("\n=1+2,-1.5,") && plain.stdout.contains("\n@A,+cmd,"),
            "as written without --csv-safe")
        for format in ["csv", "pp"] {
            let safe = try runPKFit(
                ["nca", "f.csv", "--group", "arm", "--csv-safe", "--format", format, "--study", "S"], in: directory)
            #expect(safe.status == 0, "\(safe.stderr)")
            #expect(
                safe.stdout.contains("'=1+2") && safe.stdout.contains("'@A") && safe.stdout.contains("'-B"),
                "\(format): \(safe.stdout.prefix(400))")
            // PP carries no group columns (docs/pp-output.md).
            #expect(
                safe.stdout.contains("'+cmd") == (format == "csv") && !safe.stdout.contains("'-1.5"),
                "\(format): a plain number stays a number")
            #expect(!safe.stdout.contains(",=") && !safe.stdout.contains("\n="), "\(format)")
        }
    }
}

/// Linux `makedev` for small numbers (glibc's macro is not imported): major in bits 8–19, minor in 0–7.
private func makedev(_ major: UInt64, _ minor: UInt64) -> dev_t {
    dev_t((major & 0xfff) << 8 | (minor & 0xff))
}

private final class ReceivedBox: @unchecked Sendable {
    var data = Data()
}
