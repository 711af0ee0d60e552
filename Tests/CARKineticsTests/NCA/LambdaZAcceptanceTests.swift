import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsNCA
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// λz and AUCinf acceptance criteria (PKNCA's `exclude_nca_*` defaults: R² ≥ 0.9, span ratio ≥ 2, AUCinf
/// extrapolated ≤ 20%); a value equal to its threshold is accepted, as in PKNCA.
@Suite struct LambdaZAcceptanceTests {
    /// Cmax 1000 at day 1, then ln C = 5, 4, 2 at days 2, 3, 4: the only λz candidate is those three points.
    /// By hand (x centred −1, 0, 1; ln C − mean = 4/3, 1/3, −5/3): Sxy = −3, Sxx = 2, Syy = 42/9, so λz = 1.5,
    /// R² = 9/(2·42/9) = 27/28, adjusted R² = 1 − (1/28)·2 = 26/28, half-life = ln 2/1.5, span ratio =
    /// 2/(ln 2/1.5) = 4.328085122666891. AUClast (linear-up/log-down) = 500 + (1000 − e⁵)/(ln 1000 − 5)
    /// + (e⁵ − e⁴) + (e⁴ − e²)/2 = 1063.8011492520898; AUCinf = AUClast + e²/1.5 = 1068.7271866513768;
    /// extrapolated 0.46092561888705785 %.
    let profile = makeProfile([(0, nil), (1, 1000), (2, exp(5)), (3, exp(4)), (4, exp(2))])

    func analyze(_ options: NCAOptions = NCAOptions()) -> NCAResult {
        NCA.analyze(profile, options: options)
    }

    @Test func handComputedFitIsAcceptedByDefault() throws {
        let result = analyze()
        let fit = try #require(try? result.lambdaZ.get())
        expectClose(fit.lambdaZ, 1.5, relative: 1e-14, "λz")
        expectClose(fit.r2, 27.0 / 28.0, relative: 1e-14, "R²")
        expectClose(fit.adjustedR2, 26.0 / 28.0, relative: 1e-14, "adjusted R²")
        expectClose(fit.spanRatio, 4.328085122666891, relative: 1e-14, "span ratio")
        expectClose(result.aucinfObserved.number, 1068.7271866513768, relative: 1e-13, "AUCinf")
        expectClose(result.aucPercentExtrapolated.number, 0.46092561888705785, relative: 1e-11, "%extrap")
        #expect(result.lambdaZExcludedBy.isEmpty)
        #expect(result.aucinfExcludedBy.isEmpty)
    }

    @Test func r2AtItsThresholdIsAcceptedAndJustAboveIsNot() throws {
        let r2 = try #require(try? analyze().lambdaZ.get()).r2
        var options = NCAOptions()
        options.lambdaZMinimumR2 = r2
        #expect(analyze(options).lambdaZExcludedBy.isEmpty, "R² = threshold passes (PKNCA excludes only R² < min)")
        options.lambdaZMinimumR2 = r2.nextUp
        let result = analyze(options)
        #expect(result.lambdaZExcludedBy == [.r2(minimum: r2.nextUp)])
        #expect(result.aucinfExcludedBy == [.r2(minimum: r2.nextUp)], "AUCinf goes with λz")
        options.lambdaZMinimumR2 = 0.97
        #expect(AcceptanceCriterion.text(analyze(options).lambdaZExcludedBy) == "r2<0.97")
    }

    @Test func spanRatioAtItsThresholdIsAcceptedAndJustAboveIsNot() throws {
        let span = try #require(try? analyze().lambdaZ.get()).spanRatio
        var options = NCAOptions()
        options.lambdaZMinimumSpanRatio = span
        #expect(analyze(options).lambdaZExcludedBy.isEmpty)
        options.lambdaZMinimumSpanRatio = span.nextUp
        #expect(analyze(options).lambdaZExcludedBy == [.spanRatio(minimum: span.nextUp)])
        options.lambdaZMinimumSpanRatio = 5
        options.lambdaZMinimumR2 = 0.99
        let both = analyze(options)
        #expect(AcceptanceCriterion.text(both.lambdaZExcludedBy) == "r2<0.99;span_ratio<5")
        #expect(AcceptanceCriterion.text(both.aucinfExcludedBy) == "r2<0.99;span_ratio<5")
    }

    /// Powers of two halve each day: λz = ln 2 and half-life 1 day to the last bit, so the three points after
    /// Tmax, two days apart, span exactly 2 half-lives — the default threshold itself.
    @Test func spanRatioOfExactlyTwoPassesTheDefault() throws {
        let halving = makeProfile([(0, nil), (1, 2), (2, 1), (3, 0.5), (4, 0.25)])
        let result = NCA.analyze(halving)
        let fit = try #require(try? result.lambdaZ.get())
        #expect(fit.spanRatio == 2, "span ratio \(fit.spanRatio)")
        #expect(fit.r2 == 1)
        #expect(result.lambdaZExcludedBy.isEmpty)
    }

    @Test func aucinfExtrapolatedAtItsThresholdIsAcceptedAndJustAboveIsNot() throws {
        let percent = try #require(analyze().aucPercentExtrapolated.number)
        var options = NCAOptions()
        options.aucinfMaximumPercentExtrapolated = percent
        let at = analyze(options)
        #expect(at.aucinfExcludedBy.isEmpty, "%extrap = max passes (PKNCA excludes only > max)")
        options.aucinfMaximumPercentExtrapolated = percent.nextDown
        let above = analyze(options)
        #expect(above.aucinfExcludedBy == [.aucPercentExtrapolated(maximum: percent.nextDown)])
        #expect(above.lambdaZExcludedBy.isEmpty, "the AUCinf criterion does not exclude λz")
        options.aucinfMaximumPercentExtrapolated = 0.25
        #expect(AcceptanceCriterion.text(analyze(options).aucinfExcludedBy) == "aucpext_obs>0.25")
    }

    @Test func noTerminalPhaseMeansNothingToExclude() {
        let rising = NCA.analyze(makeProfile([(0, nil), (1, 10), (2, 100)]))
        #expect(rising.lambdaZExcludedBy.isEmpty)
        #expect(rising.aucinfExcludedBy.isEmpty)
        let empty = NCA.analyze(makeProfile([(0, nil), (7, nil)]))
        #expect(empty.aucinfObserved == .value(0))
        #expect(empty.aucinfExcludedBy.isEmpty)
    }

    /// Which registry values each criterion excludes: everything from λz; AUCinf and its percentage; an
    /// extrapolated window AUC only when its window ends after Tlast (as in PKNCA, where an interval that ends
    /// by Tlast never used λz).
    @Test func registryColumnsExcludedWithLambdaZ() throws {
        var options = NCAOptions(intervals: [interval(0, 3), interval(0, 28)])
        options.lambdaZMinimumR2 = 0.99
        let result = analyze(options)
        let excluded = Set(
            NCARegistry.columns(for: options).filter { !$0.excludedBy(result).isEmpty }.map(\.name))
        #expect(
            excluded == [
                "auc_0_28_extrap", "lambda_z", "half_life", "r2adj", "lambda_z_points", "aucinf_obs", "r2",
                "lambda_z_time_first", "lambda_z_time_last", "span_ratio", "clast_pred", "aucpext_obs",
            ])
        var cells: [String: NCAColumnValue] = [:]
        for column in NCARegistry.columns(for: options) { cells[column.name] = column.cell(result) }
        #expect(cells["lambda_z_excluded_by"] == .text("r2<0.99"))
        #expect(cells["aucinf_excluded_by"] == .text("r2<0.99"))
        #expect(cells["lambda_z_rule"] == .text("best-fit"))
        #expect(cells["lambda_z_reason"] == .empty)
        // Values are still reported.
        expectClose(cells["lambda_z"]?.number, 1.5, relative: 1e-14, "λz printed")
        let accepted = analyze()
        for column in NCARegistry.columns(for: NCAOptions()) { #expect(column.excludedBy(accepted).isEmpty) }
        #expect(
            NCARegistry.columns(for: NCAOptions()).first { $0.name == "aucinf_excluded_by" }?.cell(accepted) == .empty)
    }

    /// The sample files: the flags agree with the criteria applied by hand to every profile's printed R², span
    /// ratio and %extrapolated, and the counts are those reported in issue 13 (PKNCA's own λz fail 13 of 28;
    /// AID-007, whose best fit PKNCA drops as rising, fails too).
    @Test func sampleFilesFlagsAgreeWithTheCriteria() throws {
        var estimated = 0
        var failed = 0
        for (file, value) in [("data/aid_cd7_qpcr.csv", nil), ("data/waiha_cd19bcma_flow.csv", "car_t_cells_per_uL")] {
            var selection = ColumnSelection()
            selection.value = value
            let output = try NCAAnalysis(selection: selection).run(files: [fixtureURL(file)])
            for result in output.results {
                guard case .success(let fit) = result.lambdaZ else {
                    #expect(result.lambdaZExcludedBy.isEmpty)
                    continue
                }
                estimated += 1
                var expected: [String] = []
                if fit.r2 < 0.9 { expected.append("r2<0.9") }
                if fit.spanRatio < 2 { expected.append("span_ratio<2") }
                #expect(result.lambdaZExcludedBy.map(\.description) == expected, "\(result.subject)")
                if let percent = result.aucPercentExtrapolated.number, percent > 20 {
                    expected.append("aucpext_obs>20")
                }
                #expect(result.aucinfExcludedBy.map(\.description) == expected, "\(result.subject)")
                if !result.lambdaZExcludedBy.isEmpty { failed += 1 }
            }
            if file.contains("qpcr") {
                let flagged = output.results.filter { !$0.lambdaZExcludedBy.isEmpty }.map(\.subject)
                #expect(flagged == ["AID-004", "AID-007", "AID-008", "AID-009", "AID-011", "AID-013", "AID-016"])
            }
        }
        #expect(estimated == 29)
        #expect(failed == 14)
    }
}
