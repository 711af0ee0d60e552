import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics

/// The tables `pkfit popfit` writes: estimates (one row per quantity) and per-subject results.
public enum PopulationTable {
    /// `parameter, estimate, se, rse_percent, lower95, upper95`: the estimates, then `minus2ll, aic, bic,
    /// n_subjects, n_observations, n_blq` (in `estimate`), diagnostics (η- and ε-shrinkage, the condition number,
    /// the Laplace −2 ln L) and the text rows `minus2ll_method`, `status`, `notes`.
    public static func estimates(_ fit: PopulationFit, censoring: CensoringMethod, data: PopulationData) -> ResultTable
    {
        var rows: [[ResultCell]] = fit.estimates.map { e in
            [
                .text(e.name), .number(e.value), cell(e.standardError), cell(e.relativeStandardErrorPercent),
                cell(e.lower), cell(e.upper),
            ]
        }
        func scalar(_ name: String, _ value: ResultCell) {
            rows.append([.text(name), value, .empty, .empty, .empty, .empty])
        }
        scalar("minus2ll", .number(fit.minus2LogLikelihood))
        scalar("aic", .number(fit.aic))
        scalar("bic", .number(fit.bic))
        scalar("n_subjects", .integer(fit.subjectCount))
        scalar("n_observations", .integer(fit.observationCount))
        scalar("n_blq", .integer(censoring == .m3 ? fit.censoredCount : data.subjects.reduce(0) { $0 + $1.blqDropped }))
        for (name, value) in zip(fit.randomNames, fit.etaShrinkage) { scalar("shrinkage_eta_\(name)", .number(value)) }
        scalar("shrinkage_epsilon", .number(fit.epsilonShrinkage))
        scalar("condition_number", cell(fit.conditionNumber))
        scalar("minus2ll_laplace", .number(fit.laplaceMinus2LogLikelihood))
        scalar("minus2ll_method", .text(fit.marginalMethod.description))
        scalar("status", .text(fit.status))
        scalar("notes", fit.notes.isEmpty ? .empty : .text(fit.notes.joined(separator: "; ")))
        return ResultTable(columns: ["parameter", "estimate", "se", "rse_percent", "lower95", "upper95"], rows: rows)
    }

    /// One row per subject: `subject, eta_<p>…, <p>…, cmax, tmax, auc_0_28, auc_0_90, n_used, n_censored,
    /// n_blq_dropped, n_missing, n_preinfusion`.
    public static func individuals(_ fit: PopulationFit) -> ResultTable {
        let columns =
            ["subject"] + fit.randomNames.map { "eta_\($0)" } + fit.parameterNames
            + [
                "model_cmax", "model_tmax", "model_auc_0_28", "model_auc_0_90", "n_used", "n_censored", "n_blq_dropped",
                "n_missing",
                "n_preinfusion",
            ]
        let rows: [[ResultCell]] = fit.individuals.map { i in
            [.text(i.subject)] + i.eta.map { .number($0) } + i.parameters.map { .number($0) }
                + [
                    cell(i.cmax), cell(i.tmax), cell(i.auc0to28), cell(i.auc0to90), .integer(i.used),
                    .integer(i.censored),
                    .integer(i.blqDropped), .integer(i.missing), .integer(i.preInfusion),
                ]
        }
        return ResultTable(columns: columns, rows: rows)
    }

    private static func cell(_ value: Double?) -> ResultCell { value.map { .number($0) } ?? .empty }
}
