import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics
import Foundation

/// Builds the `pkfit report` document from a `CohortAnalysis` output, laid out to stay readable from a handful
/// of subjects to thousands (docs/report.md).
///
/// Sections, in order: input (files, subjects, row accounting by cohort), methods (provenance when given: software
/// version, date, command line, each input's size and SHA-256; the NCA, λz, BLQ, summary and plotting rules),
/// cohort summary (conventional layout and all statistics), concentration–time profiles (median profiles of the
/// cohorts together, then one panel per cohort on a shared scale), exposure by cohort (box plots with points),
/// dose–exposure (when fitted: the power-model table, exposure and dose-normalised exposure against dose), model
/// fits (when given: the per-subject table and small multiples of every profile with its fitted curve), and an
/// appendix with the per-subject NCA and row accounting. Groups are the `CohortSummary` groups in
/// ``Settings/groupOrder``; without grouping columns there is one group, "All subjects". Parameters carry
/// display names and units (``ParameterNames``). No legend lists more than a dozen entries.
public enum CohortReport {
    /// The heading of the appendix, which stays last (``Report/insert(_:beforeHeading:)``).
    public static let appendixHeading = "Appendix: per-subject results"

    /// Above this many profiles the appendix leaves the per-subject row accounting to the row audit.
    public static let perSubjectAccountingLimit = 100

    /// Per-subject fit columns shown in the report (``FitTable`` names), after subject and groups.
    public static let fitColumns = [
        "model", "status", "n", "cmax", "tmax", "rho", "alpha", "beta", "fb", "doubling_time",
        "contraction_half_life", "persistence_half_life", "residual_sd",
    ]

    /// Added to ``fitColumns`` when some fit used the censored likelihood (M3).
    public static let censoredFitColumns = ["blq_method", "sigma", "minus2ll", "n_blq_used"]

    /// What a report shows beyond the analysis itself.
    public struct Settings: Sendable {
        /// The order of the groups (default: numeric-aware sort).
        public var groupOrder = GroupOrder()
        /// Where the report came from (methods section); nil leaves the provenance out.
        public var provenance: Provenance?
        /// Each profile's nominal times, in the order of the analysis' profiles, one per observation (nil where a
        /// row has none); nil = bin the actual times (``LevelsByTime``).
        public var nominalTimes: [[Double?]]?
        /// The column the nominal times came from, for the methods section.
        public var nominalTimeColumn: String?
        /// The unit of the dose column, for axis titles; nil = "unit not given".
        public var doseUnit: String?

        /// Default settings: numeric-aware group order, no provenance, binned actual times, days.
        public init() {}
    }

    /// The report of `output`; `options` must be the NCA options the analysis ran with (they are
    /// described in the methods section and decide which AUC window is plotted by cohort). `fits`, when
    /// given, are the model fits of `output.nca.profiles` in the same order (`KineticAnalysis/fit(_:)`).
    /// - Parameters:
    ///   - output: the cohort analysis to report.
    ///   - title: the document's title.
    ///   - options: the NCA options of the analysis.
    ///   - fits: the model fits, or nil for a report without them.
    ///   - lloqAdvice: how the reader gives an LLOQ, completing "If the file has an LLOQ column or the assay has
    ///     one limit, give it …" in the note on BLQ samples without a known limit (a command line names its
    ///     option here).
    ///   - settings: group order, provenance, nominal times, dose unit.
    public static func build(
        _ output: CohortAnalysis.Output, title: String, options: NCAOptions,
        fits: [SubjectFit]? = nil,
        lloqAdvice: String = "as the LLOQ source of the column selection (a column or a number)",
        settings: Settings = Settings()
    ) -> Report {
        var report = Report(title: title)
        let summary = ordered(output.summary, settings.groupOrder)
        let groupColumns = summary.groupColumns
        let time = TimeUnitText(output.nca.timeUnit, assumed: output.nca.timeUnitAssumed)
        // Built once: the analysis holds results, and the table is laid out from them on each request.
        let ncaTable = output.nca.table
        let nca = output.nca
        // Rows of the NCA table, results and profiles share one order (NCAAnalysis.Output).
        let firstSeen = Grouping.byFirstAppearance(Array(nca.results.indices)) {
            Array(nca.results[$0].groups.prefix(groupColumns.count))
        }
        let rowsByKey = Dictionary(firstSeen.map { ($0.key, $0.rows) }, uniquingKeysWith: { a, _ in a })
        let cohorts = settings.groupOrder.sorted(firstSeen.map(\.key)).map { (key: $0, rows: rowsByKey[$0] ?? []) }
        func cohortName(_ key: [String]) -> String {
            key.isEmpty ? "All subjects" : zip(groupColumns, key).map { "\($0) \($1)" }.joined(separator: ", ")
        }

        report.blocks += inputBlocks(output, cohorts: cohorts, groupColumns: groupColumns, lloqAdvice: lloqAdvice)
        report.blocks += methodsBlocks(output, options: options, fits: fits, settings: settings)

        // Summary tables.
        report.blocks.append(.heading("Cohort summary", level: 2))
        report.blocks.append(
            .paragraph(
                "Geometric mean (geometric CV%) for levels and AUCs, median (min–max) for times, mean (SD) otherwise; N = subjects, [n=k] = values used when fewer than N; NC = not calculable. Geometric statistics use values > 0 only. \(output.unit.map { "Levels in \($0), times in \(time.plural)." } ?? "Times in \(time.plural); the input states no unit for the levels (unit not given).")"
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

        report.blocks += profileBlocks(output, cohorts: cohorts, cohortName: cohortName, settings: settings)
        report.blocks += exposureBlocks(
            output, ncaTable: ncaTable, cohorts: cohorts, groupColumns: groupColumns, options: options)
        report.blocks += doseBlocks(output, ncaTable: ncaTable, options: options, settings: settings)

        if var fits {
            if output.stratifiedByUnit {
                // The fits carry the read group columns; the unit column follows them, as in the summary.
                for i in fits.indices where i < nca.profiles.count {
                    fits[i].groups = Array(fits[i].groups.prefix(groupColumns.count - 1)) + [nca.profiles[i].unit ?? ""]
                }
            }
            let order = cohorts.flatMap(\.rows)
            report.blocks += fitBlocks(
                order.compactMap { $0 < fits.count ? fits[$0] : nil }, profiles: order.map { nca.profiles[$0] },
                groupColumns: groupColumns, levelUnit: output.unit, timeUnit: time)
        }

        // Appendix: the per-subject tables, in group order.
        report.blocks.append(.heading(appendixHeading, level: 2))
        let order = cohorts.flatMap(\.rows)
        let selected = select(ncaTable, groupColumns: groupColumns, options: options)
        report.blocks.append(
            .table(
                ParameterNames.relabel(
                    ResultTable(columns: selected.columns, rows: order.map { selected.rows[$0] }),
                    levelUnit: output.unit, timeUnit: time.unit, keep: groupColumns),
                caption:
                    "Per-subject NCA. Interval AUCs stop at Tlast when the window ends after it (see the CSV for the λz-extrapolated values)."
            ))
        if order.count <= perSubjectAccountingLimit {
            report.blocks.append(
                .table(
                    rowAccounting(order.map { nca.results[$0] }),
                    caption:
                        "What happened to each subject's data rows (BLQ rule: first/middle/last = \(options.blqRule.first.rawValue)/\(options.blqRule.middle.rawValue)/\(options.blqRule.last.rawValue)); the row audit lists every row"
                ))
        } else {
            report.blocks.append(
                .paragraph(
                    "With \(order.count) profiles the per-subject row counts are left to the row audit (one line per input row with its fate); the counts by group are in the input section."
                ))
        }
        return report
    }

    /// `summary` with its rows in group order (parameters keep their order within a group).
    static func ordered(_ summary: CohortSummary, _ order: GroupOrder) -> CohortSummary {
        var summary = summary
        var keys: [[String]] = []
        for row in summary.rows where !keys.contains(row.groups) { keys.append(row.groups) }
        let rank = Dictionary(
            order.sorted(keys).enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        summary.rows = summary.rows.enumerated().sorted { a, b in
            let ra = rank[a.element.groups] ?? 0
            let rb = rank[b.element.groups] ?? 0
            return ra != rb ? ra < rb : a.offset < b.offset
        }.map(\.element)
        return summary
    }

    /// Files, counts and the row accounting by cohort (the per-subject counts are in the appendix).
    static func inputBlocks(
        _ output: CohortAnalysis.Output, cohorts: [(key: [String], rows: [Int])], groupColumns: [String],
        lloqAdvice: String
    ) -> [Report.Block] {
        var blocks: [Report.Block] = [.heading("Input", level: 2)]
        let ledgers = output.nca.ledgers
        var facts: [(label: String, value: String)] = [
            ("Files", ledgers.map(\.file).joined(separator: ", ")),
            // A subject is in one file only (NCAAnalysis), so its identifier counts it; --profile-by can give it
            // several profiles.
            ("Subjects", String(Set(output.nca.results.map(\.subject)).count)),
            ("Profiles", String(output.nca.results.count)),
            (
                "Grouping",
                groupColumns.isEmpty
                    ? "none (one overall group)"
                    : "\(groupColumns.joined(separator: ", ")): \(cohorts.map { GroupOrder.name($0.key) }.joined(separator: ", "))"
            ),
            ("Unit of levels", output.unit ?? "unit not given"),
            (
                "Unit of times",
                output.nca.timeUnitAssumed
                    ? "\(output.nca.timeUnit.plural) (assumed: no input states it)" : output.nca.timeUnit.plural
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
        blocks.append(.facts(facts))
        let unlimited = output.nca.profiles.map { profile in
            profile.observations.filter { $0.measurement == .belowLimit(lloq: nil) }.count
        }.reduce(0, +)
        if unlimited > 0 {
            blocks.append(
                .paragraph(
                    "Note: \(unlimited) sample\(unlimited == 1 ? " is" : "s are") marked BLQ without a known LLOQ, so the plots place \(unlimited == 1 ? "it" : "them") at the floor of the axis. If the file has an LLOQ column or the assay has one limit, give it \(lloqAdvice); it is never taken from a column implicitly."
                ))
        }
        var table = rowAccounting([])
        table.columns[0] = groupColumns.isEmpty ? "group" : groupColumns.joined(separator: " / ")
        table.columns.insert("subjects", at: 1)
        table.rows = []
        var total = [Int](repeating: 0, count: 7)
        for cohort in cohorts {
            let counts = [cohort.rows.count] + treatmentCounts(cohort.rows.map { output.nca.results[$0] })
            for k in counts.indices { total[k] += counts[k] }
            table.rows.append(
                [.text(cohort.key.isEmpty ? "All subjects" : GroupOrder.name(cohort.key))]
                    + counts.map(ResultCell.integer))
        }
        if cohorts.count > 1 { table.rows.append([.text("Total")] + total.map(ResultCell.integer)) }
        blocks.append(.table(table, caption: "What happened to the data rows, by group (per subject: appendix)"))
        return blocks
    }

    /// Median profiles of all groups together, then one panel per group on the same scale.
    static func profileBlocks(
        _ output: CohortAnalysis.Output, cohorts: [(key: [String], rows: [Int])], cohortName: ([String]) -> String,
        settings: Settings
    ) -> [Report.Block] {
        let nca = output.nca
        let time = TimeUnitText(output.nca.timeUnit, assumed: output.nca.timeUnitAssumed)
        var blocks: [Report.Block] = [.heading("Concentration–time profiles", level: 2)]
        let nominal = settings.nominalTimes.map { $0.count == nca.profiles.count } ?? false
        func samples(_ index: Int) -> [(time: Double, level: Double?)] {
            let profile = nca.profiles[index]
            var result: [(time: Double, level: Double?)] = []
            for (k, observation) in profile.observations.enumerated() {
                let t: Double
                if nominal, let times = settings.nominalTimes?[index], k < times.count {
                    guard let given = times[k] else { continue }
                    t = given
                } else {
                    t = observation.time
                }
                switch observation.measurement {
                case .value(let level): result.append((t, level > 0 ? level : nil))
                case .belowLimit: result.append((t, nil))
                case .missing: continue
                }
            }
            return result
        }
        let levels = cohorts.map { LevelsByTime.summarise($0.rows.map(samples), nominal: nominal) }
        let range = sharedRange(nca.profiles)
        let lastTime = lastSampleTime(nca.profiles)
        let limits = Set(
            nca.profiles.flatMap { profile in
                profile.observations.compactMap { observation -> Double? in
                    if case .belowLimit(let lloq?) = observation.measurement, lloq > 0 { return lloq }
                    return nil
                }
            })
        let largest = cohorts.map(\.rows.count).max() ?? 0
        let named = StudyPlots.namedSubjectLimit
        let rule =
            nominal
            ? "by nominal time (\(settings.nominalTimeColumn ?? "nominal time column"))"
            : "by actual time in bins (from the earliest time, a bin starting at s takes the times up to s + \(LevelsByTime.binWidth)·(1 + s); each at the median of its times)"
        blocks.append(
            .paragraph(
                "Log concentration against time on a ln(1 + t) axis, so the expansion (first weeks) and the follow-up both get room; pre-infusion samples are not drawn. All panels share one concentration scale. Median profile and 90% band (5th–95th percentile by nearest rank, BLQ ranked below every level) \(rule), at time points with at least 3 subjects.\(largest > named ? " Groups of more than \(named) subjects show each subject as a thin grey line without markers or legend; up to \(StudyPlots.maximumLines) lines per panel (every k-th subject beyond that)." : "")"
            ))
        // One group: its panel below says it all.
        if cohorts.count > 1 {
            blocks.append(
                .figure(
                    StudyPlots.medianProfiles(
                        zip(cohorts, levels).map { (cohortName($0.0.key), $0.1) }, unit: output.unit,
                        lloq: limits.count == 1 ? limits.first : nil, yRange: range, timeUnit: time, lastTime: lastTime,
                        title: "Median profiles by group"),
                    caption:
                        "Median level by group and \(nominal ? "nominal time" : "time bin") (the bands are in the panels below); log scale."
                ))
        }
        var grid: [(image: SVGImage, caption: String)] = []
        for (cohort, points) in zip(cohorts, levels) {
            let name = cohortName(cohort.key)
            let profiles = cohort.rows.map { nca.profiles[$0] }
            let panel = StudyPlots.cohortPanel(
                profiles: profiles, levels: points, title: "\(name) (n=\(profiles.count))", unit: output.unit,
                yRange: range, timeUnit: time, lastTime: lastTime)
            let hasBLQ = profiles.contains { profile in
                profile.observations.contains {
                    if case .belowLimit = $0.measurement { return true }
                    if case .value(let level) = $0.measurement { return level <= 0 }
                    return false
                }
            }
            let lines =
                profiles.count <= named
                ? "levels by subject\(hasBLQ ? "; open triangles are BLQ samples" : "")"
                : "\(panel.drawnLines == profiles.count ? "every subject" : "\(panel.drawnLines) of \(profiles.count) subjects") as a grey line, median and 5th–95th percentile band"
            grid.append((panel.image, "\(name): \(lines); log scale."))
        }
        blocks.append(.figureGrid(grid))
        return blocks
    }

    /// The last sample time at or after 0 over all profiles (every time axis ends there).
    static func lastSampleTime(_ profiles: [Profile]) -> Double? {
        profiles.compactMap { $0.observations.map(\.time).filter(\.isFinite).max() }.max()
    }

    /// One concentration range for every panel: the lowest quantified level or LLOQ to the highest level.
    static func sharedRange(_ profiles: [Profile]) -> (lower: Double, upper: Double)? {
        var low = Double.infinity
        var high = 0.0
        for profile in profiles {
            for observation in profile.observations where observation.time >= 0 {
                switch observation.measurement {
                case .value(let level) where level > 0 && level.isFinite:
                    low = min(low, level)
                    high = max(high, level)
                case .belowLimit(let lloq?) where lloq > 0 && lloq.isFinite:
                    low = min(low, lloq)
                default: continue
                }
            }
        }
        guard low.isFinite, high > 0 else { return nil }
        return (low, max(high, low))
    }

    /// Cmax and the first interval's AUC by group: box plots with every subject's value.
    static func exposureBlocks(
        _ output: CohortAnalysis.Output, ncaTable: ResultTable, cohorts: [(key: [String], rows: [Int])],
        groupColumns: [String], options: NCAOptions
    ) -> [Report.Block] {
        let nca = output.nca
        let time = TimeUnitText(nca.timeUnit, assumed: nca.timeUnitAssumed)
        var blocks: [Report.Block] = [.heading("Exposure by group", level: 2)]
        let exposureColumns = ["cmax"] + (options.resolvedIntervals.first.map { [$0.columnName] } ?? ["auclast"])
        var plots: [(image: SVGImage, caption: String)] = []
        for column in exposureColumns {
            guard let cells = ncaTable.column(column) else { continue }
            let values = cohorts.map { cohort in
                (
                    name: cohort.key.isEmpty ? "All" : GroupOrder.name(cohort.key),
                    values: cohort.rows.map { i -> SubjectValue in
                        if case .number(let x) = cells[i] {
                            return SubjectValue(subject: nca.results[i].subject, value: x)
                        }
                        return SubjectValue(subject: nca.results[i].subject, value: nil)
                    }
                )
            }
            let name = ParameterNames.displayName(column, timeUnit: time.unit)
            let image = CohortPlots.pointsByCohort(
                values, parameter: name,
                unit: ParameterNames.unit(column, levelUnit: output.unit, timeUnit: time.unit) ?? "unit not given",
                title: "\(name) by group",
                groupLabel: groupColumns.isEmpty ? "All subjects" : groupColumns.joined(separator: " / "), boxes: true)
            plots.append(
                (
                    image,
                    "\(name) per subject by group (log scale): box from the first to the third quartile (type 7), line at the median, whiskers to the smallest and largest value; open markers on the floor are values ≤ 0."
                ))
        }
        blocks.append(.figureGrid(plots))
        return blocks
    }

    /// The power-model table and, per shown parameter, exposure and dose-normalised exposure against dose.
    static func doseBlocks(
        _ output: CohortAnalysis.Output, ncaTable: ResultTable, options: NCAOptions, settings: Settings
    ) -> [Report.Block] {
        guard let fits = output.doseExposure else { return [] }
        let time = TimeUnitText(output.nca.timeUnit, assumed: output.nca.timeUnitAssumed)
        var blocks: [Report.Block] = [.heading("Dose–exposure", level: 2)]
        blocks.append(
            .paragraph(
                "Power model ln(exposure) = a + b·ln(dose) by least squares over subjects with dose and exposure > 0; b = 1 is dose-proportional (then dose-normalised exposure is flat). Confidence interval from Student's t with n − 2 degrees of freedom. Dose unit: \(settings.doseUnit ?? "unit not given")."
            ))
        blocks.append(.table(doseExposureTable(fits), caption: "Power-model slope b per exposure parameter"))
        guard let doses = output.doses else { return blocks }
        let shown = ["cmax"] + (options.resolvedIntervals.first.map { [$0.columnName] } ?? ["auclast"])
        var grid: [(image: SVGImage, caption: String)] = []
        for (parameter, fit) in fits where shown.contains(parameter) {
            guard let cells = ncaTable.column(parameter) else { continue }
            let points = output.nca.results.indices.map { i -> (subject: String, dose: Double?, exposure: Double?) in
                if case .number(let x) = cells[i] { return (output.nca.results[i].subject, doses[i], x) }
                return (output.nca.results[i].subject, doses[i], nil)
            }
            let name = ParameterNames.displayName(parameter, timeUnit: time.unit)
            let unit = ParameterNames.unit(parameter, levelUnit: output.unit, timeUnit: time.unit)
            grid.append(
                (
                    CohortPlots.doseExposure(
                        points, fit: fit, parameter: name, unit: unit, title: "\(name) vs dose",
                        doseUnit: settings.doseUnit),
                    "\(name) against dose (log–log) with the power-model fit."
                ))
            grid.append(
                (
                    StudyPlots.doseNormalised(
                        points, fit: fit, parameter: name, unit: unit, doseUnit: settings.doseUnit,
                        title: "\(name) / dose vs dose"),
                    "Dose-normalised \(name) against dose (log–log); the line is the power model divided by dose."
                ))
        }
        blocks.append(.figureGrid(grid))
        return blocks
    }

    /// The dose–exposure table with readable headers; the confidence level goes into the limits' headers.
    static func doseExposureTable(_ fits: [(parameter: String, fit: PowerModelFit)]) -> ResultTable {
        let table = DoseExposure.table(fits)
        let level = fits.first.map { SignificantFigures.format(100 * $0.fit.confidenceLevel) } ?? ""
        let keep = table.columns.indices.filter { table.columns[$0] != "confidence_level" }
        let parameter = table.columns.firstIndex(of: "parameter")
        return ResultTable(
            columns: keep.map { c in
                switch table.columns[c] {
                case "slope_lower": "b lower \(level)%"
                case "slope_upper": "b upper \(level)%"
                default: ParameterNames.displayName(table.columns[c])
                }
            },
            rows: table.rows.map { row in
                keep.map { c in
                    if c == parameter, case .text(let name) = row[c] { return .text(ParameterNames.displayName(name)) }
                    return row[c]
                }
            })
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
            let counts = treatmentCounts([result])
            for k in counts.indices { total[k] += counts[k] }
            rows.append([.text(result.subject)] + counts.map(ResultCell.integer))
        }
        rows.append([.text("Total")] + total.map(ResultCell.integer))
        return ResultTable(columns: columns, rows: rows)
    }

    /// Rows of `results` by treatment: quantifiable, BLQ set to 0, BLQ dropped, missing, pre-infusion used at 0,
    /// pre-infusion ignored.
    static func treatmentCounts(_ results: [NCAResult]) -> [Int] {
        var counts = [Int](repeating: 0, count: 6)
        for result in results {
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
        }
        return counts
    }

    /// The model-fit section: per-subject table and small multiples of every profile with what was fitted.
    static func fitBlocks(
        _ fits: [SubjectFit], profiles: [Profile], groupColumns: [String], levelUnit: String?,
        timeUnit: TimeUnitText = .days
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
                "\(objective). Models: \(models). \(converged) of \(fits.count) fits converged; the status column says why the others have no or boundary estimates. t½,α = ln 2/α (contraction), t½,β = ln 2/β (persistence), doubling time = ln 2/ρ. Each panel below shows a subject's samples (BLQ as open triangles) and the fitted curve; an expansion-only fit draws its line ln C = a + ρ·t over the rising samples it was fitted to."
            ))
        let table = FitTable.make(trimmed, groupColumns: groupColumns, timeUnit: timeUnit.unit)
        let wanted =
            ["subject"] + groupColumns + fitColumns
            + (fits.contains { $0.fit.blqMethod == .m3 } ? censoredFitColumns : [])
        let indices = wanted.compactMap { table.columns.firstIndex(of: $0) }
        let cut = ResultTable(
            columns: indices.map { table.columns[$0] },
            rows: table.rows.map { row in indices.map { $0 < row.count ? row[$0] : .empty } })
        blocks.append(
            .table(
                ParameterNames.relabel(cut, levelUnit: levelUnit, timeUnit: timeUnit.unit, keep: groupColumns),
                caption: "Per-subject model fits"
            ))
        var panels: [(profile: Profile, fitted: [(time: Double, value: Double)]?, title: String)] = []
        var withoutCurve = 0
        for (fit, profile) in zip(fits, profiles) {
            let curve = fittedCurve(fit.fit, profile: profile)
            if curve == nil || curve?.isEmpty == true { withoutCurve += 1 }
            // A short title: the reason for a missing curve is in the table's status column.
            panels.append(
                (profile, curve, curve == nil ? "\(profile.subject): no curve" : "\(profile.subject) \(fit.fit.model)"))
        }
        let pages = StudyPlots.smallMultiples(
            panels, yRange: sharedRange(profiles), timeUnit: timeUnit, lastTime: lastSampleTime(profiles))
        let perPage = StudyPlots.panelsPerPage
        for (k, page) in pages.enumerated() {
            let first = k * perPage + 1
            let last = min(panels.count, first + perPage - 1)
            blocks.append(
                .figure(
                    page,
                    caption:
                        "Individual profiles \(first)–\(last) of \(panels.count) (page \(k + 1) of \(pages.count)), in group order: samples (filled: quantified, open triangles: BLQ), the fitted curve (orange) and the LLOQ (dashed); log scale, shared across panels, time on ln(1 + t).\(k == 0 && withoutCurve > 0 ? " \(withoutCurve) fit\(withoutCurve == 1 ? " has" : "s have") no curve to draw (\"no curve\"; the table's status says why)." : "")"
                ))
        }
        return blocks
    }

    /// What a fit drew: the model curve, or for an expansion-only fit the line exp(a + ρ·t) over the samples it
    /// was fitted to; nil when the fit has nothing to draw.
    static func fittedCurve(_ fit: KineticFit, profile: Profile) -> [(time: Double, value: Double)]? {
        if let curve = fit.curve { return fittedPoints(curve, profile: profile) }
        guard fit.model == KineticModel.expansion.rawValue, fit.status == .converged,
            let rho = fit.estimate("rho")?.value, rho.isFinite
        else { return nil }
        // The expansion fit is ln C = a + ρ·t by least squares over its first n quantifiable samples at t ≥ 0
        // (up to the peak), n = its sample count; it reports ρ only, and the least-squares line passes through
        // the means, so a = mean(ln C) − ρ·mean(t) over those samples.
        var used: [(time: Double, log: Double)] = []
        for observation in profile.observations where observation.time >= 0 && observation.time.isFinite {
            if case .value(let level) = observation.measurement, level > 0, used.count < fit.sampleCount {
                used.append((observation.time, Foundation.log(level)))
            }
        }
        guard used.count >= 2, let first = used.first?.time, let last = used.last?.time, last > first else {
            return nil
        }
        let n = Double(used.count)
        let a = used.map(\.log).reduce(0, +) / n - rho * used.map(\.time).reduce(0, +) / n
        return (0...50).map { k in
            let t = first + (last - first) * Double(k) / 50
            return (t, Foundation.exp(a + rho * t))
        }
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
}
