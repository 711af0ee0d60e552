import Foundation

/// Builds the `pkfit report` document from a ``CohortAnalysis`` output.
///
/// Sections: input (files, subjects, what happened to every row), cohort summary in the
/// conventional layout and with all statistics, dose–exposure (when fitted), per-subject NCA,
/// concentration–time plots per cohort (log axis, BLQ marked) and Cmax / AUC over the first
/// interval by cohort. Groups are the ``CohortSummary`` groups; without grouping columns there
/// is one group, "All subjects".
public enum CohortReport {
    /// Per-subject NCA columns shown in the report (when present), after subject and groups.
    public static let subjectColumns = [
        "cmax", "tmax", "clast", "tlast", "auclast", "half_life", "r2adj", "lambda_z_points", "notes",
    ]

    /// The report of `output`; `options` must be the NCA options the analysis ran with (they are
    /// described in the input section and decide which AUC window is plotted by cohort).
    public static func build(_ output: CohortAnalysis.Output, title: String, options: NCAOptions) -> Report {
        var report = Report(title: title)
        let summary = output.summary
        let groupColumns = summary.groupColumns
        let unitText = output.unit ?? "unit not stated"

        // Input and row accounting.
        report.blocks.append(.heading("Input", level: 2))
        let ledgers = output.nca.ledgers
        var facts: [(label: String, value: String)] = [
            ("Files", ledgers.map(\.file).joined(separator: ", ")),
            ("Subjects (profiles)", String(output.nca.results.count)),
            ("Grouping", groupColumns.isEmpty ? "none (one overall group)" : groupColumns.joined(separator: ", ")),
            ("Unit of levels", unitText),
            ("AUC method", options.aucMethod.rawValue),
            ("Partial AUC windows (days)", options.intervals.map { "\(AUCInterval.format($0.start))–\(AUCInterval.format($0.end))" }.joined(separator: ", ")),
            ("Data rows", String(ledgers.map(\.dataLines).reduce(0, +))),
        ]
        let blank = ledgers.map(\.blankLines.count).reduce(0, +)
        if blank > 0 { facts.append(("Blank lines skipped", String(blank))) }
        report.blocks.append(.facts(facts))
        report.blocks.append(.table(rowAccounting(output.nca.results), caption: "What happened to each data row (BLQ rule: first/middle/last = \(options.blqRule.first.rawValue)/\(options.blqRule.middle.rawValue)/\(options.blqRule.last.rawValue))"))

        // Summary tables.
        report.blocks.append(.heading("Cohort summary", level: 2))
        report.blocks.append(.paragraph("Geometric mean (geometric CV%) for levels and AUCs, median (min–max) for times, mean (SD) otherwise; N = subjects, n = values used; NC = not calculable. Geometric statistics use values > 0 only. Units: levels in \(unitText), times in days."))
        report.blocks.append(.table(summary.displayTable(), caption: "Cohort summary, conventional layout (3 significant figures)"))
        report.blocks.append(.table(summary.table, caption: "Descriptive statistics (quartiles by R type 7)"))
        if let fits = output.doseExposure {
            report.blocks.append(.heading("Dose–exposure", level: 2))
            report.blocks.append(.paragraph("Power model ln(exposure) = a + b·ln(dose) by least squares over subjects with dose and exposure > 0; b = 1 is dose-proportional. Confidence interval from Student's t with n − 2 degrees of freedom."))
            report.blocks.append(.table(DoseExposure.table(fits), caption: "Power-model slope b per exposure parameter"))
            if let doses = output.doses {
                let shown = ["cmax"] + (options.intervals.first.map { [$0.columnName] } ?? ["auclast"])
                for (parameter, fit) in fits where shown.contains(parameter) {
                    guard let cells = output.nca.table.column(parameter) else { continue }
                    let points = output.nca.results.indices.map { i -> (subject: String, dose: Double?, exposure: Double?) in
                        if case .number(let x) = cells[i] { return (output.nca.results[i].subject, doses[i], x) }
                        return (output.nca.results[i].subject, doses[i], nil)
                    }
                    let unit = parameter == "cmax" ? output.unit : output.unit.map { "day·\($0)" }
                    let image = CohortPlots.doseExposure(points, fit: fit, parameter: parameter, unit: unit,
                                                         title: "\(parameter) vs dose")
                    report.blocks.append(.figure(image, caption: "\(parameter) against dose (log–log) with the power-model fit."))
                }
            }
        }

        // Per-subject NCA.
        report.blocks.append(.heading("Per-subject NCA", level: 2))
        report.blocks.append(.table(select(output.nca.table, groupColumns: groupColumns), caption: "Per-subject NCA (levels in \(unitText), times in days)"))

        // Plots. Rows of the NCA table, results and profiles share one order (NCAAnalysis.Output).
        let nca = output.nca
        let cohorts = Grouping.byFirstAppearance(Array(nca.results.indices)) {
            Array(nca.results[$0].groups.prefix(groupColumns.count))
        }
        func cohortName(_ key: [String]) -> String {
            key.isEmpty ? "All subjects" : zip(groupColumns, key).map { "\($0) \($1)" }.joined(separator: ", ")
        }
        report.blocks.append(.heading("Concentration–time profiles", level: 2))
        for cohort in cohorts {
            let name = cohortName(cohort.key)
            let image = ConcentrationPlots.spaghetti(profiles: cohort.rows.map { nca.profiles[$0] }, title: name, unit: output.unit)
            report.blocks.append(.figure(image, caption: "\(name): levels by subject, log scale; open triangles are BLQ samples."))
        }

        report.blocks.append(.heading("Exposure by cohort", level: 2))
        let exposureColumns = ["cmax"] + (options.intervals.first.map { [$0.columnName] } ?? ["auclast"])
        for column in exposureColumns {
            guard let cells = nca.table.column(column) else { continue }
            let values = cohorts.map { cohort in
                (name: cohort.key.isEmpty ? "All" : cohort.key.joined(separator: " / "),
                 values: cohort.rows.map { i -> SubjectValue in
                     if case .number(let x) = cells[i] { return SubjectValue(subject: nca.results[i].subject, value: x) }
                     return SubjectValue(subject: nca.results[i].subject, value: nil)
                 })
            }
            let unit = column == "cmax" ? output.unit : output.unit.map { "day·\($0)" }
            let image = CohortPlots.pointsByCohort(values, parameter: column, unit: unit, title: "\(column) by cohort")
            report.blocks.append(.figure(image, caption: "\(column) per subject by cohort (log scale); bar = median."))
        }
        return report
    }

    /// Counts of rows by what the NCA did with them, per subject and in total.
    static func rowAccounting(_ results: [NCAResult]) -> ResultTable {
        let columns = ["subject", "quantifiable", "BLQ set to 0", "BLQ dropped", "missing", "pre-infusion used at 0", "pre-infusion ignored"]
        var total = [Int](repeating: 0, count: 6)
        var rows: [[ResultCell]] = []
        for result in results {
            var counts = [Int](repeating: 0, count: 6)
            for treatment in result.treatments {
                switch treatment {
                case .quantifiable: counts[0] += 1
                case .belowLimitAsZero: counts[1] += 1
                case .belowLimitDropped: counts[2] += 1
                case .missing: counts[3] += 1
                case .preInfusionCarriedToZero: counts[4] += 1
                case .preInfusionIgnored: counts[5] += 1
                }
            }
            for k in counts.indices { total[k] += counts[k] }
            rows.append([.text(result.subject)] + counts.map(ResultCell.integer))
        }
        rows.append([.text("Total")] + total.map(ResultCell.integer))
        return ResultTable(columns: columns, rows: rows)
    }

    /// The NCA table cut to subject, the summary's group columns and ``subjectColumns``.
    static func select(_ table: ResultTable, groupColumns: [String]) -> ResultTable {
        let wanted = ["subject"] + groupColumns + subjectColumns
        let indices = wanted.compactMap { table.columns.firstIndex(of: $0) }
        return ResultTable(columns: indices.map { table.columns[$0] },
                           rows: table.rows.map { row in indices.map { $0 < row.count ? row[$0] : .empty } })
    }
}
