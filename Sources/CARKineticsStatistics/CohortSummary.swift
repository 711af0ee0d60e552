import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics

/// One subject's parameter values and group membership, the input of a ``CohortSummary``.
public struct SubjectParameters: Sendable, Equatable {
    /// Subject identifier (used in error messages).
    public var subject: String
    /// Values of the grouping columns, in the order of ``CohortSummary/groupColumns``.
    public var groups: [String]
    /// One value per parameter, in the order of ``CohortSummary/parameters``; `nil` = not computed.
    public var values: [Double?]
    /// Per parameter, whether the value is excluded from the statistics by an acceptance criterion
    /// (``NCAColumn/excludedBy``); empty = none is. An excluded value is counted in `n_excluded`, not used.
    public var excluded: [Bool]

    /// Creates a row; see the properties.
    public init(subject: String, groups: [String], values: [Double?], excluded: [Bool] = []) {
        self.subject = subject
        self.groups = groups
        self.values = values
        self.excluded = excluded
    }

    /// Whether the value of parameter `p` is excluded (a missing value is missing, never excluded).
    func isExcluded(_ p: Int) -> Bool {
        p < excluded.count && excluded[p] && values[p] != nil
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
        /// N: subjects in the group (used, missing or excluded).
        public var subjects: Int
        /// The statistics of the parameter's values in the group, the excluded ones left out.
        public var statistics: DescriptiveStatistics
        /// Values left out by an acceptance criterion (λz: R², span ratio; AUCinf: % extrapolated).
        public var excluded: Int = 0
    }

    /// Names of the grouping columns (as in the input); empty for one overall group.
    public var groupColumns: [String]
    /// Parameter names, in output order.
    public var parameters: [String]
    /// The summary rows.
    public var rows: [Row]
    /// The unit of the summarised times, rates and areas (the NCA's, ``NCAOptions/timeUnit``).
    public var timeUnit: TimeUnit = .days

    /// Column names of `table`, after the group columns.
    public static let statisticColumns = [
        "parameter", "n_subjects", "n", "n_missing", "n_excluded", "n_nonpositive", "mean", "sd", "cv_percent",
        "geometric_mean", "geometric_cv_percent", "median", "min", "max", "q1", "q3",
    ]

    /// Column names of the display table (CARKineticsReports), after the group columns; reserved like
    /// ``statisticColumns`` so that a group column cannot clash with them.
    public static let displayColumns = ["parameter", "N", "n", "statistic", "value", "note"]

    /// Summarises `subjects` per group.
    /// - Throws: ``SummaryError`` when a row's shape does not match, a value is NaN or infinite
    ///   (never silently dropped), or a group column clashes with a summary column name.
    public init(groupColumns: [String], parameters: [String], subjects: [SubjectParameters]) throws(SummaryError) {
        let reserved = Set(Self.statisticColumns + Self.displayColumns + ["time_unit"])
        if let clash = groupColumns.first(where: { reserved.contains($0) }) {
            throw .groupColumnNameClash(clash)
        }
        for subject in subjects {
            guard subject.groups.count == groupColumns.count else {
                throw .groupCountMismatch(
                    subject: subject.subject, expected: groupColumns.count, found: subject.groups.count)
            }
            guard subject.values.count == parameters.count else {
                throw .valueCountMismatch(
                    subject: subject.subject, expected: parameters.count, found: subject.values.count)
            }
            guard subject.excluded.isEmpty || subject.excluded.count == parameters.count else {
                throw .valueCountMismatch(
                    subject: subject.subject, expected: parameters.count, found: subject.excluded.count)
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
                let used = group.rows.filter { !$0.isExcluded(p) }
                rows.append(
                    Row(
                        groups: group.key, parameter: parameter, subjects: group.rows.count,
                        statistics: DescriptiveStatistics(used.map { $0.values[p] }),
                        excluded: group.rows.count - used.count))
            }
        }
        self.rows = rows
    }

}
