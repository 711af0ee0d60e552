import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsStatistics
import Foundation

// The tables of the analysis results: the analyses return plain values, and these extensions lay them out as
// the rows every writer renders.

extension AuditTrail {
    /// Columns `file, line, subject, time, raw_value, fate, detail`, one row per entry.
    public var table: ResultTable {
        ResultTable(
            columns: ["file", "line", "subject", "time", "raw_value", "fate", "detail"],
            rows: entries.map { entry in
                [
                    .text(entry.file), .integer(entry.line), .text(entry.subject), .text(entry.time),
                    .text(entry.rawValue), .text(entry.fate.rawValue), .text(entry.detail),
                ]
            })
    }
}

extension DoseExposure {
    /// Column names of ``table(_:)``.
    public static let columns = [
        "parameter", "n", "n_excluded", "intercept", "slope", "slope_se", "confidence_level", "slope_lower",
        "slope_upper",
    ]

    /// One row per (parameter, fit), full precision, unavailable values empty.
    public static func table(_ fits: [(parameter: String, fit: PowerModelFit)]) -> ResultTable {
        ResultTable(
            columns: columns,
            rows: fits.map { parameter, fit in
                let numbers = [fit.intercept, fit.slope, fit.slopeStandardError]
                return [.text(parameter), .integer(fit.count), .integer(fit.excluded)]
                    + numbers.map { $0.map(ResultCell.number) ?? .empty }
                    + [.number(fit.confidenceLevel)]
                    + [fit.slopeLower, fit.slopeUpper].map { $0.map(ResultCell.number) ?? .empty }
            })
    }
}

extension KineticAnalysis.Output {
    /// The per-subject table of `pkfit fit` (``FitTable``).
    public var table: ResultTable {
        var table = FitTable.make(
            fits, groupColumns: groupColumns, extraParameters: extraParameters, timeUnit: timeUnit)
        table.envelope = JSONEnvelope(
            schema: JSONEnvelope.fitSchema, names: Array(table.columns.dropFirst(1 + groupColumns.count)),
            levelUnit: JSONEnvelope.levelUnit(profiles.map(\.unit)), timeUnit: timeUnit)
        return table
    }
}

extension CohortSummary {
    /// The machine-readable table: group columns, then `statisticColumns`, full precision,
    /// unavailable statistics as empty cells, then `time_unit` (``CohortSummary/timeUnit``).
    public var table: ResultTable {
        ResultTable(
            columns: groupColumns + Self.statisticColumns + ["time_unit"],
            rows: rows.map { row in
                let s = row.statistics
                let numbers = [
                    s.mean, s.standardDeviation, s.cvPercent, s.geometricMean, s.geometricCVPercent,
                    s.median, s.minimum, s.maximum, s.firstQuartile, s.thirdQuartile,
                ]
                return row.groups.map(ResultCell.text)
                    + [
                        .text(row.parameter), .integer(row.subjects), .integer(s.count), .integer(s.missing),
                        .integer(row.excluded), .integer(s.nonPositive),
                    ]
                    + numbers.map { $0.map(ResultCell.number) ?? .empty } + [.text(timeUnit.symbol)]
            })
    }

    /// The conventional layout for reading: per group × parameter, N, the n the shown statistic
    /// used, the statistic chosen by `SummaryConvention`, and its value rounded to
    /// `significantDigits` significant figures, e.g. `12300 (45.6%)` or `10.0 (7.00–14.0)`.
    /// "NC" (not calculable) stands for a statistic without enough values. Parameters show their
    /// display names with units (``ParameterNames/label(_:levelUnit:timeUnit:)``), levels in `levelUnit`.
    public func displayTable(significantDigits: Int = 3, levelUnit: String? = nil) -> ResultTable {
        ResultTable(
            columns: groupColumns + Self.displayColumns,
            rows: rows.map { row in
                let cell = displayCell(row, significantDigits: significantDigits)
                return row.groups.map(ResultCell.text)
                    + [
                        .text(ParameterNames.label(row.parameter, levelUnit: levelUnit, timeUnit: timeUnit)),
                        .integer(row.subjects),
                        .integer(cell.n),
                        .text(cell.convention.label), .text(cell.value),
                        cell.notes.isEmpty ? .empty : .text(cell.notes.joined(separator: "; ")),
                    ]
            })
    }

    /// The conventional layout with one column per group, as study reports print it: a row per parameter
    /// (display name and unit) with its statistic, and per group the value, followed by `[n=k]` when fewer
    /// values than subjects entered it. Column headers read `<column> <value>, … (N=k)`, e.g. `COHORT 1x10^8 (N=6)`; without groups there is
    /// one column, `All subjects (N=k)`.
    public func byGroupTable(significantDigits: Int = 3, levelUnit: String? = nil) -> ResultTable {
        let groups = Grouping.byFirstAppearance(rows, key: \.groups)
        let headers = groups.map { group in
            let name =
                group.key.isEmpty
                ? "All subjects"
                : zip(groupColumns, group.key).map { "\($0) \($1)" }.joined(separator: ", ")
            return "\(name) (N=\(group.rows.first?.subjects ?? 0))"
        }
        var table = ResultTable(columns: ["Parameter", "Statistic"] + headers)
        for parameter in parameters {
            let convention = SummaryConvention(parameter: parameter)
            var line: [ResultCell] = [
                .text(ParameterNames.label(parameter, levelUnit: levelUnit, timeUnit: timeUnit)),
                .text(convention.label),
            ]
            for group in groups {
                guard let row = group.rows.first(where: { $0.parameter == parameter }) else {
                    line.append(.empty)
                    continue
                }
                let cell = displayCell(row, significantDigits: significantDigits)
                line.append(.text(cell.n < row.subjects ? "\(cell.value) [n=\(cell.n)]" : cell.value))
            }
            table.rows.append(line)
        }
        return table
    }

    private func displayCell(
        _ row: Row, significantDigits: Int
    ) -> (convention: SummaryConvention, n: Int, value: String, notes: [String]) {
        func f(_ x: Double?) -> String {
            x.map { SignificantFigures.format($0, digits: significantDigits) } ?? "NC"
        }
        let s = row.statistics
        let convention = SummaryConvention(parameter: row.parameter)
        let n: Int
        let value: String
        var notes: [String] = []
        switch convention {
        case .geometricMean:
            n = s.count - s.nonPositive
            value = s.geometricCVPercent.map { "\(f(s.geometricMean)) (\(f($0))%)" } ?? "\(f(s.geometricMean)) (NC)"
            if s.nonPositive > 0 {
                notes.append("\(s.nonPositive) value\(s.nonPositive == 1 ? "" : "s") ≤ 0 excluded")
            }
        case .medianRange:
            n = s.count
            value = s.count == 0 ? "NC" : "\(f(s.median)) (\(f(s.minimum))–\(f(s.maximum)))"
        case .arithmeticMean:
            n = s.count
            value = "\(f(s.mean)) (\(f(s.standardDeviation)))"
        }
        if s.missing > 0 { notes.append("\(s.missing) missing") }
        if row.excluded > 0 { notes.append("\(row.excluded) excluded by the acceptance criteria") }
        return (convention, n, value, notes)
    }
}
