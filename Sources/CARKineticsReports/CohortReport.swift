import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics
import Foundation

/// Builds the `pkfit report` document from a `CohortAnalysis` output.
///
/// Sections: input (files, subjects, what happened to every row, a warning when BLQ samples have
/// no known LLOQ), cohort summary in the conventional layout (one column per cohort) and with all
/// statistics, dose–exposure (when fitted), per-subject NCA, concentration–time plots per cohort
/// (log axis, BLQ marked), model fits (when given: a per-subject table and each profile with its
/// fitted curve) and Cmax / AUC over the first interval by cohort. Groups are the
/// `CohortSummary` groups; without grouping columns there is one group, "All subjects".
/// Parameters carry display names and units (``ParameterNames``).
public enum CohortReport {
    /// Per-subject fit columns shown in the report (``FitTable`` names), after subject and groups.
    public static let fitColumns = [
        "model", "status", "n", "cmax", "tmax", "rho", "alpha", "beta", "fb", "doubling_time",
        "contraction_half_life", "persistence_half_life", "residual_sd", "blq_method", "sigma", "minus2ll",
        "n_blq_used",
    ]

    /// The report of `output`; `options` must be the NCA options the analysis ran with (they are
    /// described in the input section and decide which AUC window is plotted by cohort). `fits`, when
    /// given, are the model fits of `output.nca.profiles` in the same order (`KineticAnalysis/fit(_:timeUnit:progress:)`).
    /// - Parameters:
    ///   - output: the cohort analysis to report.
    ///   - title: the document's title.
    ///   - options: the NCA options of the analysis.
    ///   - fits: the model fits, or nil for a report without them.
    ///   - lloqAdvice: how the reader gives an LLOQ, completing "If the file has an LLOQ column or the assay has
    ///     one limit, give it …" in the note on BLQ samples without a known limit (a command line names its
    ///     option here).
    public static func build(
        _ output: CohortAnalysis.Output, title: String, options: NCAOptions,
        fits: [SubjectFit]? = nil,
        lloqAdvice: String = "as the LLOQ source of the column selection (a column or a number)"
    ) -> Report {
        var report = Report(title: title)
        let summary = output.summary
        let groupColumns = summary.groupColumns
        let unitText = output.unit ?? "unit not stated"
        let time = output.nca.timeUnit
        let timeAssumed = output.nca.timeUnitAssumed
        // Built once: the analysis holds results, and the table is laid out from them on each request.
        let ncaTable = output.nca.table

        // Input and row accounting.
        report.blocks.append(.heading("Input", level: 2))
        let ledgers = output.nca.ledgers
        var facts: [(label: String, value: String)] = [
            ("Files", ledgers.map(\.file).joined(separator: ", ")),
            // A subject is in one file only (NCAAnalysis), so its identifier counts it; --profile-by can give it
            // several profiles.
            ("Subjects", String(Set(output.nca.results.map(\.subject)).count)),
            ("Profiles", String(output.nca.results.count)),
            ("Grouping", groupColumns.isEmpty ? "none (one overall group)" : groupColumns.joined(separator: ", ")),
            ("Unit of levels", unitText),
            ("Unit of times", timeAssumed ? "\(time.plural) (assumed: no input states it)" : time.plural),
            ("AUC method", options.aucMethod.rawValue),
            (
                "Partial AUC windows (\(time.plural))",
                options.intervals.map { "\(AUCInterval.format($0.start))–\(AUCInterval.format($0.end))" }.joined(
                    separator: ", ")
            ),
            ("Data rows", String(ledgers.map(\.dataLines).reduce(0, +))),
        ]
        let blank = ledgers.map(\.blankLines.count).reduce(0, +)
        if blank > 0 { facts.append(("Blank lines skipped", String(blank))) }
        // Rows set aside before being read (row selection, ADNCA dose and derived records), per file and reason.
        for ledger in ledgers where !ledger.setAside.isEmpty {
            let label = ledgers.count == 1 ? "Rows set aside" : "Rows set aside (\(ledger.file))"
            facts.append(
                (
                    label,
                    "\(ledger.setAside.count): "
                        + ledger.setAsideCounts.map { "\($0.count) \($0.reason.fate.rawValue) (\($0.reason.detail))" }
                        .joined(separator: "; ")
                ))
        }
        report.blocks.append(.facts(facts))
        let unlimited = output.nca.profiles.map { profile in
            profile.observations.filter { $0.measurement == .belowLimit(lloq: nil) }.count
        }.reduce(0, +)
        if unlimited > 0 {
            report.blocks.append(
                .paragraph(
                    "Note: \(unlimited) sample\(unlimited == 1 ? " is" : "s are") marked BLQ without a known LLOQ, so the plots place \(unlimited == 1 ? "it" : "them") at the floor of the axis. If the file has an LLOQ column or the assay has one limit, give it \(lloqAdvice); it is never taken from a column implicitly."
                ))
        }
        report.blocks.append(
            .table(
                rowAccounting(output.nca.results),
                caption:
                    "What happened to each data row (BLQ rule: first/middle/last = \(options.blqRule.first.rawValue)/\(options.blqRule.middle.rawValue)/\(options.blqRule.last.rawValue))"
            ))

        // Summary tables.
        report.blocks.append(.heading("Cohort summary", level: 2))
        report.blocks.append(
            .paragraph(
                "Geometric mean (geometric CV%) for levels and AUCs, median (min–max) for times, mean (SD) otherwise; N = subjects, [n=k] = values used when fewer than N; NC = not calculable. Geometric statistics use values > 0 only. \(output.unit.map { "Levels in \($0), times in \(time.plural)." } ?? "Times in \(time.plural); the input states no unit for the levels.")"
            ))
        if let note = acceptanceNote(output.nca.results, options: options) { report.blocks.append(.paragraph(note)) }
        report.blocks.append(
            .table(
                summary.byGroupTable(levelUnit: output.unit),
                caption: "Cohort summary, conventional layout (3 significant figures)"))
        report.blocks.append(
            .table(
                readableStatistics(summary, levelUnit: output.unit),
                caption:
                    "Descriptive statistics (n = values used, ≤0 = values left out of geometric statistics; quartiles by R type 7)"
            ))
        if let fits = output.doseExposure {
            report.blocks.append(.heading("Dose–exposure", level: 2))
            report.blocks.append(
                .paragraph(
                    "Power model ln(exposure) = a + b·ln(dose) by least squares over subjects with dose and exposure > 0; b = 1 is dose-proportional. Confidence interval from Student's t with n − 2 degrees of freedom."
                ))
            var slopes = DoseExposure.table(fits)
            if let p = slopes.columns.firstIndex(of: "parameter") {
                for r in slopes.rows.indices {
                    if case .text(let name) = slopes.rows[r][p] {
                        slopes.rows[r][p] = .text(ParameterNames.displayName(name, timeUnit: time))
                    }
                }
            }
            report.blocks.append(.table(slopes, caption: "Power-model slope b per exposure parameter"))
            if let doses = output.doses {
                let shown = ["cmax"] + (options.resolvedIntervals.first.map { [$0.columnName] } ?? ["auclast"])
                for (parameter, fit) in fits where shown.contains(parameter) {
                    guard let cells = ncaTable.column(parameter) else { continue }
                    let points = output.nca.results.indices.map {
                        i -> (subject: String, dose: Double?, exposure: Double?) in
                        if case .number(let x) = cells[i] { return (output.nca.results[i].subject, doses[i], x) }
                        return (output.nca.results[i].subject, doses[i], nil)
                    }
                    let name = ParameterNames.displayName(parameter, timeUnit: time)
                    let image = CohortPlots.doseExposure(
                        points, fit: fit, parameter: name,
                        unit: ParameterNames.unit(parameter, levelUnit: output.unit, timeUnit: time),
                        title: "\(name) vs dose")
                    report.blocks.append(
                        .figure(image, caption: "\(name) against dose (log–log) with the power-model fit."))
                }
            }
        }

        // Per-subject NCA.
        report.blocks.append(.heading("Per-subject NCA", level: 2))
        report.blocks.append(
            .table(
                ParameterNames.relabel(
                    select(ncaTable, groupColumns: groupColumns, options: options),
                    levelUnit: output.unit, timeUnit: time, keep: groupColumns),
                caption:
                    "Per-subject NCA. Interval AUCs stop at Tlast when the window ends after it (see the CSV for the λz-extrapolated values)."
            ))

        // Plots. Rows of the NCA table, results and profiles share one order (NCAAnalysis.Output).
        let nca = output.nca
        let cohorts = Grouping.byFirstAppearance(Array(nca.results.indices)) {
            Array(nca.results[$0].groups.prefix(groupColumns.count))
        }
        func cohortName(_ key: [String]) -> String {
            key.isEmpty ? "All subjects" : zip(groupColumns, key).map { "\($0) \($1)" }.joined(separator: ", ")
        }
        report.blocks.append(.heading("Concentration–time profiles", level: 2))
        // Each cohort: the whole follow-up, and the expansion phase up to the end of the first AUC window,
        // where the whole follow-up squeezes the peak into a few pixels.
        let early = options.resolvedIntervals.first?.end ?? TimeUnit.days.convert(28, to: time)
        for cohort in cohorts {
            let name = cohortName(cohort.key)
            let profiles = cohort.rows.map { nca.profiles[$0] }
            let hasBLQ = profiles.contains { profile in
                profile.observations.contains {
                    switch $0.measurement {
                    case .belowLimit: true
                    case .value(let level): level <= 0
                    case .missing: false
                    }
                }
            }
            let whole = ConcentrationPlots.spaghetti(
                profiles: profiles, title: name, unit: output.unit, width: 560, height: 400, time: time,
                timeAssumed: timeAssumed)
            let first = ConcentrationPlots.spaghetti(
                profiles: profiles, title: "\(name), \(time.plural) 0–\(AUCInterval.format(early))",
                unit: output.unit, until: early, width: 560, height: 400, time: time, timeAssumed: timeAssumed)
            report.blocks.append(
                .figureGrid([
                    (
                        whole,
                        "\(name): levels by subject over the whole follow-up, log scale\(hasBLQ ? "; open triangles are BLQ samples" : "")."
                    ),
                    (
                        first,
                        "\(name): the first \(AUCInterval.format(early)) \(time.plural) (expansion and contraction)."
                    ),
                ]))
        }

        if var fits {
            if output.stratifiedByUnit {
                // The fits carry the read group columns; the unit column follows them, as in the summary.
                for i in fits.indices where i < nca.profiles.count {
                    fits[i].groups = Array(fits[i].groups.prefix(groupColumns.count - 1)) + [nca.profiles[i].unit ?? ""]
                }
            }
            report.blocks += fitBlocks(
                fits, profiles: nca.profiles, groupColumns: groupColumns, levelUnit: output.unit, time: time,
                timeAssumed: timeAssumed)
        }

        report.blocks.append(.heading("Exposure by cohort", level: 2))
        let exposureColumns = ["cmax"] + (options.resolvedIntervals.first.map { [$0.columnName] } ?? ["auclast"])
        var exposurePlots: [(image: SVGImage, caption: String)] = []
        for column in exposureColumns {
            guard let cells = ncaTable.column(column) else { continue }
            let values = cohorts.map { cohort in
                (
                    name: cohort.key.isEmpty ? "All" : cohort.key.joined(separator: " / "),
                    values: cohort.rows.map { i -> SubjectValue in
                        if case .number(let x) = cells[i] {
                            return SubjectValue(subject: nca.results[i].subject, value: x)
                        }
                        return SubjectValue(subject: nca.results[i].subject, value: nil)
                    }
                )
            }
            let name = ParameterNames.displayName(column, timeUnit: time)
            let image = CohortPlots.pointsByCohort(
                values, parameter: name, unit: ParameterNames.unit(column, levelUnit: output.unit, timeUnit: time),
                title: "\(name) by cohort",
                groupLabel: groupColumns.isEmpty ? "All subjects" : groupColumns.joined(separator: " / "))
            exposurePlots.append((image, "\(name) per subject by cohort (log scale); bar = median."))
        }
        report.blocks.append(.figureGrid(exposurePlots))
        return report
    }

    /// Counts of rows by what the NCA did with them, per subject and in total.
    static func rowAccounting(_ results: [NCAResult]) -> ResultTable {
        let columns = [
            "subject", "quantifiable", "BLQ set to 0", "BLQ dropped", "missing", "pre-infusion used at 0",
            "pre-infusion ignored",
        ]
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

    /// The model-fit section: per-subject table and each profile with its fitted curve.
    static func fitBlocks(
        _ fits: [SubjectFit], profiles: [Profile], groupColumns: [String], levelUnit: String?,
        time: TimeUnit = .days, timeAssumed: Bool = false
    ) -> [Report.Block] {
        var blocks: [Report.Block] = [.heading("Model fits", level: 2)]
        let trimmed = fits.map { fit -> SubjectFit in
            var fit = fit
            fit.groups = Array(fit.groups.prefix(groupColumns.count))
            return fit
        }
        let converged = fits.filter { $0.fit.status == .converged }.count
        let models = Set(fits.map(\.fit.model)).sorted().joined(separator: ", ")
        let censored = fits.map(\.fit.censoredCount).reduce(0, +)
        let objective =
            fits.contains { $0.fit.blqMethod == .m3 }
            ? "Maximum likelihood on ln C with BLQ samples at t ≥ 0 as censored observations (Beal's M3, \(censored) BLQ samples used; σ estimated; missing and pre-infusion samples are not used)"
            : "Least squares on ln C over the quantifiable samples at t ≥ 0 (BLQ, zero, missing and pre-infusion samples are not used)"
        blocks.append(
            .paragraph(
                "\(objective). Models: \(models). \(converged) of \(fits.count) fits converged; the status column says why the others have no or boundary estimates. t½,α = ln 2/α (contraction), t½,β = ln 2/β (persistence), doubling time = ln 2/ρ."
            ))
        let table = FitTable.make(trimmed, groupColumns: groupColumns, timeUnit: time)
        let wanted = ["subject"] + groupColumns + fitColumns
        let indices = wanted.compactMap { table.columns.firstIndex(of: $0) }
        let cut = ResultTable(
            columns: indices.map { table.columns[$0] },
            rows: table.rows.map { row in indices.map { $0 < row.count ? row[$0] : .empty } })
        blocks.append(
            .table(
                ParameterNames.relabel(cut, levelUnit: levelUnit, timeUnit: time, keep: groupColumns),
                caption: "Per-subject model fits"
            ))
        var grid: [(image: SVGImage, caption: String)] = []
        for (fit, profile) in zip(fits, profiles) {
            let curve = fit.fit.curve.map { fittedPoints($0, profile: profile) }
            let title = "\(profile.subject) – \(fit.fit.model)"
            let image = ConcentrationPlots.individual(
                profile: profile, fitted: curve, title: title, width: 540, height: 330, time: time,
                timeAssumed: timeAssumed)
            let status = fit.fit.status == .converged ? "" : " (\(fit.fit.status.description))"
            let caption =
                curve == nil
                ? "\(profile.subject): observations; no fitted curve\(status)."
                : "\(profile.subject): observations and the fitted \(fit.fit.model) curve\(status)."
            grid.append((image, caption))
        }
        blocks.append(.figureGrid(grid))
        return blocks
    }

    /// The fitted curve from the first quantifiable sample at t ≥ 0 (from Tmax for contraction-only
    /// models, whose curve says nothing before it) to the last sample, at 200 even steps plus Tmax so the
    /// peak is drawn sharp. Points more than a decade below the lowest quantified level are left out:
    /// an extrapolation far below the data would otherwise stretch the log axis over dozens of decades.
    static func fittedPoints(_ curve: CurveParameters, profile: Profile) -> [(time: Double, value: Double)] {
        var quantified: [(time: Double, level: Double)] = []
        for observation in profile.observations where observation.time >= 0 && observation.time.isFinite {
            if case .value(let level) = observation.measurement, level > 0 {
                quantified.append((observation.time, level))
            }
        }
        guard var start = quantified.map(\.time).min(), let lowest = quantified.map(\.level).min(),
            let end = profile.observations.map(\.time).filter(\.isFinite).max()
        else { return [] }
        if curve.rho == nil { start = max(start, curve.tmax) }
        guard end > start else { return [] }
        var grid = (0...200).map { start + (end - start) * Double($0) / 200 }
        if curve.tmax > start && curve.tmax < end { grid.append(curve.tmax) }
        return grid.sorted().map { ($0, curve.value(at: $0)) }.filter { $0.1 >= lowest / 10 }
    }

    /// How many terminal slopes and AUCinf values the acceptance criteria exclude from the statistics; nil when
    /// none is excluded.
    static func acceptanceNote(_ results: [NCAResult], options: NCAOptions) -> String? {
        let lambdaZ = results.filter { !$0.lambdaZExcludedBy.isEmpty }.count
        let aucinf = results.filter { !$0.aucinfExcludedBy.isEmpty }.count
        guard lambdaZ + aucinf > 0 else { return nil }
        let estimated = results.filter { if case .success = $0.lambdaZ { true } else { false } }.count
        let r2 = AUCInterval.format(options.lambdaZMinimumR2)
        let span = AUCInterval.format(options.lambdaZMinimumSpanRatio)
        let pext = AUCInterval.format(options.aucinfMaximumPercentExtrapolated)
        return
            "Acceptance: λz is accepted when R² ≥ \(r2) and span ratio ≥ \(span), AUCinf when λz is and ≤ \(pext)% of it is extrapolated. \(lambdaZ) of \(estimated) λz and \(aucinf) AUCinf value\(aucinf == 1 ? "" : "s") fail; their values (and the λz-derived ones: half-life, AUCinf, extrapolated AUCs) are shown per subject but left out of the statistics and counted as excluded (see lambda_z_excluded_by, aucinf_excluded_by in the NCA output)."
    }

    /// The summary's statistics with readable headers and parameter names; full precision stays in
    /// the HTML tooltips.
    static func readableStatistics(_ summary: CohortSummary, levelUnit: String?) -> ResultTable {
        var table = summary.table
        // The unit of times is in the parameter labels here, not in a column of its own.
        if let timeColumn = table.columns.lastIndex(of: "time_unit") {
            table.columns.remove(at: timeColumn)
            for r in table.rows.indices where timeColumn < table.rows[r].count { table.rows[r].remove(at: timeColumn) }
        }
        let headers: [String: String] = [
            "parameter": "Parameter", "n_subjects": "N", "n": "n", "n_missing": "missing", "n_excluded": "excluded",
            "n_nonpositive": "≤0",
            "mean": "Mean", "sd": "SD", "cv_percent": "CV%", "geometric_mean": "Geo mean",
            "geometric_cv_percent": "Geo CV%", "median": "Median", "min": "Min", "max": "Max", "q1": "Q1", "q3": "Q3",
        ]
        let start = summary.groupColumns.count
        for c in table.columns.indices where c >= start {
            table.columns[c] = headers[table.columns[c]] ?? table.columns[c]
        }
        for r in table.rows.indices {
            if case .text(let name) = table.rows[r][start] {
                table.rows[r][start] = .text(
                    ParameterNames.label(name, levelUnit: levelUnit, timeUnit: summary.timeUnit))
            }
        }
        return table
    }

    /// The NCA table cut to subject, the summary's group columns and the registry's columns shown per subject
    /// in the report (``NCAColumn/inSubjectReport``), in registry order.
    static func select(_ table: ResultTable, groupColumns: [String], options: NCAOptions) -> ResultTable {
        let shown = NCARegistry.columns(for: options).filter(\.inSubjectReport).map(\.name)
        let wanted = ["subject"] + groupColumns + shown
        let indices = wanted.compactMap { table.columns.firstIndex(of: $0) }
        return ResultTable(
            columns: indices.map { table.columns[$0] },
            rows: table.rows.map { row in indices.map { $0 < row.count ? row[$0] : .empty } })
    }
}
