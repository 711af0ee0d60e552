/// One subject's parameter values and group membership, the input of a ``CohortSummary``.
public struct SubjectParameters: Sendable, Equatable {
    /// Subject identifier (used in error messages).
    public var subject: String
    /// Values of the grouping columns, in the order of ``CohortSummary/groupColumns``.
    public var groups: [String]
    /// One value per parameter, in the order of ``CohortSummary/parameters``; `nil` = not computed.
    public var values: [Double?]

    /// Creates a row; see the properties.
    public init(subject: String, groups: [String], values: [Double?]) {
        self.subject = subject
        self.groups = groups
        self.values = values
    }
}

/// Descriptive statistics per group × parameter (issue 5, domain reference §7).
///
/// Rows are ordered group by group (groups in order of first appearance, see ``Grouping``), and
/// within a group by parameter in the given order.
public struct CohortSummary: Sendable {
    /// One group × parameter.
    public struct Row: Sendable, Equatable {
        /// Values of the grouping columns; empty for the overall group.
        public var groups: [String]
        /// Parameter name.
        public var parameter: String
        /// N: subjects in the group (used or missing).
        public var subjects: Int
        /// The statistics of the parameter's values in the group.
        public var statistics: DescriptiveStatistics
    }

    /// Names of the grouping columns (as in the input); empty for one overall group.
    public var groupColumns: [String]
    /// Parameter names, in output order.
    public var parameters: [String]
    /// The summary rows.
    public var rows: [Row]

    /// Column names of ``table``, after the group columns.
    public static let statisticColumns = [
        "parameter", "n_subjects", "n", "n_missing", "n_nonpositive", "mean", "sd", "cv_percent",
        "geometric_mean", "geometric_cv_percent", "median", "min", "max", "q1", "q3",
    ]

    /// Column names of ``displayTable(significantDigits:)``, after the group columns.
    public static let displayColumns = ["parameter", "N", "n", "statistic", "value", "note"]

    /// Summarises `subjects` per group.
    /// - Throws: ``SummaryError`` when a row's shape does not match, a value is NaN or infinite
    ///   (never silently dropped), or a group column clashes with a summary column name.
    public init(groupColumns: [String], parameters: [String], subjects: [SubjectParameters]) throws(SummaryError) {
        let reserved = Set(Self.statisticColumns + Self.displayColumns)
        if let clash = groupColumns.first(where: { reserved.contains($0) }) {
            throw .groupColumnNameClash(clash)
        }
        for subject in subjects {
            guard subject.groups.count == groupColumns.count else {
                throw .groupCountMismatch(subject: subject.subject, expected: groupColumns.count, found: subject.groups.count)
            }
            guard subject.values.count == parameters.count else {
                throw .valueCountMismatch(subject: subject.subject, expected: parameters.count, found: subject.values.count)
            }
            for (parameter, value) in zip(parameters, subject.values) {
                if let value, !value.isFinite {
                    throw .nonFiniteValue(subject: subject.subject, parameter: parameter, value: value)
                }
            }
        }
        self.groupColumns = groupColumns
        self.parameters = parameters
        var rows: [Row] = []
        for group in Grouping.byFirstAppearance(subjects, key: \.groups) {
            for (p, parameter) in parameters.enumerated() {
                rows.append(Row(
                    groups: group.key, parameter: parameter, subjects: group.rows.count,
                    statistics: DescriptiveStatistics(group.rows.map { $0.values[p] })))
            }
        }
        self.rows = rows
    }

    /// The machine-readable table: group columns, then ``statisticColumns``, full precision,
    /// unavailable statistics as empty cells.
    public var table: ResultTable {
        ResultTable(columns: groupColumns + Self.statisticColumns, rows: rows.map { row in
            let s = row.statistics
            let numbers = [s.mean, s.standardDeviation, s.cvPercent, s.geometricMean, s.geometricCVPercent,
                           s.median, s.minimum, s.maximum, s.firstQuartile, s.thirdQuartile]
            return row.groups.map(ResultCell.text)
                + [.text(row.parameter), .integer(row.subjects), .integer(s.count), .integer(s.missing),
                   .integer(s.nonPositive)]
                + numbers.map { $0.map(ResultCell.number) ?? .empty }
        })
    }

    /// The conventional layout for reading: per group × parameter, N, the n the shown statistic
    /// used, the statistic chosen by ``SummaryConvention``, and its value rounded to
    /// `significantDigits` significant figures, e.g. `12300 (45.6%)` or `10.0 (7.00–14.0)`.
    /// "NC" (not calculable) stands for a statistic without enough values. Parameters show their
    /// display names with units (``ParameterNames/label(_:levelUnit:)``), levels in `levelUnit`.
    public func displayTable(significantDigits: Int = 3, levelUnit: String? = nil) -> ResultTable {
        ResultTable(columns: groupColumns + Self.displayColumns, rows: rows.map { row in
            let cell = displayCell(row, significantDigits: significantDigits)
            return row.groups.map(ResultCell.text)
                + [.text(ParameterNames.label(row.parameter, levelUnit: levelUnit)), .integer(row.subjects), .integer(cell.n),
                   .text(cell.convention.label), .text(cell.value), cell.notes.isEmpty ? .empty : .text(cell.notes.joined(separator: "; "))]
        })
    }

    /// The conventional layout with one column per group, as study reports print it: a row per parameter
    /// (display name and unit) with its statistic, and per group the value, followed by `[n=k]` when fewer
    /// values than subjects entered it. Column headers read `<column> <value>, … (N=k)`, e.g. `COHORT 1x10^8 (N=6)`; without groups there is
    /// one column, `All subjects (N=k)`.
    public func byGroupTable(significantDigits: Int = 3, levelUnit: String? = nil) -> ResultTable {
        let groups = Grouping.byFirstAppearance(rows, key: \.groups)
        let headers = groups.map { group in
            let name = group.key.isEmpty ? "All subjects"
                : zip(groupColumns, group.key).map { "\($0) \($1)" }.joined(separator: ", ")
            return "\(name) (N=\(group.rows.first?.subjects ?? 0))"
        }
        var table = ResultTable(columns: ["Parameter", "Statistic"] + headers)
        for parameter in parameters {
            let convention = SummaryConvention(parameter: parameter)
            var line: [ResultCell] = [.text(ParameterNames.label(parameter, levelUnit: levelUnit)), .text(convention.label)]
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

    private func displayCell(_ row: Row, significantDigits: Int) -> (convention: SummaryConvention, n: Int, value: String, notes: [String]) {
        func f(_ x: Double?) -> String {
            x.map { SignificantFigures.format($0, digits: significantDigits) } ?? "NC"
        }
        let s = row.statistics
        let convention = SummaryConvention(parameter: row.parameter)
        let n: Int, value: String
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
        return (convention, n, value, notes)
    }
}
