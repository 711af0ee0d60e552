import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics

/// Result tables of `pkfit response` and `pkfit persistence`.
public enum ResponseTables {
    /// Columns of ``comparison(_:)`` after the group columns: the columns in its order, then extras.
    public static let comparisonColumns = [
        "parameter", "n_responders", "n_nonresponders", "geometric_mean_responders", "geometric_mean_nonresponders",
        "gmr", "gmr_lower90", "gmr_upper90", "mann_whitney_u", "mann_whitney_p",
        "logit_intercept", "logit_slope", "logit_slope_se", "logit_slope_lower95", "logit_slope_upper95", "logit_lr_p",
        "odds_ratio_per_doubling", "logit_method",
        "n_excluded", "n_response_missing", "gmr_df", "mann_whitney_method", "logit_note", "time_unit",
    ]

    /// One row per group × parameter, full precision, unavailable values empty (the reason in `logit_note`).
    /// Its JSON states schema `response/1` and, per parameter, the unit of the geometric means (the ratios,
    /// U, p-values and logistic coefficients per doubling have none).
    public static func comparison(_ output: ResponseAnalysis.Output) -> ResultTable {
        var table = ResultTable(
            columns: output.groupColumns + comparisonColumns,
            rows: output.rows.map { row in
                let r = row.ratio
                let u = row.mannWhitney
                var cells = row.groups.map(ResultCell.text)
                cells += [.text(row.parameter), .integer(row.responders), .integer(row.nonResponders)]
                cells += [r?.geometricMean1, r?.geometricMean2, r?.ratio, r?.lower, r?.upper, u?.u, u?.p].map(number)
                switch row.logistic {
                case .success(let fit):
                    cells += [
                        fit.intercept, fit.slope, fit.slopeStandardError, fit.slopeLower, fit.slopeUpper,
                        fit.likelihoodRatioP, fit.oddsRatioPerDoubling,
                    ].map(number)
                    cells.append(.text(fit.method.rawValue))
                case .failure:
                    cells += Array(repeating: ResultCell.empty, count: 8)
                }
                cells += [
                    .integer(row.excluded), .integer(row.responseMissing), number(r?.degreesOfFreedom),
                    u.map { .text($0.method.rawValue) } ?? .empty,
                ]
                switch row.logistic {
                case .success(let fit) where fit.separated:
                    cells.append(.text("outcome separated by the exposure: ML estimate does not exist"))
                case .success: cells.append(.empty)
                case .failure(let error): cells.append(.text("no logistic fit: \(error.description)"))
                }
                cells.append(.text(output.nca.timeUnit.symbol))
                return cells
            })
        table.envelope = JSONEnvelope(
            schema: JSONEnvelope.responseSchema, names: output.rows.map(\.parameter), keys: .parameters,
            levelUnit: JSONEnvelope.levelUnit(output.nca.results.map(\.unit)), timeUnit: output.nca.timeUnit)
        return table
    }

    /// Columns of `persistence(_:)` after the group columns; `days` are the survival times in the output's
    /// time unit (``PersistenceAnalysis/Output/survivalTimes``), which name their columns (`survival_2160` for
    /// 90 days in hours).
    public static func persistenceColumns(days: [Double]) -> [String] {
        ["n", "n_events", "median", "median_lower95", "median_upper95"]
            + days.map { d in d == d.rounded() && abs(d) < 1e15 ? "survival_\(Int(d))" : "survival_\(d)" }
            + ["logrank_p", "n_censored", "n_not_evaluable", "logrank_chisq", "logrank_df", "time_unit"]
    }

    /// One row per group: Kaplan–Meier median (+∞ = not reached) with its interval, Ŝ at `days` (in days,
    /// converted to the times' unit; empty past the follow-up), the log-rank test across groups repeated on
    /// every row (empty with one group), and the unit of the times. Its JSON states schema `persistence/1` and
    /// the medians' unit.
    public static func persistence(
        _ output: PersistenceAnalysis.Output, groupColumns: [String], days: [Double]
    ) -> ResultTable {
        let time = output.nca.timeUnit
        let days = days.map { TimeUnit.days.convert($0, to: time) }
        var table = ResultTable(
            columns: groupColumns + persistenceColumns(days: days),
            rows: output.groups.map { group in
                var cells = group.groups.map(ResultCell.text)
                let km = group.estimate
                cells += [.integer(km?.count ?? 0), .integer(km?.eventCount ?? 0)]
                cells += [km?.median, km?.medianLower, km?.medianUpper].map(number)
                cells += days.map { number(km?.survival(at: $0)) }
                let test = output.logRank
                cells += [
                    number(test?.p), .integer((km?.count ?? 0) - (km?.eventCount ?? 0)), .integer(group.notEvaluable),
                    number(test?.chiSquare), test.map { .integer($0.degreesOfFreedom) } ?? .empty,
                    .text(time.symbol),
                ]
                return cells
            })
        // The medians and their interval are times; survival probabilities, counts and the test have no unit.
        var envelope = JSONEnvelope(
            schema: JSONEnvelope.persistenceSchema, names: [], levelUnit: nil, timeUnit: time)
        envelope.units = ["median", "median_lower95", "median_upper95"].map {
            JSONEnvelope.Unit(key: $0, unit: time.symbol)
        }
        table.envelope = envelope
        return table
    }

    /// Columns of ``individual(_:groupColumns:)`` after `subject` and the group columns.
    public static let individualColumns = [
        "persistence_time", "event", "status", "last_sample_time", "first_loss_time", "time_unit",
    ]

    /// One row per profile: persistence time (in the times' unit, named in `time_unit`), event 1/0, status, follow-up and first loss time.
    public static func individual(_ output: PersistenceAnalysis.Output, groupColumns: [String]) -> ResultTable {
        ResultTable(
            columns: ["subject"] + groupColumns + individualColumns,
            rows: output.subjects.map { s in
                let status =
                    s.time == nil
                    ? "not evaluable (no quantifiable sample at t >= 0)" : s.event ? "loss of detection" : "censored"
                return [.text(s.subject)] + s.groups.map(ResultCell.text)
                    + [
                        number(s.time), s.time == nil ? .empty : .integer(s.event ? 1 : 0), .text(status),
                        number(s.lastSample), number(s.firstLoss), .text(output.nca.timeUnit.symbol),
                    ]
            })
    }

    private static func number(_ x: Double?) -> ResultCell { x.map(ResultCell.number) ?? .empty }
}
