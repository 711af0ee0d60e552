import Foundation
import Testing

@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsReports

/// Time units (issue 13 item 3): the unit is read, never guessed around; times are converted once, when read; and
/// an hour-, minute- or week-stamped cohort gives its day-stamped original's results, converted.
@Suite struct TimeUnitTests {
    @Test func spellingsOfEveryUnitAreAcceptedInAnyCase() {
        let cases: [(String, TimeUnit)] = [
            ("min", .minutes), ("MINUTES", .minutes), ("Minute", .minutes), ("h", .hours), ("hr", .hours),
            ("HOURS", .hours), ("Hour", .hours), (" h ", .hours), ("d", .days), ("DAYS", .days), ("day", .days),
            ("w", .weeks), ("wk", .weeks), ("WEEKS", .weeks), ("week", .weeks),
        ]
        for (text, unit) in cases { #expect(TimeUnit(parsing: text) == unit, "\(text)") }
        for text in ["", "s", "sec", "hours.", "month", "dd", "1h", "ｈ", "fortnight"] {
            #expect(TimeUnit(parsing: text) == nil, "\(text)")
        }
        #expect(TimeUnit.allCases.map(\.symbol) == ["min", "h", "day", "week"])
    }

    @Test func conversionsAreOneCorrectlyRoundedOperation() {
        // 1/24 is not a double: t · (1/24) and t / 24 differ for t = 5 (0.20833333333333331 vs …334).
        #expect(TimeUnit.hours.convert(5, to: .days) == 5.0 / 24)
        #expect(TimeUnit.hours.convert(5, to: .days) != 5.0 * (1.0 / 24))
        #expect(TimeUnit.days.convert(28, to: .hours) == 672)
        #expect(TimeUnit.days.convert(90, to: .minutes) == 129_600)
        #expect(TimeUnit.weeks.convert(2, to: .hours) == 336)
        #expect(TimeUnit.minutes.convert(10080, to: .weeks) == 1)
        #expect(TimeUnit.days.convert(-1.5, to: .hours) == -36)
    }

    /// The default windows stay 0–28 and 0–90 days and are named by their numbers in the unit of the times.
    @Test func defaultWindowsAreDaysNamedInTheTimeUnit() {
        let names = { (unit: TimeUnit) in NCAOptions().resolved(to: unit).intervals.map(\.columnName) }
        #expect(names(.days) == ["auc_0_28", "auc_0_90"])
        #expect(names(.hours) == ["auc_0_672", "auc_0_2160"])
        #expect(names(.minutes) == ["auc_0_40320", "auc_0_129600"])
        #expect(names(.weeks) == ["auc_0_4", "auc_0_12.857142857142858"])
        // A window without a unit is in the unit of the times; given twice after conversion it is kept once.
        var options = NCAOptions(
            intervals: [
                AUCInterval(start: 0, end: 24, unit: .hours), AUCInterval(start: 0, end: 1, unit: .days),
                AUCInterval(start: 0, end: 48),
            ].compactMap { $0 })
        options = options.resolved(to: .hours)
        #expect(options.intervals.map(\.columnName) == ["auc_0_24", "auc_0_48"])
    }

    @Test func intervalGrammar() throws {
        let accepted: [(String, Double, Double, TimeUnit?)] = [
            ("0,28", 0, 28, nil), ("0,24h", 0, 24, .hours), ("0,28d", 0, 28, .days), ("0,2w", 0, 2, .weeks),
            ("0h,36h", 0, 36, .hours), ("7,14.5 days", 7, 14.5, .days), ("0,90MIN", 0, 90, .minutes),
            ("1e1,2e1h", 10, 20, .hours),
        ]
        for (text, start, end, unit) in accepted {
            let interval = try AUCIntervalGrammar.parse(text)
            #expect(interval.start == start && interval.end == end && interval.unit == unit, "\(text)")
        }
        for text in [
            "0,24x", "0h,1d", "1d,48", "28,0h", "0,", "h,24h", "0,24hh", "0,nan", "0,1e400h", "0,0x10h", "0,1e",
        ] {
            #expect(throws: AUCIntervalGrammar.Failure.self, "\(text)") { try AUCIntervalGrammar.parse(text) }
        }
        // Valid in hours but not expressible in minutes without overflow: refused when parsed.
        #expect(throws: AUCIntervalGrammar.Failure.self) { try AUCIntervalGrammar.parse("0,1e306w") }
    }

    @Test func isoDurationsFollowTheRealUnit() {
        #expect(ISODuration.format(24, in: .hours) == "P1D")
        #expect(ISODuration.format(36, in: .hours) == "P1DT12H")
        #expect(ISODuration.format(672, in: .hours) == "P28D")
        #expect(ISODuration.format(90, in: .minutes) == "PT1H30M")
        #expect(ISODuration.format(2, in: .weeks) == "P14D")
        #expect(ISODuration.format(28, in: .days) == "P28D")
    }

    // MARK: - Reading

    private func read(_ csv: String, _ configure: (inout ColumnSelection) -> Void = { _ in }) throws -> ProfileSet {
        var selection = ColumnSelection()
        configure(&selection)
        return try ProfileReader(selection: selection).read(bytes: Array(csv.utf8), file: "t.csv")
    }

    @Test func unitColumnsFollowTheTimeColumn() throws {
        let cases: [(String, String, TimeUnit)] = [
            ("USUBJID,AFRLT,AVAL,FRLTU", "A,2,5,h", .hours),
            ("USUBJID,ARRLT,AVAL,RRLTU", "A,2,5,MIN", .minutes),
            ("USUBJID,ARELTM,AVAL,ARELTMU", "A,2,5,WEEKS", .weeks),
            ("USUBJID,AFRLT,AVAL,RELTMU", "A,2,5,hr", .hours),
            ("id,time,value,time_unit", "A,2,5,days", .days),
        ]
        for (header, row, unit) in cases {
            // ARRLT is not recognised as the time column by name: named as a user would.
            let set = try read("\(header)\n\(row)\n") { $0.time = header.split(separator: ",")[1].description }
            #expect(set.inputTimeUnit == unit && set.timeUnit == unit, "\(header)")
            #expect(set.timeUnitSource != .assumed, "\(header)")
        }
        // RRLTU is not the unit of AFRLT: that file states no unit for its time column.
        let unrelated = try read("USUBJID,AFRLT,AVAL,RRLTU\nA,2,5,h\n")
        #expect(unrelated.timeUnitSource == .assumed && unrelated.timeUnit == .days)
    }

    @Test func rowsOfOneFileMustAgreeOnTheUnit() throws {
        let csv = "USUBJID,AFRLT,AVAL,FRLTU\nA,1,5,h\nA,2,6,HOURS\nA,3,7,\nB,1,5,hr\nB,2,6,d\n"
        do {
            _ = try read(csv)
            Issue.record("disagreeing rows were accepted")
        } catch let error as DataError {
            #expect(error.line == 6 && error.column == "FRLTU")
            #expect(error.description.contains("\"d\" (days) differs from \"h\" on line 2"), "\(error)")
        }
        // Even under --skip-invalid: one file has one time unit, whichever row is wrong.
        #expect(throws: DataError.self) {
            _ = try ProfileReader(invalidRows: .skip).read(bytes: Array(csv.utf8), file: "t.csv")
        }
        do {
            _ = try read("USUBJID,AFRLT,AVAL,FRLTU\nA,1,5,hours\nA,2,6,fortnights\n")
            Issue.record("an unknown unit was accepted")
        } catch let error as DataError {
            #expect(error.line == 3 && error.description.contains("is not a time unit; expected min, minute(s), h"))
        }
    }

    /// The same check on the parallel path: a file long enough to be checked in parts, with the odd row late.
    @Test func disagreeingRowIsFoundOnTheParallelPath() throws {
        var csv = "USUBJID,AFRLT,AVAL,FRLTU\n"
        for s in 0..<3000 { for t in 1...5 { csv += "S\(s),\(t),\(t * 10),h\n" } }
        let lines = csv.split(separator: "\n").count
        csv += "Z,1,5,min\n"
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tu-\(UUID().uuidString).csv")
        try csv.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try ProfileReader().store(contentsOf: url, displayName: "big.csv", chunkSize: 16384, threads: 4)
            Issue.record("disagreeing rows were accepted")
        } catch {
            #expect(
                error.line == lines + 1 && error.description.contains("\"min\" (minutes) differs from \"h\" on line 2"))
        }
    }

    @Test func aGivenUnitIsNeverOverriddenByTheFileNorTheFileByIt() throws {
        var selection = ColumnSelection()
        selection.timeUnit = .days
        selection.namingHints[.timeUnit] = "--time-unit"
        do {
            _ = try ProfileReader(selection: selection).read(
                bytes: Array("USUBJID,AFRLT,AVAL,FRLTU\nA,1,5,\nA,2,5,h\n".utf8), file: "t.csv")
            Issue.record("a conflicting unit column was overridden")
        } catch {
            #expect(error.line == 3)
            #expect(error.description.contains("differs from the time unit given with --time-unit (days)"), "\(error)")
        }
        // Agreeing (another spelling) is fine, and so is a file without a unit column.
        let agreeing = try read("USUBJID,AFRLT,AVAL,FRLTU\nA,1,5,DAYS\n") { $0.timeUnit = .days }
        #expect(agreeing.timeUnitSource == .column("FRLTU"))
        let given = try read("id,time,value\nA,36,5\n") {
            $0.timeUnit = .hours
            $0.outputTimeUnit = .days
        }
        #expect(given.timeUnitSource == .given && given.timeUnit == .days)
        #expect(given.profiles[0].observations[0].time == 1.5)
    }

    @Test func conversionsThatLoseATimeStopTheRead() throws {
        #expect(throws: DataError.self) {
            _ = try read("id,time,value\nA,1e306,5\n") {
                $0.timeUnit = .weeks
                $0.outputTimeUnit = .minutes
            }
        }
        #expect(throws: DataError.self) {
            _ = try read("id,time,value\nA,1e-320,5\n") {
                $0.timeUnit = .minutes
                $0.outputTimeUnit = .weeks
            }
        }
    }

    @Test func filesInDifferentUnitsAreConvertedOrRefused() throws {
        let days = try read("id,time,value,time_unit\nA,1,5,d\n")
        let hours = try read("id,time,value,time_unit\nB,24,5,h\n")
        let unstated = try read("id,time,value\nC,1,5\n")
        #expect(throws: DataError.self) { _ = try ProfileCollection.combine([days, hours]) }
        #expect(throws: DataError.self) { _ = try ProfileCollection.combine([days, unstated]) }
        let both = [days, hours].map { set -> ProfileSet in
            var copy = set
            copy.timeUnit = .days
            return copy
        }
        #expect(try ProfileCollection.combine(both).timeUnit == .days)
        let unstatedOnly = try ProfileCollection.combine([unstated])
        #expect(unstatedOnly.timeUnitAssumed && unstatedOnly.timeUnit == .days)
    }

    // MARK: - The cohorts in other units

    private static let qpcrDays = "data/aid_cd7_qpcr.csv"

    private func nca(
        _ file: String, _ configure: (inout ColumnSelection) -> Void = { _ in }
    ) throws
        -> NCAAnalysis.Output
    {
        var selection = ColumnSelection(groups: ["COHORT"], lloq: .column("LLOQ"))
        configure(&selection)
        return try NCAAnalysis(selection: selection).run(files: [fixtureURL(file)])
    }

    /// Every NCA column of `converted` against `days`: times and areas × the days-to-unit ratio, rates ÷ it,
    /// everything else equal; to 1e-12 relative. Columns are matched by position (interval names differ).
    private func expectConverted(_ converted: NCAAnalysis.Output, equalTo days: NCAAnalysis.Output, unit: TimeUnit) {
        let ratio = TimeUnit.days.convert(1, to: unit)
        let columns = NCARegistry.columns(for: days.options)
        let convertedColumns = NCARegistry.columns(for: converted.options)
        #expect(columns.count == convertedColumns.count)
        #expect(converted.results.count == days.results.count && !days.results.isEmpty)
        var compared = 0
        for (a, b) in zip(days.results, converted.results) {
            #expect(a.subject == b.subject)
            for (column, twin) in zip(columns, convertedColumns) {
                let x = column.cell(a)
                let y = twin.cell(b)
                switch (x, y) {
                case (.number(let u), .number(let v)):
                    let expected: Double
                    switch column.unit {
                    case .time, .auc: expected = u * ratio
                    case .rate: expected = u / ratio
                    default: expected = u
                    }
                    #expect(isClose(v, expected, relative: 1e-12), "\(a.subject) \(column.name): \(v) vs \(expected)")
                    compared += 1
                case (.text, .text) where column.name == "time_unit":
                    #expect(y == .text(unit.symbol))
                default:
                    #expect(x == y, "\(a.subject) \(column.name)")
                }
            }
        }
        #expect(compared > 250)
    }

    @Test(arguments: [
        ("timeunit/aid_cd7_qpcr_hours.csv", TimeUnit.hours), ("timeunit/aid_cd7_qpcr_minutes.csv", .minutes),
        ("timeunit/aid_cd7_qpcr_weeks.csv", .weeks),
    ])
    func ncaOfAConvertedCohortEqualsTheDaysOne(file: String, unit: TimeUnit) throws {
        let days = try nca(Self.qpcrDays)
        #expect(days.timeUnitAssumed && days.timeUnit == .days)
        let converted = try nca(file)
        #expect(!converted.timeUnitAssumed && converted.timeUnit == unit)
        expectConverted(converted, equalTo: days, unit: unit)
        // And back into days with the output unit: the same numbers and column names as the original.
        let back = try nca(file) { $0.outputTimeUnit = .days }
        #expect(back.options.intervals.map(\.columnName) == ["auc_0_28", "auc_0_90"])
        expectConverted(back, equalTo: days, unit: .days)
        // The days file converted into the unit is the unit's file.
        let forward = try nca(Self.qpcrDays) { $0.outputTimeUnit = unit }
        expectConverted(forward, equalTo: days, unit: unit)
    }

    @Test func genericTimeUnitColumnOfTheFlowCohort() throws {
        let analysis = NCAAnalysis(selection: ColumnSelection(value: "car_t_cells_per_uL"))
        let days = try analysis.run(files: [fixtureURL("data/waiha_cd19bcma_flow.csv")])
        let hours = try analysis.run(files: [fixtureURL("timeunit/waiha_cd19bcma_flow_hours.csv")])
        #expect(hours.timeUnit == .hours && !hours.timeUnitAssumed)
        expectConverted(hours, equalTo: days, unit: .hours)
    }

    /// Built-in models are fitted in days whatever the input's unit: the hour-stamped cohort's fits are the
    /// day-stamped ones, with Tmax multiplied and the rates divided by 24. To 1e-9, not 1e-12: `242.4` hours
    /// divided by 24 is not always the double nearest `10.1` (one unit in the last place), and the Stein optimum
    /// moves by up to ~2e-11 relative for such a change of the data (its kink at Tmax makes it that
    /// sensitive); the NCA, a closed formula, agrees to 1e-12.
    @Test func fitsOfTheHourCohortEqualTheDaysOnes() throws {
        let selection = ColumnSelection(groups: ["COHORT"])
        let analysis = KineticAnalysis(selection: selection)
        let days = try analysis.run(files: [fixtureURL(Self.qpcrDays)])
        let hours = try analysis.run(files: [fixtureURL("timeunit/aid_cd7_qpcr_hours.csv")])
        #expect(hours.timeUnit == .hours)
        var compared = 0
        for (a, b) in zip(days.fits, hours.fits) {
            #expect(a.fit.status == b.fit.status, "\(a.subject)")
            for estimate in a.fit.estimates {
                guard let twin = b.fit.estimate(estimate.name) else {
                    Issue.record("\(a.subject): no \(estimate.name)")
                    continue
                }
                let factor: Double =
                    switch estimate.name {
                    case "tmax": 24
                    case "rho", "alpha", "beta": 1.0 / 24
                    default: 1
                    }
                #expect(
                    isClose(twin.value, estimate.value * factor, relative: 1e-9, absolute: 1e-15),
                    "\(a.subject) \(estimate.name): \(twin.value) vs \(estimate.value * factor)")
                expectClose(
                    twin.standardError, estimate.standardError.map { $0 * factor }, relative: 1e-6, absolute: 1e-12)
                compared += 1
            }
            expectClose(b.fit.ssr, a.fit.ssr, relative: 1e-9, absolute: 1e-300)
        }
        #expect(compared > 30)
        let table = hours.table
        #expect(table.columns.contains("auc_0_672_model") && table.columns.contains("time_unit"))
        #expect(!table.columns.contains("auc_0_28_model"))
    }

    @Test func ppUnitsAndDurationsInHours() throws {
        var analysis = NCAAnalysis(selection: ColumnSelection(groups: ["COHORT"], lloq: .column("LLOQ")))
        analysis.options.intervals = [AUCInterval(start: 0, end: 36, unit: .hours)].compactMap { $0 }
        let table = try PPExport(analysis, settings: PPSubmission.Settings(study: "S"))
            .export(files: [fixtureURL("timeunit/aid_cd7_qpcr_hours.csv")]).pp
        let code = try #require(table.columns.firstIndex(of: "PPTESTCD"))
        let unit = try #require(table.columns.firstIndex(of: "PPORRESU"))
        let end = try #require(table.columns.firstIndex(of: "PPENINT"))
        var units: [String: String] = [:]
        for row in table.rows {
            if case .text(let c) = row[code], case .text(let u) = row[unit] { units[c] = u }
            if case .text("AUCINT") = row[code] { #expect(row[end] == .text("P1DT12H")) }
        }
        #expect(units["TMAX"] == "h" && units["AUCLST"] == "h*copies/ug" && units["LAMZ"] == "1/h")
        #expect(units["LAMZHL"] == "h" && units["CMAX"] == "copies/ug")
    }
}
