import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics
import Foundation

/// The exposure–response and persistence sections of `pkfit report --response COL`.
public enum ResponseReport {
    /// Blocks to append to a report: the responder comparison table, exposure by response (points with
    /// medians) and the fitted logistic curve per parameter, then Kaplan–Meier curves by group with numbers at
    /// risk and the group table.
    public static func blocks(
        _ response: ResponseAnalysis.Output, responseColumn: String, persistence: PersistenceAnalysis.Output,
        groupColumns: [String], days: [Double], unit: String?
    ) -> [Report.Block] {
        var blocks: [Report.Block] = [.heading("Exposure by response", level: 2)]
        blocks.append(
            .paragraph(
                "Responders (\(response.coding.responders.joined(separator: ", "))) against non-responders (\(response.coding.nonResponders.joined(separator: ", "))) in column \(responseColumn). GMR = ratio of geometric means with a Welch t 90% interval on ln values; Mann–Whitney U of the responders; logistic regression of response on ln(exposure) with Wald 95% limits (Firth's penalised likelihood when the exposure separates the outcomes). Definitions: docs/response.md."
            ))
        var table = ResponseTables.comparison(response)
        let shown =
            response.groupColumns + [
                "parameter", "n_responders", "n_nonresponders", "geometric_mean_responders",
                "geometric_mean_nonresponders", "gmr", "gmr_lower90", "gmr_upper90", "mann_whitney_p",
                "odds_ratio_per_doubling", "logit_lr_p", "logit_method", "n_excluded",
            ]
        let indices = shown.compactMap { table.columns.firstIndex(of: $0) }
        let parameterIndex = indices.firstIndex { table.columns[$0] == "parameter" }
        table = ResultTable(
            columns: indices.map { table.columns[$0] },
            rows: table.rows.map { row in
                indices.enumerated().map { k, c in
                    if k == parameterIndex, case .text(let name) = row[c] {
                        return .text(ParameterNames.displayName(name, timeUnit: response.nca.timeUnit))
                    }
                    return row[c]
                }
            })
        // Readable headers (ParameterNames); the group columns keep their input names.
        table.columns = table.columns.map { response.groupColumns.contains($0) ? $0 : ParameterNames.displayName($0) }
        blocks.append(.table(table, caption: "Responders vs non-responders per exposure parameter"))
        var figures: [(image: SVGImage, caption: String)] = []
        let groupCount = response.groupColumns.count
        for row in response.rows {
            let members = response.nca.results.enumerated().filter {
                Array($0.element.groups.prefix(groupCount)) == row.groups
            }
            guard let cells = response.nca.table.column(row.parameter) else { continue }
            var yes: [SubjectValue] = []
            var no: [SubjectValue] = []
            for (i, result) in members {
                let value: Double? = if case .number(let x) = cells[i], x > 0 { x } else { nil }
                switch response.coding.isResponder((result.groups.last ?? "").trimmingCharacters(in: .whitespaces)) {
                case true?: yes.append(SubjectValue(subject: result.subject, value: value))
                case false?: no.append(SubjectValue(subject: result.subject, value: value))
                case nil: break
                }
            }
            let name = ParameterNames.displayName(row.parameter, timeUnit: response.nca.timeUnit)
            // The parameter's own unit (an AUC is in time·level), and say so when the input gives none.
            let axisUnit =
                ParameterNames.unit(row.parameter, levelUnit: unit, timeUnit: response.nca.timeUnit) ?? "unit not given"
            let suffix =
                row.groups.isEmpty
                ? "" : " — " + zip(response.groupColumns, row.groups).map { "\($0) \($1)" }.joined(separator: ", ")
            figures.append(
                (
                    CohortPlots.pointsByCohort(
                        [("responder", yes), ("non-responder", no)], parameter: name, unit: axisUnit,
                        title: "\(name) by response\(suffix)", groupLabel: responseColumn),
                    "\(name) by response\(suffix): subjects and medians"
                ))
            if case .success(let fit) = row.logistic {
                figures.append(
                    (
                        ResponsePlots.logisticCurve(
                            responders: yes, nonResponders: no, fit: fit, parameter: name, unit: axisUnit,
                            title: "P(response) vs \(name)\(suffix)"),
                        "Logistic fit (\(fit.method.rawValue)) of response on ln \(name)\(suffix), observed outcomes at 0 and 1"
                    ))
            }
        }
        if !figures.isEmpty { blocks.append(.figureGrid(figures)) }

        blocks.append(.heading("Persistence", level: 2))
        blocks.append(
            .paragraph(
                "Persistence time = last quantifiable sample at t ≥ 0; loss of detection when a BLQ sample follows it, censored otherwise. Kaplan–Meier estimate with Greenwood variance; median with its Brookmeyer–Crowley log-log 95% interval (inf = not reached); log-rank test across groups."
            ))
        let estimates = persistence.groups.compactMap { group in
            group.estimate.map {
                (
                    name: group.groups.isEmpty
                        ? "All subjects"
                        : zip(groupColumns, group.groups).map { "\($0) \($1)" }.joined(separator: ", "), estimate: $0
                )
            }
        }
        if !estimates.isEmpty {
            let time = persistence.nca.timeUnit
            blocks.append(
                .figure(
                    ResponsePlots.kaplanMeier(
                        estimates, title: "Time to loss of CAR-T detection",
                        timeLabel: ParameterNames.timeAxisLabel(time, assumed: persistence.nca.timeUnitAssumed)),
                    caption: "Kaplan–Meier curves by group (open markers: censored)"))
            let times = [0.0] + days.map { TimeUnit.days.convert($0, to: time) }
            var atRisk = ResultTable(
                columns: ["group"]
                    + times.map { time == .days ? "day \(Int($0))" : "\(AUCInterval.format($0)) \(time.symbol)" })
            for (name, estimate) in estimates {
                atRisk.rows.append(
                    [.text(name)]
                        + times.map { t in
                            // At risk at day t: profiles whose time is ≥ t.
                            .integer(
                                estimate.steps.filter { $0.time >= t }.map { $0.events + $0.censored }.reduce(0, +))
                        })
            }
            blocks.append(.table(atRisk, caption: "Numbers at risk"))
        }
        blocks.append(
            .table(
                ResponseTables.persistence(persistence, groupColumns: groupColumns, days: days),
                caption: "Kaplan–Meier estimates per group"))
        return blocks
    }
}
