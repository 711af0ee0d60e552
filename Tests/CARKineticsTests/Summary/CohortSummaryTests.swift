import CARKinetics
import Foundation
import Testing

@Suite("Cohort summary")
struct CohortSummaryTests {
    let subjects = [
        SubjectParameters(subject: "S1", groups: ["DL2", "R"], values: [100, 7]),
        SubjectParameters(subject: "S2", groups: ["DL1", "NR"], values: [10, 14]),
        SubjectParameters(subject: "S3", groups: ["DL2", "NR"], values: [1000, nil]),
        SubjectParameters(subject: "S4", groups: ["DL1", "NR"], values: [0, 10]),
        SubjectParameters(subject: "S5", groups: ["DL2", "R"], values: [10, 21]),
    ]

    @Test("grouped by one column: one row per group × parameter with the right statistics")
    func oneColumn() throws {
        let byDose = subjects.map { SubjectParameters(subject: $0.subject, groups: [$0.groups[0]], values: $0.values) }
        let summary = try CohortSummary(groupColumns: ["COHORT"], parameters: ["cmax", "tmax"], subjects: byDose)
        #expect(summary.rows.map(\.groups) == [["DL2"], ["DL2"], ["DL1"], ["DL1"]])
        #expect(summary.rows.map(\.parameter) == ["cmax", "tmax", "cmax", "tmax"])
        let dl2Cmax = summary.rows[0].statistics
        #expect(summary.rows[0].subjects == 3 && dl2Cmax.count == 3)
        expectClose(dl2Cmax.geometricMean, 100, relative: 1e-14, "geometric mean of 10, 100, 1000")
        expectClose(dl2Cmax.mean, 370, relative: 1e-15, "mean")
        #expect(dl2Cmax.median == 100)
        let dl2Tmax = summary.rows[1].statistics
        #expect(dl2Tmax.count == 2 && dl2Tmax.missing == 1 && dl2Tmax.median == 14)
        let dl1Cmax = summary.rows[2].statistics
        #expect(dl1Cmax.nonPositive == 1 && dl1Cmax.mean == 5)
        expectClose(dl1Cmax.geometricMean, 10, relative: 1e-15, "geometric mean without the zero")
    }

    @Test("grouped by two columns")
    func twoColumns() throws {
        let summary = try CohortSummary(
            groupColumns: ["COHORT", "RESP"], parameters: ["cmax", "tmax"], subjects: subjects)
        #expect(
            summary.rows.map(\.groups) == [
                ["DL2", "R"], ["DL2", "R"], ["DL1", "NR"], ["DL1", "NR"], ["DL2", "NR"], ["DL2", "NR"],
            ])
        #expect(summary.rows.map(\.subjects) == [2, 2, 2, 2, 1, 1])
        expectClose(summary.rows[0].statistics.geometricMean, 1000.0.squareRoot(), relative: 1e-14, "geomean(100, 10)")
    }

    @Test("machine table: columns named as the issue says, full precision, empty where not available")
    func machineTable() throws {
        let overall = subjects.map { SubjectParameters(subject: $0.subject, groups: [], values: [$0.values[1]]) }
        let summary = try CohortSummary(groupColumns: [], parameters: ["tmax"], subjects: overall)
        let table = summary.table
        #expect(
            table.columns == [
                "parameter", "n_subjects", "n", "n_missing", "n_excluded", "n_nonpositive", "mean", "sd",
                "cv_percent", "geometric_mean", "geometric_cv_percent", "median", "min", "max", "q1", "q3", "time_unit",
            ])
        #expect(table.rows.count == 1)
        let row = table.rows[0]
        #expect(row[0] == .text("tmax") && row[1] == .integer(5) && row[2] == .integer(4) && row[3] == .integer(1))
        // tmax 7, 14, 10, 21: mean 13, median 12, q1 (h = 0.75) 9.25, q3 (h = 2.25) 15.75
        #expect(row[4] == .integer(0))
        #expect(
            row[6] == .number(13) && row[11] == .number(12) && row[14] == .number(9.25) && row[15] == .number(15.75))

        let single = try CohortSummary(
            groupColumns: [], parameters: ["x"],
            subjects: [SubjectParameters(subject: "A", groups: [], values: [2])])
        #expect(single.table.rows[0][7] == .empty && single.table.rows[0][10] == .empty)
    }

    @Test("display table: conventional statistic per parameter, 3 significant figures, N and n")
    func displayTable() throws {
        let byDose = subjects.map { SubjectParameters(subject: $0.subject, groups: [$0.groups[0]], values: $0.values) }
        let summary = try CohortSummary(groupColumns: ["COHORT"], parameters: ["cmax", "tmax"], subjects: byDose)
        let display = summary.displayTable()
        #expect(display.columns == ["COHORT", "parameter", "N", "n", "statistic", "value", "note"])
        // DL2 cmax: 10, 100, 1000 → geometric mean 100, s = ln 10 → geo CV% = 100·sqrt(exp(ln²10) − 1) = 1.40e3... (3 s.f.)
        let geoCV = 100 * (exp(log(10.0) * log(10.0)) - 1).squareRoot()
        #expect(display.rows[0][5] == .text("100 (\(SignificantFigures.format(geoCV))%)"))
        #expect(display.rows[0][4] == .text("geometric mean (geometric CV%)"))
        // DL2 tmax: 7, 21 (one missing) → median 14
        #expect(display.rows[1][5] == .text("14.0 (7.00–21.0)"))
        #expect(display.rows[1][2] == .integer(3) && display.rows[1][3] == .integer(2))
        #expect(display.rows[1][6] == .text("1 missing"))
        // DL1 cmax: 10 and 0 → n = 1 for the geometric mean, CV not calculable, zero noted
        #expect(display.rows[2][3] == .integer(1) && display.rows[2][5] == .text("10.0 (NC)"))
        #expect(display.rows[2][6] == .text("1 value ≤ 0 excluded"))
    }

    @Test("bad input is rejected with the subject named")
    func errors() {
        #expect(throws: SummaryError.nonFiniteValue(subject: "B", parameter: "cmax", value: .infinity)) {
            try CohortSummary(
                groupColumns: [], parameters: ["cmax"],
                subjects: [SubjectParameters(subject: "B", groups: [], values: [.infinity])])
        }
        #expect(throws: SummaryError.valueCountMismatch(subject: "C", expected: 2, found: 1)) {
            try CohortSummary(
                groupColumns: [], parameters: ["cmax", "tmax"],
                subjects: [SubjectParameters(subject: "C", groups: [], values: [1])])
        }
        #expect(throws: SummaryError.groupColumnNameClash("parameter")) {
            try CohortSummary(groupColumns: ["parameter"], parameters: ["cmax"], subjects: [])
        }
    }

    @Test("conventions by parameter name")
    func conventions() {
        #expect(SummaryConvention(parameter: "cmax") == .geometricMean)
        #expect(SummaryConvention(parameter: "auc_0_28") == .geometricMean)
        #expect(SummaryConvention(parameter: "auc_pct_extrap_obs") == .arithmeticMean)
        #expect(SummaryConvention(parameter: "tlast") == .medianRange)
        #expect(SummaryConvention(parameter: "half_life") == .arithmeticMean)
    }
}

@Suite("Significant figures")
struct SignificantFiguresTests {
    @Test(
        "rounding and notation",
        arguments: [
            (48692.0, "48700"), (12.7, "12.7"), (7.0, "7.00"), (0.012345, "0.0123"), (9.996, "10.0"),
            (1234567.0, "1.23e+06"), (0.00001234, "1.23e-05"), (-3.14159, "-3.14"), (0.0, "0"), (999.5, "1000"),
        ])
    func format(_ value: Double, _ expected: String) {
        #expect(SignificantFigures.format(value) == expected)
    }
}
