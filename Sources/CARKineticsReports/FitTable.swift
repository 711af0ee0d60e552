import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics
import Foundation

/// The per-subject table of `pkfit fit`.
///
/// Columns: `subject`, the group columns, `model, status, n, cmax, tmax, rho, alpha, beta, fb, ssr,
/// residual_sd, aic, bic, blq_method, minus2ll, sigma, n_blq_used` (`blq_method` `drop` = least squares over the
/// quantified samples, `m3` = BLQ samples censored; `minus2ll` and `sigma` are the log-scale likelihood and the
/// maximum-likelihood σ of either), then `se_<name>`, `<name>_lower95`, `<name>_upper95` for every parameter, the derived
/// `doubling_time, contraction_half_life, persistence_half_life, auc_0_28_model, auc_0_90_model`, `iterations`,
/// `evaluations`, the rows not used (`n_blq_not_used, n_missing_not_used, n_preinfusion_not_used`) and `note`.
/// Parameters a model lacks are empty. With extra parameter names (formula models) their columns follow the
/// built-in ones in the same pattern.
public enum FitTable {
    static let builtInParameters = ["cmax", "tmax", "rho", "alpha", "beta", "fb"]

    /// `timeUnit` is the unit of the fits' times and rates (``KineticAnalysis/Output/timeUnit``): the model
    /// areas cover the default windows 0–28 and 0–90 days in it and are named by their numbers in it
    /// (`auc_0_672_model` in hours), and the `time_unit` column (before `note`) states it.
    public static func make(
        _ fits: [SubjectFit], groupColumns: [String], extraParameters: [String] = [], timeUnit: TimeUnit = .days
    ) -> ResultTable {
        let windows = NCAOptions().resolved(to: timeUnit).intervals
        let parameters = builtInParameters + extraParameters.filter { !builtInParameters.contains($0) }
        var columns = ["subject"] + groupColumns + ["model", "status", "n"]
        columns += builtInParameters
        columns += extraParameters.filter { !builtInParameters.contains($0) }
        columns += ["ssr", "residual_sd", "aic", "bic", "blq_method", "minus2ll", "sigma", "n_blq_used"]
        columns += parameters.map { "se_\($0)" }
        for name in parameters { columns += ["\(name)_lower95", "\(name)_upper95"] }
        columns += ["doubling_time", "contraction_half_life", "persistence_half_life"]
        columns += windows.map { $0.columnName + "_model" }
        columns += [
            "iterations", "evaluations", "n_blq_not_used", "n_missing_not_used", "n_preinfusion_not_used",
            "time_unit", "note",
        ]

        let rows = fits.map { subjectFit -> [ResultCell] in
            let fit = subjectFit.fit
            func number(_ value: Double?) -> ResultCell { value.map(ResultCell.number) ?? .empty }
            var row: [ResultCell] = [.text(subjectFit.subject)] + subjectFit.groups.map(ResultCell.text)
            row += [.text(fit.model), .text(fit.status.description), .integer(fit.sampleCount)]
            row += parameters.map { number(fit.estimate($0)?.value) }
            row += [number(fit.ssr), number(fit.residualStandardDeviation), number(fit.aic), number(fit.bic)]
            row += [
                .text(fit.blqMethod.rawValue), number(fit.minus2LogLikelihood), number(fit.sigma),
                .integer(fit.censoredCount),
            ]
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
            ]
            row += windows.map { number(curve?.area(upTo: $0.end)) }
            row += [.integer(fit.iterations), .integer(fit.evaluations)]
            row += [
                .integer(subjectFit.notUsed.belowLimit), .integer(subjectFit.notUsed.missing),
                .integer(subjectFit.notUsed.preInfusion), .text(timeUnit.symbol),
            ]
            row.append(fit.note.map(ResultCell.text) ?? .empty)
            return row
        }
        return ResultTable(columns: columns, rows: rows)
    }
}
