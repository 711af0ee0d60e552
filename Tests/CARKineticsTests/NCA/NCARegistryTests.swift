import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// The registry is the one place that says each column's facts; these pin the facts other layers read from it.
@Suite struct NCARegistryTests {
    let columns = NCARegistry.columns(for: NCAOptions())

    @Test func namesAreUniqueAndFollowTheDocumentedOrder() {
        let names = columns.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(
            Array(names.prefix(16)) == [
                "cmax", "tmax", "clast", "tlast", "auclast", "auc_0_28", "auc_0_28_extrap", "auc_0_90",
                "auc_0_90_extrap",
                "lambda_z", "half_life", "r2adj", "lambda_z_points", "aucinf_obs", "r2", "lambda_z_time_first",
            ])
        #expect(names.suffix(3) == ["unit", "time_unit", "notes"])
    }

    /// CDISC's CNTCONC counts BLQ levels too, so it must not name the count of quantifiable levels
    /// (docs/pp-output.md); the old registry said CNTCONC while the PP writer overrode it.
    @Test func countsCarrySponsorCodesNotCNTCONC() {
        #expect(
            NCARegistry.column(named: "n_quantifiable")?.ppTest == .sponsor("NQUANT", "Number of Quantifiable Conc"))
        #expect(NCARegistry.column(named: "n_blq")?.ppTest?.code == "NBLQ")
        #expect(NCARegistry.column(named: "n_missing")?.ppTest?.code == "NMISS")
        #expect(!columns.contains { $0.ppTest?.code == "CNTCONC" })
        #expect(
            columns.filter { $0.ppTest?.isSponsorDefined == true }.map(\.name) == [
                "auc_0_28_extrap", "auc_0_90_extrap", "clast_pred", "n_quantifiable", "n_blq", "n_missing",
            ])
    }

    @Test func everyParameterHasAPPTestAndTextColumnsHaveNone() {
        for column in columns {
            #expect((column.ppTest == nil) == (column.unit == .text || column.name.hasSuffix("_n")), "\(column.name)")
            if let test = column.ppTest { #expect(test.name.count <= 40, "\(column.name)") }
        }
    }

    @Test func summarisedColumnsAndTheirConventions() {
        let summarised = columns.filter { $0.summary != nil }
        #expect(
            summarised.map(\.name) == [
                "cmax", "tmax", "clast", "tlast", "auclast", "auc_0_28", "auc_0_28_extrap", "auc_0_90",
                "auc_0_90_extrap",
                "lambda_z", "half_life", "aucinf_obs", "aucall", "tlag",
            ])
        #expect(SummaryConvention(parameter: "clast") == .geometricMean)
        #expect(SummaryConvention(parameter: "auc_7_14.5_extrap") == .geometricMean)
        #expect(SummaryConvention(parameter: "tlag") == .medianRange)
        #expect(SummaryConvention(parameter: "lambda_z") == .arithmeticMean)
        // Not an NCA column: no convention of its own.
        #expect(SummaryConvention(parameter: "cmax_ratio") == .arithmeticMean)
    }

    @Test func lambdaZDependence() {
        let dependent = Set(columns.filter(\.dependsOnLambdaZ).map(\.name))
        #expect(
            dependent == [
                "auc_0_28_extrap", "auc_0_90_extrap", "lambda_z", "half_life", "r2adj", "lambda_z_points", "aucinf_obs",
                "r2", "lambda_z_time_first", "lambda_z_time_last", "span_ratio", "clast_pred", "aucpext_obs",
            ])
    }

    @Test func intervalColumnsAreFoundByTheirNamesOnly() {
        #expect(NCARegistry.column(named: "auc_0.5_14.25")?.displayName == "AUC0.5–14.25d")
        #expect(NCARegistry.column(named: "auc_0_28_n")?.unit == .count)
        #expect(NCARegistry.column(named: "auc_28_0") == nil)
        #expect(NCARegistry.column(named: "auc_0_28_model") == nil)
        #expect(NCARegistry.column(named: "COHORT") == nil)
    }
}
