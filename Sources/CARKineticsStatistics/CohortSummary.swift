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
    /// The unit of the summarised times, rates and areas (the NCA's, ``NCAOptions/timeUnit``).
    public var timeUnit: TimeUnit = .days

    /// Column names of `table`, after the group columns.
    public static let statisticColumns = [
        "parameter", "n_subjects", "n", "n_missing", "n_nonpositive", "mean", "sd", "cv_percent",
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
                rows.append(
                    Row(
                        groups: group.key, parameter: parameter, subjects: group.rows.count,
                        statistics: DescriptiveStatistics(group.rows.map { $0.values[p] })))
            }
        }
        self.rows = rows
    }

}
