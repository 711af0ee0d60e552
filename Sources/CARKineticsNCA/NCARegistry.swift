import CARKineticsData
import CARKineticsNumerics

/// What a parameter's number is measured in, relative to the input's units.
public enum UnitKind: String, Sendable {
    case concentration, time
    case auc = "concentration*time"
    case rate = "1/time"
    case percent, dimensionless, count, text
}

/// A parameter's SDTM PP test: `PPTESTCD` and `PPTEST` (at most 40 characters), from CDISC controlled
/// terminology or sponsor-defined where no CDISC code means the same thing.
public struct PPTest: Sendable, Equatable {
    /// `PPTESTCD`, e.g. `CMAX`.
    public var code: String
    /// `PPTEST`, e.g. `Max Conc`.
    public var name: String
    /// Whether the code is the sponsor's own rather than CDISC's.
    public var isSponsorDefined: Bool

    /// A CDISC code.
    public static func cdisc(_ code: String, _ name: String) -> PPTest {
        PPTest(code: code, name: name, isSponsorDefined: false)
    }

    /// A sponsor-defined code.
    public static func sponsor(_ code: String, _ name: String) -> PPTest {
        PPTest(code: code, name: name, isSponsorDefined: true)
    }
}

/// Which statistic the conventional (human-readable) summary layout shows for a parameter
/// (domain reference §7, PKNCA defaults and product labels).
public enum SummaryConvention: Sendable, Equatable {
    /// Geometric mean (geometric CV%): concentrations and exposures (Cmax, Clast, AUCs).
    case geometricMean
    /// Median (min–max): times (Tmax, Tlast, Tlag).
    case medianRange
    /// Arithmetic mean (SD): everything else, e.g. half-life and λz.
    case arithmeticMean

    /// The convention the registry gives the NCA column `parameter` (``NCARegistry/column(named:timeUnit:)``);
    /// ``arithmeticMean`` for names the registry does not define or does not summarise.
    public init(parameter: String) {
        self = NCARegistry.column(named: parameter)?.summary ?? .arithmeticMean
    }

    /// The label of the statistic as shown in tables.
    public var label: String {
        switch self {
        case .geometricMean: "geometric mean (geometric CV%)"
        case .medianRange: "median (min–max)"
        case .arithmeticMean: "mean (SD)"
        }
    }
}

/// One output column of `pkfit nca` and everything known about it: the registry entry that output order,
/// display names, units, the PP codes, the cohort summaries and the report all read (docs/architecture.md).
public struct NCAColumn: Sendable {
    /// Output column name (`cmax`, `auc_0_28`).
    public let name: String
    /// The name for people (`Cmax`, `AUC0–28d`, `t½`).
    public let displayName: String
    /// What the value is measured in; ``UnitKind/text`` for columns that are not parameters.
    public let unit: UnitKind
    /// The SDTM PP test, nil for columns that are not exported as PP parameters.
    public let ppTest: PPTest?
    /// The statistic of the conventional summary layout; nil when cohort summaries leave the column out.
    public let summary: SummaryConvention?
    /// Whether the value exists only when λz was estimated (it is empty, for λz's reason, otherwise).
    public let dependsOnLambdaZ: Bool
    /// Whether the report's per-subject NCA table shows the column.
    public let inSubjectReport: Bool
    /// One line for humans.
    public let description: String
    /// The column's value for one result.
    public let cell: @Sendable (NCAResult) -> NCAColumnValue
    /// Why the value is empty for one result, when the NCA records a reason for this very parameter; nil
    /// otherwise (the value exists, or its emptiness follows from Tlast or λz).
    public let reason: @Sendable (NCAResult) -> String?
    /// The acceptance criteria that exclude this value for one result (empty: not excluded): λz's for the
    /// values derived from λz, AUCinf's for AUCinf,obs and its percent extrapolated, λz's for an extrapolated
    /// window AUC only when its window ends after Tlast (otherwise λz takes no part in it, as in PKNCA).
    /// The value is still written; cohort summaries leave it out and count it in `n_excluded`.
    public let excludedBy: @Sendable (NCAResult) -> [AcceptanceCriterion]
}

/// What one registry column holds for one result: a plain value that writers spell (the registry never
/// knows about output formats).
public enum NCAColumnValue: Sendable, Equatable {
    /// A parameter's number (any double; NaN and infinities are kept).
    case number(Double)
    /// A count.
    case integer(Int)
    /// Text, such as a window-end flag, the unit or the notes.
    case text(String)
    /// Not computable or not applicable.
    case empty

    /// The value as a number (counts too), nil for text and empty values.
    public var number: Double? {
        switch self {
        case .number(let x): x
        case .integer(let k): Double(k)
        case .text, .empty: nil
        }
    }
}

/// The single table of NCA output columns; its order is the output order: the primary parameters, then
/// diagnostics and QC extras, then the per-window bookkeeping, the unit and the notes.
public enum NCARegistry {
    /// Output columns for these options (interval columns follow `options.intervals`).
    public static func columns(for options: NCAOptions) -> [NCAColumn] {
        var columns: [NCAColumn] = [
            value(
                "cmax", "Cmax", .cdisc("CMAX", "Max Conc"), .concentration, .geometricMean, report: true,
                "Maximum observed level after infusion"
            ) { $0.cmax },
            value(
                "tmax", "Tmax", .cdisc("TMAX", "Time of CMAX Observation"), .time, .medianRange, report: true,
                "First time of Cmax"
            ) { $0.tmax },
            value(
                "clast", "Clast", .cdisc("CLST", "Last Nonzero Conc"), .concentration, .geometricMean, report: true,
                "Last quantifiable level"
            ) { $0.clast },
            value(
                "tlast", "Tlast", .cdisc("TLST", "Time of Last Nonzero Conc"), .time, .medianRange, report: true,
                "Time of Clast"
            ) { $0.tlast },
            value(
                "auclast", "AUClast", .cdisc("AUCLST", "AUC to Last Nonzero Conc"), .auc, .geometricMean,
                report: true, "AUC from 0 to Tlast"
            ) { $0.auclast },
        ]
        let intervals = options.resolvedIntervals
        for (k, interval) in intervals.enumerated() {
            let name = interval.columnName
            let display = intervalDisplayName(interval, options.timeUnit)
            let start = AUCInterval.format(interval.start)
            let end = AUCInterval.format(interval.end)
            columns.append(
                value(
                    name, display, .cdisc("AUCINT", "AUC from T1 to T2"), .auc, .geometricMean,
                    report: true, "AUC over [\(start), min(\(end), Tlast)]"
                ) { $0.intervals[k].auc })
            columns.append(
                value(
                    name + "_extrap", display + ",extrap",
                    .sponsor("AUCINTIS", "AUC from T1 to T2 Extrapolated Obs"), .auc, .geometricMean,
                    lambdaZ: true, excluded: .lambdaZWhen { $0.intervals[k].end == .extrapolated },
                    "\(name) plus the λz extrapolation from Tlast to the window end"
                ) {
                    $0.intervals[k].aucExtrapolated
                })
        }
        columns += [
            fit(
                "lambda_z", "λz", .cdisc("LAMZ", "Lambda z"), .rate, .arithmeticMean,
                "Terminal slope (best-fit adjusted R²)"
            ) { $0.lambdaZ },
            fit(
                "half_life", "t½", .cdisc("LAMZHL", "Half-Life Lambda z"), .time, .arithmeticMean, report: true,
                "ln 2 / λz"
            ) { $0.halfLife },
            fit(
                "r2adj", "R²adj", .cdisc("R2ADJ", "R Squared Adjusted"), .dimensionless, nil, report: true,
                "Adjusted R² of the λz regression"
            ) { $0.adjustedR2 },
            integer(
                "lambda_z_points", "λz points", .cdisc("LAMZNPT", "Number of Points for Lambda z"),
                lambdaZ: true, excluded: .lambdaZ, report: true, "Points in the λz regression"
            ) { r in
                if case .success(let fit) = r.lambdaZ { return fit.points }
                return nil
            },
            value(
                "aucinf_obs", "AUCinf,obs", .cdisc("AUCIFO", "AUC Infinity Obs"), .auc, .geometricMean,
                lambdaZ: true, excluded: .aucinf, "AUClast + Clast/λz"
            ) { $0.aucinfObserved },
            fit("r2", "R²", .cdisc("R2", "R Squared"), .dimensionless, nil, "R² of the λz regression") { $0.r2 },
            fit(
                "lambda_z_time_first", "λz first time", .cdisc("LAMZLL", "Lambda z Lower Limit"), .time, nil,
                "First time in the λz regression"
            ) { $0.timeFirst },
            fit(
                "lambda_z_time_last", "λz last time", .cdisc("LAMZUL", "Lambda z Upper Limit"), .time, nil,
                "Last time in the λz regression"
            ) { $0.timeLast },
            fit(
                "span_ratio", "Span ratio", .cdisc("LAMZSPN", "Lambda z Span"), .dimensionless, nil,
                "(λz last − first time) / half-life"
            ) { $0.spanRatio },
            value(
                "clast_pred", "Clast,pred", .sponsor("CLSTP", "Last Nonzero Conc Pred"), .concentration, nil,
                lambdaZ: true, excluded: .lambdaZ, "Clast predicted by the λz regression"
            ) { $0.clastPredicted },
            value(
                "aucpext_obs", "AUCextrap,obs", .cdisc("AUCPEO", "AUC %Extrapolation Obs"), .percent, nil,
                lambdaZ: true, excluded: .aucinf, "Percent of AUCinf,obs extrapolated"
            ) { $0.aucPercentExtrapolated },
            value(
                "aucall", "AUCall", .cdisc("AUCALL", "AUC All"), .auc, .geometricMean,
                "AUClast plus the linear drop to the next (BLQ = 0) sample"
            ) { $0.aucall },
            value(
                "tlag", "Tlag", .cdisc("TLAG", "Time Until First Nonzero Conc"), .time, .medianRange,
                "Time of the last sample before the first quantifiable one"
            ) { $0.tlag },
            // CDISC's CNTCONC counts every non-missing level, BLQ included, so the count of quantifiable levels
            // gets a sponsor code (docs/pp-output.md).
            integer(
                "n_quantifiable", "n quantifiable", .sponsor("NQUANT", "Number of Quantifiable Conc"),
                "Quantifiable samples after infusion"
            ) { $0.quantifiableCount },
            integer(
                "n_blq", "n BLQ", .sponsor("NBLQ", "Number of BLQ Conc"),
                "Below-limit (or 0) samples after infusion"
            ) { $0.belowLimitCount },
            integer(
                "n_missing", "n missing", .sponsor("NMISS", "Number of Missing Conc"),
                "Rows with an empty value"
            ) { $0.missingCount },
            text(
                "lambda_z_excluded_by", "λz excluded by",
                "Acceptance criteria λz fails (R², span ratio), joined by ';'; empty when accepted"
            ) { r in
                AcceptanceCriterion.text(r.lambdaZExcludedBy).map { .text($0) } ?? .empty
            },
            text(
                "aucinf_excluded_by", "AUCinf excluded by",
                "Acceptance criteria AUCinf fails (λz's, % extrapolated), joined by ';'; empty when accepted"
            ) { r in
                AcceptanceCriterion.text(r.aucinfExcludedBy).map { .text($0) } ?? .empty
            },
            text(
                "lambda_z_rule", "λz rule", "best-fit, or manual-range / manual-exclusion (--lambda-z-points)"
            ) { r in
                .text(r.lambdaZChoice?.rule ?? NCA.bestFitRule)
            },
            text("lambda_z_reason", "λz reason", "Why λz was chosen by hand (the λz points file)") { r in
                r.lambdaZChoice.map { .text($0.reason) } ?? .empty
            },
        ]
        for (k, interval) in intervals.enumerated() {
            let name = interval.columnName
            let display = intervalDisplayName(interval, options.timeUnit)
            columns.append(
                text(
                    name + "_end", display + " end",
                    "Window end: observed, interpolated, extrapolated (after Tlast, with λz) or truncated (after Tlast, no λz)"
                ) { r in
                    r.intervals[k].end.map { .text($0.rawValue) } ?? .empty
                })
            columns.append(
                integer(name + "_n", display + " n", nil, "Quantifiable samples inside the window") {
                    $0.intervals[k].quantifiableSamples
                })
        }
        columns.append(
            text("unit", "Unit", "Unit of the levels, from the unit column") { r in
                r.unit.map { .text($0) } ?? .empty
            })
        let timeUnit = NCAColumnValue.text(options.timeUnit.symbol)
        columns.append(
            text("time_unit", "Time unit", "Unit of every time, rate and area: the input's, or the one asked for") {
                _ in timeUnit
            })
        columns.append(
            text("notes", "Notes", report: true, "Why values are empty") { r in
                let notes = r.notes
                return notes.isEmpty ? .empty : .text(notes.joined(separator: "; "))
            })
        return columns
    }

    /// The column named `name` — a fixed column such as `cmax`, or an interval column such as `auc_0_28`,
    /// `auc_7_14.5_extrap`, `auc_0_28_end`, `auc_0_28_n` for the window its name spells — or nil when the
    /// registry has no such column.
    /// Display names of interval columns give the window in `timeUnit` (`AUC0–672h`).
    public static func column(named name: String, timeUnit: TimeUnit = .days) -> NCAColumn? {
        if let fixed = fixedColumns.first(where: { $0.name == name }) { return fixed }
        guard let interval = intervalNamed(name) else { return nil }
        var options = NCAOptions(intervals: [interval])
        options.timeUnit = timeUnit
        return columns(for: options).first { $0.name == name }
    }

    /// The columns that do not depend on the windows.
    private static let fixedColumns = columns(for: NCAOptions(intervals: []))

    /// The window of an interval column's name (`auc_A_B` with an optional `_extrap`, `_end` or `_n`), when
    /// `A` and `B` spell a valid window the way ``AUCInterval/columnName`` writes it.
    private static func intervalNamed(_ name: String) -> AUCInterval? {
        guard name.hasPrefix("auc_") else { return nil }
        var rest = Substring(name.dropFirst(4))
        for suffix in ["_extrap", "_end", "_n"] where rest.hasSuffix(suffix) {
            rest = rest.dropLast(suffix.count)
            break
        }
        let parts = rest.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Double(parts[0]), let end = Double(parts[1]),
            let interval = AUCInterval(start: start, end: end), interval.columnName == "auc_" + rest
        else { return nil }
        return interval
    }

    /// `AUC0–28d`, `AUC7–14.5d`, `AUC0–672h`: the window's bounds with the short unit of compact names
    /// (``TimeUnit/abbreviation``).
    private static func intervalDisplayName(_ interval: AUCInterval, _ unit: TimeUnit) -> String {
        "AUC\(AUCInterval.format(interval.start))–\(AUCInterval.format(interval.end))\(unit.abbreviation)"
    }

    /// Which acceptance criteria exclude a column's value.
    private enum Exclusion {
        /// None: the value does not depend on λz.
        case none
        /// λz's criteria.
        case lambdaZ
        /// λz's criteria, for the results where the condition holds.
        case lambdaZWhen(@Sendable (NCAResult) -> Bool)
        /// AUCinf's criteria (λz's included).
        case aucinf

        var reader: @Sendable (NCAResult) -> [AcceptanceCriterion] {
            switch self {
            case .none: { _ in [] }
            case .lambdaZ: { $0.lambdaZExcludedBy }
            case .lambdaZWhen(let applies): { r in applies(r) ? r.lambdaZExcludedBy : [] }
            case .aucinf: { $0.aucinfExcludedBy }
            }
        }
    }

    /// A parameter read as an ``NCAValue``, which carries its own reason when empty.
    private static func value(
        _ name: String, _ display: String, _ test: PPTest, _ unit: UnitKind, _ summary: SummaryConvention?,
        lambdaZ: Bool = false, excluded: Exclusion = .none, report: Bool = false, _ description: String,
        _ read: @escaping @Sendable (NCAResult) -> NCAValue
    ) -> NCAColumn {
        NCAColumn(
            name: name, displayName: display, unit: unit, ppTest: test, summary: summary, dependsOnLambdaZ: lambdaZ,
            inSubjectReport: report, description: description,
            cell: { r in read(r).number.map { .number($0) } ?? .empty },
            reason: { r in read(r).reason }, excludedBy: excluded.reader)
    }

    /// A λz-derived column; reads the fit directly so no reason text is built per row.
    private static func fit(
        _ name: String, _ display: String, _ test: PPTest, _ unit: UnitKind, _ summary: SummaryConvention?,
        report: Bool = false, _ description: String, _ read: @escaping @Sendable (LambdaZFit) -> Double
    ) -> NCAColumn {
        NCAColumn(
            name: name, displayName: display, unit: unit, ppTest: test, summary: summary, dependsOnLambdaZ: true,
            inSubjectReport: report, description: description,
            cell: { r in
                if case .success(let fit) = r.lambdaZ { return .number(read(fit)) }
                return .empty
            },
            reason: { _ in nil }, excludedBy: Exclusion.lambdaZ.reader)
    }

    /// A count; never summarised.
    private static func integer(
        _ name: String, _ display: String, _ test: PPTest?, lambdaZ: Bool = false, excluded: Exclusion = .none,
        report: Bool = false, _ description: String, _ read: @escaping @Sendable (NCAResult) -> Int?
    ) -> NCAColumn {
        NCAColumn(
            name: name, displayName: display, unit: .count, ppTest: test, summary: nil, dependsOnLambdaZ: lambdaZ,
            inSubjectReport: report, description: description,
            cell: { r in read(r).map { .integer($0) } ?? .empty },
            reason: { _ in nil }, excludedBy: excluded.reader)
    }

    /// A text column: not a parameter, so no PP test and no summary.
    private static func text(
        _ name: String, _ display: String, report: Bool = false, _ description: String,
        _ read: @escaping @Sendable (NCAResult) -> NCAColumnValue
    ) -> NCAColumn {
        NCAColumn(
            name: name, displayName: display, unit: .text, ppTest: nil, summary: nil, dependsOnLambdaZ: false,
            inSubjectReport: report, description: description, cell: read, reason: { _ in nil },
            excludedBy: Exclusion.none.reader)
    }
}
