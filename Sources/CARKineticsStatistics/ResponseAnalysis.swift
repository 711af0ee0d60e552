import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// How a response column's values map to responder / non-responder.
public struct ResponseCoding: Sendable, Equatable {
    /// Values (as written, trimmed) that mean responder.
    public var responders: [String]
    /// Values that mean non-responder.
    public var nonResponders: [String]

    /// The recognised two-valued codings (compared case-insensitively): responder values first.
    static let families: [(responders: Set<String>, nonResponders: Set<String>)] = [
        (["yes"], ["no"]), (["y"], ["n"]), (["true"], ["false"]), (["1"], ["0"]),
        (["responder"], ["non-responder", "nonresponder", "non responder"]), (["r"], ["nr"]),
        (["cr", "pr"], ["sd", "pd"]),
    ]

    /// The coding of `values` (the distinct non-empty cells of the column, trimmed).
    ///
    /// With `responderValues` (from `--responder`, compared case-insensitively) those values are responders
    /// and every other value a non-responder; each given value must occur. Without, the values must all
    /// belong to exactly one recognised family — yes/no, Y/N, true/false, 1/0, responder/non-responder,
    /// R/NR, or CR/PR vs SD/PD — anything else (a third value, `2`, `MR`, two families at once) is an error
    /// that lists the values, because guessing which side a value falls on would be a silent misread.
    public static func infer(
        column: String, values: [String], responderValues: [String]
    ) throws(ResponseError) -> ResponseCoding {
        if !responderValues.isEmpty {
            let wanted = Set(responderValues.map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
            let present = Set(values.map { $0.lowercased() })
            if let missing = responderValues.first(where: {
                !present.contains($0.trimmingCharacters(in: .whitespaces).lowercased())
            }) {
                throw .responderValueNotFound(column: column, value: missing, values: values)
            }
            return ResponseCoding(
                responders: values.filter { wanted.contains($0.lowercased()) },
                nonResponders: values.filter { !wanted.contains($0.lowercased()) })
        }
        let lowered = Set(values.map { $0.lowercased() })
        let fitting = families.filter { lowered.isSubset(of: $0.responders.union($0.nonResponders)) }
        guard fitting.count == 1, let family = fitting.first, !values.isEmpty else {
            throw .unrecognisedCoding(column: column, values: values)
        }
        return ResponseCoding(
            responders: values.filter { family.responders.contains($0.lowercased()) },
            nonResponders: values.filter { family.nonResponders.contains($0.lowercased()) })
    }

    /// Whether `value` (trimmed) is a responder value; nil for a value of neither side.
    public func isResponder(_ value: String) -> Bool? {
        if responders.contains(value) { return true }
        if nonResponders.contains(value) { return false }
        return nil
    }
}

/// Why an exposure–response or persistence analysis failed.
public enum ResponseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Reading or checking the input failed (file, line and column in the error).
    case data(DataError)
    /// The response column's values are not a recognised two-valued coding.
    case unrecognisedCoding(column: String, values: [String])
    /// A given responder value does not occur in the column.
    case responderValueNotFound(column: String, value: String, values: [String])
    /// A requested parameter is not an NCA output column.
    case unknownParameter(String, available: [String])
    /// A failure inside the least-squares layer (a log-rank variance solve).
    case leastSquares(LeastSquaresError)

    /// A one-line message for users.
    public var description: String {
        func list(_ values: [String]) -> String {
            values.isEmpty ? "none" : values.map { "\"\($0)\"" }.joined(separator: ", ")
        }
        switch self {
        case .data(let error): return error.description
        case .unrecognisedCoding(let column, let values):
            return "column '\(column)': values \(list(values)) are not a recognised two-valued response coding "
                + "(yes/no, Y/N, true/false, 1/0, responder/non-responder, R/NR, CR/PR vs SD/PD); "
                + "name the responder value(s) explicitly"
        case .responderValueNotFound(let column, let value, let values):
            return "column '\(column)': responder value \"\(value)\" does not occur; the values are \(list(values))"
        case .unknownParameter(let name, let available):
            return
                "requested parameter '\(name)' is not an NCA parameter; available: \(available.joined(separator: ", "))"
        case .leastSquares(let error): return error.description
        }
    }
}

/// The whole `pkfit response` job: read the files, run the NCA per profile, take each subject's response
/// from a per-subject column, and compare exposures between responders and non-responders per group ×
/// parameter (geometric mean ratio, Mann–Whitney, logistic regression on ln exposure).
public struct ResponseAnalysis: Sendable {
    /// Columns to read; its `groups` split the comparison (one block of rows per group).
    public var selection: ColumnSelection
    /// NCA settings, as for `pkfit nca`.
    public var options: NCAOptions
    /// The per-subject response column.
    public var responseColumn: String
    /// Values meaning responder (`--responder`); empty = recognise the coding.
    public var responderValues: [String]
    /// Parameters to compare; nil = ``defaultParameters(_:)``.
    public var parameters: [String]?
    /// Use Firth's penalised likelihood for every logistic fit.
    public var firth: Bool
    /// Whether an invalid row stops the run (default) or is excluded and listed in its file's ledger.
    public var invalidRows: InvalidRowPolicy = .stop

    /// Creates an analysis; see the properties.
    public init(
        selection: ColumnSelection = ColumnSelection(), options: NCAOptions = NCAOptions(), responseColumn: String,
        responderValues: [String] = [], parameters: [String]? = nil, firth: Bool = false
    ) {
        self.selection = selection
        self.options = options
        self.responseColumn = responseColumn
        self.responderValues = responderValues
        self.parameters = parameters
        self.firth = firth
    }

    /// Cmax, the interval AUCs (`auc_A_B`, not the extrapolated ones) and `aucinf_obs` (used only where it
    /// passes the acceptance criteria, docs/nca-rules.md rule 8; elsewhere the subject is counted as excluded).
    public static func defaultParameters(_ options: NCAOptions) -> [String] {
        ["cmax"] + options.resolvedIntervals.map(\.columnName) + ["aucinf_obs"]
    }

    /// One group × parameter comparison.
    public struct Row: Sendable {
        /// Values of the grouping columns.
        public var groups: [String]
        /// The NCA parameter.
        public var parameter: String
        /// Responders with a usable (present, > 0) exposure.
        public var responders: Int
        /// Non-responders with a usable exposure.
        public var nonResponders: Int
        /// Subjects with a response whose exposure is missing, ≤ 0 or excluded by the acceptance criteria (left out).
        public var excluded: Int
        /// Subjects of the group without a response value (left out of every parameter).
        public var responseMissing: Int
        /// Geometric means, ratio and Welch 90% interval; nil when a side has no values.
        public var ratio: GeometricMeanRatio?
        /// Mann–Whitney U of the responders and p; nil when a side has no values.
        public var mannWhitney: MannWhitneyTest?
        /// Logistic regression of response on ln exposure, or why there is none.
        public var logistic: Result<LogisticFit, LogisticRegressionError>
    }

    /// What an analysis produced.
    public struct Output: Sendable {
        /// The per-subject NCA (the response column is the last of its group columns).
        public var nca: NCAAnalysis.Output
        /// The response coding used.
        public var coding: ResponseCoding
        /// Names of the grouping columns.
        public var groupColumns: [String]
        /// The comparisons, group by group (first appearance), parameters in the requested order.
        public var rows: [Row]
    }

    /// The selection the files are read with: the response column appended to the group columns, so every
    /// profile carries its value (a subject whose rows disagree becomes two profiles, which is then an error).
    public var readSelection: ColumnSelection {
        var read = selection
        read.groups.append(responseColumn)
        return read
    }

    /// Runs the analysis.
    /// - Throws: ``ResponseError``: reading errors; a subject with two response values (both lines named);
    ///   an unrecognised coding; an unknown parameter.
    public func run(files: [URL]) throws(ResponseError) -> Output {
        var analysis = NCAAnalysis(selection: readSelection, options: options)
        analysis.invalidRows = invalidRows
        let nca: NCAAnalysis.Output
        do {
            nca = try analysis.run(files: files)
        } catch {
            throw .data(error)
        }
        return try analyse(nca)
    }

    /// Runs the analysis on profile sets already read with ``readSelection`` (for callers holding bytes).
    public func run(_ sets: [ProfileSet]) throws(ResponseError) -> Output {
        let nca: NCAAnalysis.Output
        do {
            nca = try NCAAnalysis(selection: readSelection, options: options).run(sets)
        } catch {
            throw .data(error)
        }
        return try analyse(nca)
    }

    /// The parameters' columns under `options` as the NCA resolved them to the times' unit (so in hours the
    /// 0–28 day window is `auc_0_672`).
    private func parameterIndices(_ options: NCAOptions) throws(ResponseError) -> [Int] {
        let columns = NCARegistry.columns(for: options)
        var indices: [Int] = []
        for name in parameters ?? Self.defaultParameters(options) {
            guard let index = columns.firstIndex(where: { $0.name == name }) else {
                throw .unknownParameter(name, available: columns.map(\.name))
            }
            indices.append(index)
        }
        return indices
    }

    private func analyse(_ nca: NCAAnalysis.Output) throws(ResponseError) -> Output {
        let indices = try parameterIndices(nca.options)
        let columns = NCARegistry.columns(for: nca.options)
        let wanted = indices.map { columns[$0].name }
        let groupCount = selection.groups.count
        // One response per subject (and group combination): two profiles differing only in the response are a conflict.
        var first: [[String]: Int] = [:]
        for (p, profile) in nca.profiles.enumerated() {
            let key = [profile.subject] + profile.groups.prefix(groupCount)
            if let earlier = first[key] {
                throw .data(conflict(nca, earlier, p))
            }
            first[key] = p
        }
        var values: [String] = []
        for profile in nca.profiles {
            let value = (profile.groups.last ?? "").trimmingCharacters(in: .whitespaces)
            if !value.isEmpty && !values.contains(value) { values.append(value) }
        }
        let coding = try ResponseCoding.infer(column: responseColumn, values: values, responderValues: responderValues)
        let subjects = nca.results.map { result in
            (
                groups: Array(result.groups.prefix(groupCount)),
                response: coding.isResponder((result.groups.last ?? "").trimmingCharacters(in: .whitespaces)),
                // A value the acceptance criteria exclude (AUCinf with a rejected λz) is left out like a missing one.
                values: indices.map { k in
                    columns[k].excludedBy(result).isEmpty ? columns[k].cell(result).number : nil
                }
            )
        }
        var rows: [Row] = []
        for group in Grouping.byFirstAppearance(subjects, key: \.groups) {
            let missing = group.rows.filter { $0.response == nil }.count
            for (k, parameter) in wanted.enumerated() {
                var positive: [Double] = []
                var negative: [Double] = []
                var excluded = 0
                for subject in group.rows {
                    guard let response = subject.response else { continue }
                    guard let x = subject.values[k], x.isFinite, x > 0 else {
                        excluded += 1
                        continue
                    }
                    if response { positive.append(x) } else { negative.append(x) }
                }
                let both = !positive.isEmpty && !negative.isEmpty
                let logistic: Result<LogisticFit, LogisticRegressionError>
                do {
                    logistic = .success(
                        try LogisticRegression.fit(
                            x: (positive + negative).map { log($0) },
                            y: positive.map { _ in true } + negative.map { _ in false }, firth: firth))
                } catch {
                    logistic = .failure(error)
                }
                rows.append(
                    Row(
                        groups: group.key, parameter: parameter, responders: positive.count,
                        nonResponders: negative.count,
                        excluded: excluded, responseMissing: missing,
                        ratio: both ? GeometricMeanRatio(positive, negative) : nil,
                        mannWhitney: both ? MannWhitneyTest(positive, negative) : nil, logistic: logistic))
            }
        }
        return Output(nca: nca, coding: coding, groupColumns: selection.groups, rows: rows)
    }

    /// The error for profiles `a` and `b` of one subject with different response values, at the later first line.
    private func conflict(_ nca: NCAAnalysis.Output, _ a: Int, _ b: Int) -> DataError {
        func place(_ p: Int) -> (file: String, line: Int, value: String) {
            let file = nca.ledgers[nca.profileFiles[p]].file
            return (file, nca.profiles[p].observations.map(\.line).min() ?? 1, nca.profiles[p].groups.last ?? "")
        }
        var (x, y) = (place(a), place(b))
        if (x.file, x.line) > (y.file, y.line) && x.file == y.file { swap(&x, &y) }
        let place = x.file == y.file ? "line \(x.line)" : "\(x.file):\(x.line)"
        return DataError(
            file: y.file, line: y.line, column: responseColumn,
            message:
                "subject '\(nca.profiles[a].subject)' has \"\(y.value)\" here but \"\(x.value)\" on \(place); the response must be the same on every row of a subject"
        )
    }

}
