import CARKinetics
import Foundation
import Testing

@Suite("Report layout: display names, by-group summary")
struct ReportLayoutTests {
    @Test("display names and units for people; unknown names unchanged")
    func names() {
        #expect(ParameterNames.displayName("auc_0_28") == "AUC0–28d")
        #expect(ParameterNames.displayName("auc_7_14.5_extrap") == "AUC7–14.5d,extrap")
        #expect(ParameterNames.label("cmax", levelUnit: "copies/ug") == "Cmax (copies/ug)")
        #expect(ParameterNames.label("auc_0_90", levelUnit: "cells/uL") == "AUC0–90d (day·cells/uL)")
        #expect(ParameterNames.label("half_life", levelUnit: nil) == "t½ (day)")
        #expect(ParameterNames.label("lambda_z", levelUnit: nil) == "λz (1/day)")
        #expect(ParameterNames.label("aucpext_obs", levelUnit: "x") == "AUCextrap,obs (%)")
        // level-dependent units are left out when the level unit is unknown, never guessed
        #expect(ParameterNames.label("auclast", levelUnit: nil) == "AUClast")
        #expect(ParameterNames.label("r2adj", levelUnit: "x") == "R²adj")
        #expect(ParameterNames.label("contraction_half_life", levelUnit: nil) == "t½,α (day)")
        #expect(ParameterNames.label("se_rho", levelUnit: nil) == "SE ρ (1/day)")
        #expect(ParameterNames.label("tmax_upper95", levelUnit: nil) == "Tmax upper 95% (day)")
        #expect(ParameterNames.displayName("COHORT") == "COHORT")
        #expect(ParameterNames.displayName("auc_x_28") == "auc_x_28")
    }

    @Test("by-group layout: one column per group, statistic by convention, [n=k] when values are missing")
    func byGroup() throws {
        let subjects = [
            SubjectParameters(subject: "S1", groups: ["DL2"], values: [100, 7]),
            SubjectParameters(subject: "S2", groups: ["DL1"], values: [10, 14]),
            SubjectParameters(subject: "S3", groups: ["DL2"], values: [1000, nil]),
            SubjectParameters(subject: "S4", groups: ["DL1"], values: [0, 10]),
            SubjectParameters(subject: "S5", groups: ["DL2"], values: [10, 21]),
        ]
        let summary = try CohortSummary(groupColumns: ["COHORT"], parameters: ["cmax", "tmax"], subjects: subjects)
        let table = summary.byGroupTable(levelUnit: "cells/uL")
        #expect(table.columns == ["Parameter", "Statistic", "COHORT DL2 (N=3)", "COHORT DL1 (N=2)"])
        let geoCV = SignificantFigures.format(100 * (exp(log(10.0) * log(10.0)) - 1).squareRoot())
        #expect(
            table.rows[0] == [
                .text("Cmax (cells/uL)"), .text("geometric mean (geometric CV%)"),
                .text("100 (\(geoCV)%)"), .text("10.0 (NC) [n=1]"),
            ])
        // DL2 Tmax 7, 21 (one missing) → median 14; DL1 Tmax 14, 10 → median 12
        #expect(
            table.rows[1] == [
                .text("Tmax (day)"), .text("median (min–max)"), .text("14.0 (7.00–21.0) [n=2]"),
                .text("12.0 (10.0–14.0)"),
            ])
        let overall = try CohortSummary(
            groupColumns: [], parameters: ["cmax"],
            subjects: subjects.map { SubjectParameters(subject: $0.subject, groups: [], values: [$0.values[0]]) })
        #expect(overall.byGroupTable().columns == ["Parameter", "Statistic", "All subjects (N=5)"])
    }
}
