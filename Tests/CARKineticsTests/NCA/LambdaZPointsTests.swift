import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsNCA

/// Terminal phases chosen by hand: the file format (`--lambda-z-points`), its checks against the data, and the
/// λz each form gives.
@Suite struct LambdaZPointsTests {
    func read(_ text: String, groups: [String] = []) throws(DataError) -> LambdaZPoints {
        try LambdaZPoints(bytes: Array(text.utf8), file: "points.csv", groupColumns: groups)
    }

    /// The message of the error reading `text`, or nil when it reads.
    func readError(_ text: String, groups: [String] = []) -> String? {
        do {
            _ = try read(text, groups: groups)
            return nil
        } catch {
            return error.description
        }
    }

    /// Cmax 1000 at day 1; ln C = 6, 5, 3, 2.5, 1 at days 2, 3, 4, 6, 8; BLQ at day 10.
    let profile = makeProfile(
        [(0, nil), (1, 1000), (2, exp(6)), (3, exp(5)), (4, exp(3)), (6, exp(2.5)), (8, exp(1)), (10, nil)],
        subject: "P1")

    @Test func readsBothFormsWithTheirReasons() throws {
        let points = try read(
            """
            Subject,FIRST,last,exclude,reason
            P1,2,4,,"early phase only, per protocol"
            P2,,,6;8,re-expansion
            """)
        #expect(points.entries.count == 2)
        #expect(
            points.entries[0].choice
                == LambdaZChoice(points: .range(first: 2, last: 4), reason: "early phase only, per protocol"))
        #expect(points.entries[1].choice == LambdaZChoice(points: .excluding([6, 8]), reason: "re-expansion"))
        #expect(points.entries[1].line == 3)
        #expect(points.choice(subject: "P2", groups: [])?.rule == "manual-exclusion")
        #expect(points.choice(subject: "P3", groups: []) == nil)
        // Only the columns a form needs.
        #expect(try read("subject,exclude,reason\nP1,6,x\n").entries.count == 1)
        #expect(
            try read("reason,last,first,subject\nwhy,4,2,P1\n").entries[0].choice.points == .range(first: 2, last: 4))
    }

    /// By hand over (2, 6), (3, 5), (4, 3): x centred −1, 0, 1, ln C − 14/3 = 4/3, 1/3, −5/3, so λz = 3/2 and
    /// R² = 9/(2·42/9) = 27/28, as in the acceptance tests; the best fit of the same profile uses other points.
    @Test func rangeGivesOneRegressionOverItsPoints() throws {
        let points = try read("subject,first,last,exclude,reason\nP1,2,4,,why\n")
        let result = NCA.analyze(profile, options: NCAOptions(lambdaZPoints: points))
        let fit = try #require(try? result.lambdaZ.get())
        #expect(fit.points == 3)
        #expect(fit.timeFirst == 2 && fit.timeLast == 4)
        expectClose(fit.lambdaZ, 1.5, relative: 1e-14, "λz")
        expectClose(fit.r2, 27.0 / 28.0, relative: 1e-14, "R²")
        #expect(result.lambdaZChoice?.reason == "why")
        let automatic = try #require(try? NCA.analyze(profile).lambdaZ.get())
        #expect(automatic != fit)
        // AUCinf extrapolates from the observed Clast (day 8) with the chosen λz.
        expectClose(
            result.aucinfObserved.number, (NCA.analyze(profile).auclast.number ?? .nan) + exp(1) / 1.5,
            relative: 1e-13, "AUCinf")
    }

    /// Leaving out day 4 keeps the candidates 2, 3, 6, 8; the best fit of those is the best-fit rule applied to
    /// them (the last 3 or all 4).
    @Test func exclusionRunsTheBestFitRuleWithoutTheExcludedSamples() throws {
        let points = try read("subject,first,last,exclude,reason\nP1,,,4,haemolysed\n")
        let result = NCA.analyze(profile, options: NCAOptions(lambdaZPoints: points))
        let expected = LambdaZ.select(times: [2, 3, 6, 8], levels: [exp(6), exp(5), exp(2.5), exp(1)])
        #expect(result.lambdaZ == expected)
        #expect(result.lambdaZChoice?.rule == "manual-exclusion")
    }

    @Test func malformedFilesNameFileLineAndColumn() {
        let cases: [(String, String)] = [
            ("", "points.csv: empty file"),
            ("subject,frist,last,reason\n", "points.csv:1: column 'frist': not a column of a λz points file"),
            ("subject,first,last\n", "points.csv:1: no column 'reason'"),
            ("subject,first,reason\n", "points.csv:1: expected the columns first and last, or exclude"),
            ("subject,first,exclude,reason\n", "points.csv:1: column 'last': first and last come together"),
            ("subject,subject,first,last,reason\n", "points.csv:1: column 'subject': column named twice"),
            ("subject,first,last,reason\nP1,2,4\n", "points.csv:2: 3 fields, the header has 4"),
            ("subject,first,last,reason\n,2,4,x\n", "points.csv:2: column 'subject': empty subject"),
            ("subject,first,last,reason\nP1,2,4,\n", "points.csv:2: column 'reason': a reason is required"),
            ("subject,first,last,reason\nP1,2,,x\n", "points.csv:2: column 'last': give first and last"),
            ("subject,first,last,reason\nP1,two,4,x\n", "points.csv:2: column 'first': \"two\" is not a time"),
            (
                "subject,first,last,reason\nP1,2,1e400,x\n",
                "points.csv:2: column 'last': \"1e400\" is not a finite number"
            ),
            ("subject,first,last,reason\nP1,-1,4,x\n", "points.csv:2: column 'first': -1 is before infusion"),
            ("subject,first,last,reason\nP1,4,2,x\n", "points.csv:2: column 'last': 2 is not after first (4)"),
            ("subject,first,last,exclude,reason\nP1,2,4,6,x\n", "points.csv:2: column 'exclude': give either a range"),
            ("subject,exclude,reason\nP1,6;;8,x\n", "points.csv:2: column 'exclude': \"\" is not a time"),
            ("subject,exclude,reason\nP1,6;6,x\n", "points.csv:2: column 'exclude': 6 is given twice"),
            (
                "subject,exclude,reason\nP1,6,x\nP1,8,y\n",
                "points.csv:3: column 'subject': subject 'P1' is already chosen on line 2"
            ),
            ("subject,exclude,reason\n\"P1,6,x\n", "points.csv:2: field 1 has an opening quote that is never closed"),
        ]
        for (text, prefix) in cases {
            let message = readError(text)
            #expect(message?.hasPrefix(prefix) == true, "\(text.debugDescription): \(message ?? "no error")")
        }
    }

    func checkError(_ text: String, _ profiles: [Profile], groups: [String] = []) -> String? {
        do {
            try read(text, groups: groups).check(profiles, options: NCAOptions())
            return nil
        } catch {
            return error.description
        }
    }

    @Test func checksAgainstTheDataNameTheLine() {
        let header = "subject,first,last,exclude,reason\n"
        let cases: [(String, String)] = [
            ("P9,2,4,,x", "points.csv:2: column 'subject': subject 'P9' is not in the data"),
            ("P1,2.5,4,,x", "points.csv:2: column 'first': 2.5 is the time of no sample of subject 'P1'"),
            ("P1,2,5,,x", "points.csv:2: column 'last': 5 is the time of no sample of subject 'P1'"),
            ("P1,6,10,,x", "points.csv:2: column 'first': 6–10 holds 2 quantifiable samples of subject 'P1' (need 3)"),
            ("P1,,,1,x", "points.csv:2: column 'exclude': the sample at 1 is no λz candidate of subject 'P1'"),
            ("P1,,,10,x", "points.csv:2: column 'exclude': the sample at 10 is no λz candidate"),
            ("P1,,,7,x", "points.csv:2: column 'exclude': 7 is the time of no sample of subject 'P1'"),
            ("P1,,,2;3;4,x", "points.csv:2: column 'exclude': leaves 2 λz candidates of subject 'P1'"),
        ]
        for (line, prefix) in cases {
            let message = checkError(header + line + "\n", [profile])
            #expect(message?.hasPrefix(prefix) == true, "\(line): \(message ?? "no error")")
        }
        #expect(checkError(header + "P1,0,4,,x\n", [profile]) == nil, "a BLQ sample's time is a sample's time")
    }

    /// A subject split into profiles (`--profile-by ANALYTE`) needs the column that picks one; a cohort column
    /// may be left out or left empty.
    @Test func groupColumnsPickTheProfile() throws {
        var a = profile
        a.groups = ["C1", "A"]
        var b = profile
        b.groups = ["C1", "B"]
        let groups = ["COHORT", "ANALYTE"]
        let ambiguous = checkError("subject,first,last,reason\nP1,2,4,x\n", [a, b], groups: groups)
        #expect(
            ambiguous
                == "points.csv:2: column 'subject': subject 'P1' has 2 profiles here; give 'COHORT' or 'ANALYTE' to choose one"
        )
        let picked = try read("subject,analyte,cohort,first,last,reason\nP1,B,,2,4,x\n", groups: groups)
        try picked.check([a, b], options: NCAOptions())
        #expect(picked.choice(subject: "P1", groups: ["C1", "B"]) != nil)
        #expect(picked.choice(subject: "P1", groups: ["C1", "A"]) == nil)
        let wrong = checkError("subject,ANALYTE,first,last,reason\nP1,C,2,4,x\n", [a, b], groups: groups)
        #expect(wrong == "points.csv:2: column 'subject': subject 'P1' has no profile with ANALYTE = 'C'")
        let twice = checkError("subject,ANALYTE,first,last,reason\nP1,,2,4,x\nP1,B,2,4,y\n", [b], groups: groups)
        #expect(twice == "points.csv:3: column 'subject': this profile is already chosen on line 2")
    }

    /// Both NCA paths check the file before anything is analysed or written, and agree on the result.
    @Test func analysisChecksTheFileAndAppliesIt() throws {
        let file = fixtureURL("data/aid_cd7_qpcr.csv")
        let good = try read("subject,first,last,reason\nAID-007,14.87,28.25,contraction only\n")
        let analysis = NCAAnalysis(options: NCAOptions(lambdaZPoints: good))
        let output = try analysis.run(files: [file])
        let chosen = try #require(output.results.first { $0.subject == "AID-007" })
        let fit = try #require(try? chosen.lambdaZ.get())
        #expect(fit.points == 3 && fit.timeFirst == 14.87 && fit.timeLast == 28.25)
        #expect(chosen.lambdaZExcludedBy.isEmpty)
        #expect(output.results.filter { $0.lambdaZChoice != nil }.count == 1)

        // The audit says which rows the choice took or left out, the same on the table and the streamed path.
        let both = try read("subject,first,last,exclude,reason\nAID-007,14.87,28.25,,a\nAID-004,,,10.07,b\n")
        let audited = NCAAnalysis(options: NCAOptions(lambdaZPoints: both))
        let table = try audited.audit(audited.run(files: [file]), files: [file])
        let marked = table.entries.filter { $0.detail.contains("by hand") }.map { "\($0.subject) \($0.time)" }
        #expect(marked == ["AID-004 10.07", "AID-007 14.87", "AID-007 20.9", "AID-007 28.25"])
        let streamed = try StreamedAuditTests.streamedAudit(audited, files: [file], format: .csv, threads: 2).audit
        #expect(streamed == (try StreamedAuditTests.tableAudit(audited, files: [file])))

        let bad = try read("subject,first,last,reason\nAID-007,14,28.25,x\n")
        let failing = NCAAnalysis(options: NCAOptions(lambdaZPoints: bad))
        #expect(throws: DataError.self) { try failing.run(files: [file]) }
        var written = 0
        #expect(throws: DataError.self) {
            try failing.writeCSV(files: [file]) { written += $0.count }
        }
        #expect(written == 0, "nothing is written when the points file does not fit the data")
    }
}
