import Foundation
import Testing

/// Issue 11, data semantics: each test runs the built `pkfit` as a user would and fails on the code before
/// the fix (units pooled, group typos splitting subjects, under- and overflow read as numbers, lenient
/// option grammars, vanishing subjects, silent non-convergence).
@Suite("pkfit: units, groups, numbers and options (issue 11)")
struct DataSemanticsCommandTests {
    /// Writes `files` (name → text) to a fresh directory and runs pkfit there.
    static func run(_ arguments: [String], files: [String: String]) throws -> (ProcessOutput, URL) {
        let directory = try makeTemporaryDirectory()
        for (name, text) in files { try Data(text.utf8).write(to: directory.appendingPathComponent(name)) }
        return (try runPKFit(arguments, in: directory), directory)
    }

    static func rows(_ csv: String) -> [[String: String]] { SummaryCommandTests.parseCSV(csv) }

    // MARK: item 3 — units

    static let mixedUnits = """
        subject,time,value,unit
        A,0,0,copies/ug
        A,7,1000,copies/ug
        A,14,100,copies/ug
        B,0,0,cells/uL
        B,7,10,cells/uL
        B,14,1,cells/uL
        C,0,0,copies/ug
        C,7,4000,copies/ug
        C,14,400,copies/ug

        """

    @Test func summaryStratifiesByUnitInsteadOfPooling() throws {
        let (out, directory) = try Self.run(["summary", "m.csv"], files: ["m.csv": Self.mixedUnits])
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(out.status == 0, "\(out.stderr)")
        let cmax = Self.rows(out.stdout).filter { $0["parameter"] == "cmax" }
        #expect(cmax.map { $0["unit"] } == ["copies/ug", "cells/uL"])
        // copies/ug: A 1000 and C 4000 → geometric mean 2000; cells/uL: B alone, 10. Pooled it was (4e7)^(1/3).
        #expect(cmax.map { $0["n"] } == ["2", "1"])
        #expect(cmax.first.flatMap { Double($0["geometric_mean"] ?? "") }.map { abs($0 - 2000) < 1e-9 } == true)
        #expect(cmax.last.flatMap { Double($0["geometric_mean"] ?? "") }.map { abs($0 - 10) < 1e-12 } == true)
    }

    @Test func reportShowsTheUnitColumnAndDoseExposureRefusesMixedUnits() throws {
        let (report, directory) = try Self.run(
            ["report", "m.csv", "--markdown", "r.md"],
            files: ["m.csv": Self.mixedUnits])
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(report.status == 0, "\(report.stderr)")
        let markdown = try String(contentsOf: directory.appendingPathComponent("r.md"), encoding: .utf8)
        #expect(markdown.contains("cells/uL") && markdown.contains("copies/ug"))
        let (fitted, third) = try Self.run(
            ["report", "m.csv", "--fit", "--markdown", "r.md"], files: ["m.csv": Self.mixedUnits])
        defer { try? FileManager.default.removeItem(at: third) }
        #expect(fitted.status == 0, "\(fitted.stderr)")
        let dosed =
            Self.mixedUnits.replacingOccurrences(of: "unit\n", with: "unit,dose\n")
            .split(separator: "\n").enumerated().map { $0.offset == 0 ? String($0.element) : $0.element + ",1" }
            .joined(separator: "\n") + "\n"
        let (dose, second) = try Self.run(["summary", "d.csv", "--dose", "dose"], files: ["d.csv": dosed])
        defer { try? FileManager.default.removeItem(at: second) }
        #expect(dose.status != 0)
        #expect(
            dose.stderr.contains("subject 'A' (d.csv:2) is in 'copies/ug', subject 'B' (d.csv:5) in 'cells/uL'"),
            "\(dose.stderr)")
    }

    // MARK: item 4 — group typos, --profile-by

    @Test func aGroupTypoIsAnErrorNamingBothLines() throws {
        let text = "subject,time,value,cohort\nA,0,1,DL1\nA,1,50,DL1\nA,2,20,dl1\nA,3,5,DL1\n"
        let (out, directory) = try Self.run(["nca", "g.csv", "--group", "cohort"], files: ["g.csv": text])
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(out.status != 0)
        #expect(out.stdout.isEmpty)
        #expect(
            out.stderr.contains("g.csv:4: column 'cohort': \"dl1\" differs from 'DL1' on line 2 for subject 'A'"),
            "\(out.stderr)")
        let (dose, second) = try Self.run(
            ["summary", "g.csv", "--dose", "dose"],
            files: ["g.csv": "subject,time,value,dose\nA,0,1,10\nA,1,50,10\nA,2,20,100\nB,0,1,10\nB,1,5,10\n"])
        defer { try? FileManager.default.removeItem(at: second) }
        #expect(dose.status != 0)
        #expect(
            dose.stderr.contains("g.csv:4: column 'dose': \"100\" differs from '10' on line 2 for subject 'A'"),
            "\(dose.stderr)")
    }

    @Test func profileBySplitsASubjectAndIsShown() throws {
        let text = "subject,time,value,analyte\nA,0,1,CD19\nA,1,50,CD19\nA,0,2,BCMA\nA,1,80,BCMA\n"
        let (out, directory) = try Self.run(["nca", "p.csv", "--profile-by", "analyte"], files: ["p.csv": text])
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(out.status == 0, "\(out.stderr)")
        let rows = Self.rows(out.stdout)
        #expect(rows.map { $0["analyte"] } == ["CD19", "BCMA"])
        #expect(rows.map { $0["cmax"].flatMap { Double($0) } } == [50, 80])
        let (both, second) = try Self.run(
            ["nca", "p.csv", "--profile-by", "analyte", "--group", "analyte"], files: ["p.csv": text])
        defer { try? FileManager.default.removeItem(at: second) }
        #expect(both.status != 0)
        #expect(both.stderr.contains("cannot be both --group and --profile-by"), "\(both.stderr)")
    }

    // MARK: item 11 — under- and overflow

    @Test func underflowIsAnErrorForValuesAndTimes() throws {
        for (text, message) in [
            ("subject,time,value\nA,0,1\nA,1,1e-400\n", "u.csv:3: column 'value': \"1e-400\" is too small"),
            ("subject,time,value\nA,0,1\nA,1e-400,2\n", "u.csv:3: column 'time': \"1e-400\" is too small"),
        ] {
            let (out, directory) = try Self.run(["nca", "u.csv"], files: ["u.csv": text])
            defer { try? FileManager.default.removeItem(at: directory) }
            #expect(out.status != 0)
            #expect(out.stderr.contains(message), "\(out.stderr)")
        }
    }

    @Test func anOverflowingAreaIsNotComputableWithANote() throws {
        let text = "subject,time,value\nA,0,1.7e308\nA,10,1.7e308\nA,20,1e308\n"
        let (out, directory) = try Self.run(["nca", "o.csv"], files: ["o.csv": text])
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(out.status == 0, "\(out.stderr)")
        let row = try #require(Self.rows(out.stdout).first)
        #expect(row["auclast"] == "")
        #expect(!row.values.contains { $0.lowercased().contains("inf") }, "\(row)")
        #expect(out.stdout.contains("not a finite number: AUClast exceeds the largest Double"), "\(out.stdout)")
    }

    // MARK: item 12

    @Test func whitespaceOnlyLinesAreBlank() throws {
        let text = "subject,time,value\nA,0,1\n   \nA,1,5\n\t \nA,2,2\n"
        let (out, directory) = try Self.run(["nca", "w.csv", "--audit", "a.csv"], files: ["w.csv": text])
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(out.status == 0, "\(out.stderr)")
        let audit = try String(contentsOf: directory.appendingPathComponent("a.csv"), encoding: .utf8)
        #expect(
            audit.contains("w.csv,3,,,,excluded,blank line") && audit.contains("w.csv,5,,,,excluded,blank line"),
            "\(audit)")
    }

    @Test func lookAlikeSubjectIdentifiersAreWarnedAboutNotMerged() throws {
        let nfc = "Ren\u{E9}"
        let nfd = "Rene\u{301}"
        let zeroWidth = "P\u{200B}1"
        let text = "subject,time,value\n\(nfc),0,1\n\(nfc),1,5\n\(nfd),0,1\n\(nfd),1,7\nP1,0,1\n\(zeroWidth),1,3\n"
        let (out, directory) = try Self.run(["nca", "n.csv"], files: ["n.csv": text])
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(out.status == 0, "\(out.stderr)")
        #expect(Self.rows(out.stdout).count == 4, "not merged")
        #expect(
            out.stderr.contains(
                "(line 2) and 'Rene\u{301}' [U+0052 U+0065 U+006E U+0065 U+0301] (line 4) differ only in Unicode normalization"
            ), "\(out.stderr)")
        #expect(out.stderr.contains("[U+0050 U+200B U+0031] (line 7)"), "\(out.stderr)")
    }

    @Test func duplicatedOrConflictingOptionsAreRefused() throws {
        let text = "subject,time,value,cohort\nA,0,1,x\nA,1,5,x\nA,2,2,x\n"
        let cases: [([String], String)] = [
            (["nca", "f.csv", "--interval", "0,28", "--interval", "0,28"], "--interval '0,28' is given twice"),
            (["nca", "f.csv", "--group", "subject"], "column 'subject' cannot be both a group and the subject column"),
            (["nca", "f.csv", "--group", "cohort", "--group", "cohort"], "--group 'cohort' is given twice"),
            (["nca", "f.csv", "--lloq", "1e400"], "--lloq: \"1e400\" is not a finite number"),
            (["nca", "f.csv", "--lloq", "nan"], "--lloq: \"nan\" is not a finite number"),
            (["nca", "f.csv", "--lloq", "1e-400"], "--lloq: \"1e-400\" is too small"),
            (["nca", "f.csv", "--interval", "0,0x1p3"], "--interval '0,0x1p3': expected A,B"),
            (
                ["fit", "f.csv", "--formula", "C = a*exp(-k*t)", "--start", "a=0x10", "--start", "k=1"],
                "--start 'a=0x10'"
            ),
            (
                [
                    "fit", "f.csv", "--model", "stein", "--formula", "C = a*exp(-k*t)", "--start", "a=1", "--start",
                    "k=1",
                ],
                "--model stein and --formula are two models"
            ),
        ]
        for (arguments, message) in cases {
            let (out, directory) = try Self.run(arguments, files: ["f.csv": text])
            defer { try? FileManager.default.removeItem(at: directory) }
            #expect(out.status != 0, "\(arguments)")
            #expect(out.stderr.contains(message), "\(arguments): \(out.stderr)")
        }
    }

    @Test func aSubjectWhoseEveryRowIsExcludedKeepsARow() throws {
        let text = "subject,time,value\nA,0,1\nA,1,5\nA,2,2\nB,0,x\nB,1,y\nC,0,1\nC,1,4\nC,2,1\n"
        let (out, directory) = try Self.run(["nca", "e.csv", "--skip-invalid"], files: ["e.csv": text])
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(out.status == 0, "\(out.stderr)")
        let rows = Self.rows(out.stdout)
        #expect(rows.map { $0["subject"] } == ["A", "B", "C"])
        #expect(rows[1]["cmax"] == "" && rows[1]["notes"]?.isEmpty == false, "\(rows[1])")
    }

    @Test func avalcBelowLimitWinsOverAval() throws {
        let text = "USUBJID,AFRLT,AVAL,AVALC\nA,0,0,0\nA,1,50,50\nA,2,7,BLQ\nA,3,20,20\n"
        let (out, directory) = try Self.run(["nca", "c.csv"], files: ["c.csv": text])
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(out.status == 0, "\(out.stderr)")
        let row = try #require(Self.rows(out.stdout).first)
        // BLQ between quantifiable levels is dropped (PKNCA rule): AUC 0–3 linear-up/log-down over 0,1,3.
        #expect(row["tlast"].flatMap { Double($0) } == 3)
        #expect(row["n_blq"].flatMap { Int($0) } == 2, "the observed 0 and AVAL 7 (AVALC BLQ), not used as 7: \(row)")
        let (audit, second) = try Self.run(["nca", "c.csv", "--audit", "a.csv"], files: ["c.csv": text])
        defer { try? FileManager.default.removeItem(at: second) }
        #expect(audit.status == 0)
        let trail = try String(contentsOf: second.appendingPathComponent("a.csv"), encoding: .utf8)
        #expect(trail.contains("c.csv,4,A,2,BLQ,blq,dropped (between quantifiable levels)"), "\(trail)")
    }

    @Test func nonConvergedFitsAreCountedAndStrictFails() throws {
        // A formula that cannot fit rising-then-falling data with the evaluation limit of a few steps is not
        // reliable across platforms, so non-convergence is provoked with a start that gives no finite residual.
        let text = "subject,time,value\nA,1,5\nA,2,9\nA,3,4\nA,4,2\n"
        let arguments = ["fit", "f.csv", "--formula", "C = a*exp(-k*t)", "--start", "a=1e308", "--start", "k=-1e308"]
        let (out, directory) = try Self.run(arguments, files: ["f.csv": text])
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stderr.contains("1 of 1 fit did not converge ('A')"), "\(out.stderr)")
        let (strict, second) = try Self.run(arguments + ["--strict", "--output", "o.csv"], files: ["f.csv": text])
        defer { try? FileManager.default.removeItem(at: second) }
        #expect(strict.status == 1)
        #expect(strict.stderr.contains("nothing written (--strict)"))
        #expect(!FileManager.default.fileExists(atPath: second.appendingPathComponent("o.csv").path))
    }
}
