import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics
import Foundation

/// The per-subject table of `pkfit fit`.
///
/// Columns: `subject`, the group columns, `model, status, n, cmax, tmax, rho, alpha, beta, fb, ssr,
/// residual_sd, aic, bic`, then `se_<name>`, `<name>_lower95`, `<name>_upper95` for every parameter, the derived
/// `doubling_time, contraction_half_life, persistence_half_life, auc_0_28_model, auc_0_90_model`, `iterations`,
/// `evaluations`, the rows not used (`n_blq_not_used, n_missing_not_used, n_preinfusion_not_used`) and `note`.
/// Parameters a model lacks are empty. With extra parameter names (formula models) their columns follow the
/// built-in ones in the same pattern.
public enum FitTable {
    static let builtInParameters = ["cmax", "tmax", "rho", "alpha", "beta", "fb"]

    public static func make(_ fits: [SubjectFit], groupColumns: [String], extraParameters: [String] = []) -> ResultTable
    {
        let parameters = builtInParameters + extraParameters.filter { !builtInParameters.contains($0) }
        var columns = ["subject"] + groupColumns + ["model", "status", "n"]
        columns += builtInParameters
        columns += extraParameters.filter { !builtInParameters.contains($0) }
        columns += ["ssr", "residual_sd", "aic", "bic"]
        columns += parameters.map { "se_\($0)" }
        for name in parameters { columns += ["\(name)_lower95", "\(name)_upper95"] }
        columns += [
            "doubling_time", "contraction_half_life", "persistence_half_life", "auc_0_28_model", "auc_0_90_model",
        ]
        columns += [
            "iterations", "evaluations", "n_blq_not_used", "n_missing_not_used", "n_preinfusion_not_used", "note",
        ]

        let rows = fits.map { subjectFit -> [ResultCell] in
            let fit = subjectFit.fit
            func number(_ value: Double?) -> ResultCell { value.map(ResultCell.number) ?? .empty }
            var row: [ResultCell] = [.text(subjectFit.subject)] + subjectFit.groups.map(ResultCell.text)
            row += [.text(fit.model), .text(fit.status.description), .integer(fit.sampleCount)]
            row += parameters.map { number(fit.estimate($0)?.value) }
            row += [number(fit.ssr), number(fit.residualStandardDeviation), number(fit.aic), number(fit.bic)]
            row += parameters.map { number(fit.estimate($0)?.standardError) }
            for name in parameters {
                row += [number(fit.estimate(name)?.lower), number(fit.estimate(name)?.upper)]
            }
            let curve = fit.curve
            let rho = fit.estimate("rho")?.value
            row += [
                number(rho.map { M_LN2 / $0 }),
                // No contraction phase (fb -> 1) has no contraction half-life.
                number(fit.estimate("alpha") == nil ? nil : curve.map(\.contractionHalfLife)),
                number(curve?.persistenceHalfLife),
                number(curve?.area(upTo: 28)),
                number(curve?.area(upTo: 90)),
            ]
            row += [.integer(fit.iterations), .integer(fit.evaluations)]
            row += [
                .integer(subjectFit.notUsed.belowLimit), .integer(subjectFit.notUsed.missing),
                .integer(subjectFit.notUsed.preInfusion),
            ]
            row.append(fit.note.map(ResultCell.text) ?? .empty)
            return row
        }
        return ResultTable(columns: columns, rows: rows)
    }
}
