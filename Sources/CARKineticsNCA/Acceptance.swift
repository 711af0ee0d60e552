import CARKineticsData
import CARKineticsNumerics

/// A failed acceptance criterion of the terminal phase or of AUCinf, with the threshold that was applied
/// (PKNCA's `exclude_nca_min.hl.r.squared`, `exclude_nca_span.ratio`, `exclude_nca_max.aucinf.pext`).
///
/// The comparisons are PKNCA's: a value fails a minimum when it is strictly below it and a maximum when it
/// is strictly above it, so a value equal to its threshold is accepted. A value that is not computable is
/// not judged (there is nothing to exclude); a NaN value fails, since it is no evidence of acceptance.
public enum AcceptanceCriterion: Sendable, Equatable, CustomStringConvertible {
    /// The unadjusted R² of the λz regression is below `minimum`.
    case r2(minimum: Double)
    /// The span ratio (λz last − first time) / half-life is below `minimum`.
    case spanRatio(minimum: Double)
    /// The percent of AUCinf,obs extrapolated past Tlast is above `maximum`.
    case aucPercentExtrapolated(maximum: Double)

    /// The criterion as the output writes it, naming the column it judged: `r2<0.9`, `span_ratio<2`,
    /// `aucpext_obs>20`.
    public var description: String {
        switch self {
        case .r2(let minimum): "r2<\(Self.format(minimum))"
        case .spanRatio(let minimum): "span_ratio<\(Self.format(minimum))"
        case .aucPercentExtrapolated(let maximum): "aucpext_obs>\(Self.format(maximum))"
        }
    }

    /// Failed criteria joined by `;` as in the `lambda_z_excluded_by` / `aucinf_excluded_by` columns; nil when none.
    public static func text(_ criteria: [AcceptanceCriterion]) -> String? {
        criteria.isEmpty ? nil : criteria.map(\.description).joined(separator: ";")
    }

    /// A threshold as written: integers without a fraction, others as the shortest round-trip decimal.
    private static func format(_ x: Double) -> String {
        AUCInterval.format(x)
    }
}

extension NCA {
    /// The acceptance criteria λz fails under `options` (empty when accepted or when there is no λz):
    /// R² ≥ `lambdaZMinimumR2` and span ratio ≥ `lambdaZMinimumSpanRatio`.
    public static func lambdaZExclusions(
        _ lambdaZ: Result<LambdaZFit, LambdaZFailure>, options: NCAOptions
    ) -> [AcceptanceCriterion] {
        guard case .success(let fit) = lambdaZ else { return [] }
        var failed: [AcceptanceCriterion] = []
        // `!(x >= t)` rather than `x < t`: a NaN fails instead of passing.
        if !(fit.r2 >= options.lambdaZMinimumR2) { failed.append(.r2(minimum: options.lambdaZMinimumR2)) }
        if !(fit.spanRatio >= options.lambdaZMinimumSpanRatio) {
            failed.append(.spanRatio(minimum: options.lambdaZMinimumSpanRatio))
        }
        return failed
    }

    /// The criteria AUCinf,obs fails: every criterion λz fails (`lambdaZExclusions`), then percent extrapolated
    /// ≤ `aucinfMaximumPercentExtrapolated` when that percentage is computable. Empty when AUCinf is not computable.
    public static func aucinfExclusions(
        lambdaZExclusions: [AcceptanceCriterion], aucinf: NCAValue, percentExtrapolated: NCAValue,
        options: NCAOptions
    ) -> [AcceptanceCriterion] {
        guard aucinf.number != nil else { return [] }
        var failed = lambdaZExclusions
        if case .value(let percent) = percentExtrapolated, !(percent <= options.aucinfMaximumPercentExtrapolated) {
            failed.append(.aucPercentExtrapolated(maximum: options.aucinfMaximumPercentExtrapolated))
        }
        return failed
    }
}
