import CARKineticsData
import CARKineticsNumerics
import Dispatch
import Foundation

/// The whole `pkfit nca` job as a library call: read files, compute NCA per profile, build the table.
public struct NCAAnalysis: Sendable {
    /// Columns to read and how to compute.
    public var selection: ColumnSelection
    public var options: NCAOptions
    /// Whether an invalid row stops the run (default) or is excluded and listed in its file's ledger.
    public var invalidRows: InvalidRowPolicy = .stop

    /// An analysis with recognised columns and PKNCA-default options unless given.
    public init(selection: ColumnSelection = ColumnSelection(), options: NCAOptions = NCAOptions()) {
        self.selection = selection
        self.options = options
    }

    /// What an analysis produced.
    public struct Output: Sendable {
        /// The group columns read (`ColumnSelection/groups`), in the order of each result's `groups`.
        public var groupColumns: [String]
        /// The options the results were computed with (they fix the interval columns), resolved to the times'
        /// unit (``NCAOptions/resolved(to:)``): `options.timeUnit` is the unit of every time, rate and area.
        public var options: NCAOptions
        /// One result per profile, in input order.
        public var results: [NCAResult]
        /// Profiles as read, in the order of `results`.
        public var profiles: [Profile]
        /// One ledger per input file, in the order the files were given.
        public var ledgers: [RowLedger]
        /// For each profile, the index in `ledgers` of the file it came from (line numbers are per file).
        public var profileFiles: [Int]
        /// Whether no input stated the time unit, so that days were assumed (outputs say so).
        public var timeUnitAssumed = true
        /// The unit of every time, rate and area (the same as `options.timeUnit`).
        public var timeUnit: TimeUnit { options.timeUnit }
    }

    /// Reads each file and analyses every profile. A subject (with the same group values) found in two
    /// files is an error: rows are never silently pooled across files.
    /// With `options.lambdaZPoints`, the file is checked against the profiles first (``LambdaZPoints``):
    /// every problem is an error naming its line.
    public func run(files: [URL]) throws(DataError) -> Output {
        try analyze(try ProfileCollection.read(files: files, selection: selection, invalidRows: invalidRows))
    }

    /// Analyses profile sets already read (for callers holding bytes rather than files).
    public func run(_ sets: [ProfileSet]) throws(DataError) -> Output {
        try analyze(try ProfileCollection.combine(sets))
    }

    private func analyze(_ collection: ProfileCollection) throws(DataError) -> Output {
        let profiles = collection.profiles
        let options = self.options.resolved(to: collection.timeUnit)
        try checkLambdaZPoints(profiles)
        let results = Self.analyze(profiles, options: options, threads: ProcessInfo.processInfo.activeProcessorCount)
        var output = Output(
            groupColumns: selection.groups, options: options, results: results, profiles: profiles,
            ledgers: collection.ledgers, profileFiles: collection.profileFiles)
        output.timeUnitAssumed = collection.timeUnitAssumed
        return output
    }

    /// Checks the terminal phases chosen by hand against `profiles` (every profile of the subjects they name),
    /// and that they were read for this analysis's group columns.
    func checkLambdaZPoints(_ profiles: [Profile]) throws(DataError) {
        guard let points = options.lambdaZPoints else { return }
        guard selection.groups.starts(with: points.groupColumns) else {
            throw DataError(
                file: points.file,
                message:
                    "read for the group columns [\(points.groupColumns.joined(separator: ", "))] but the analysis has [\(selection.groups.joined(separator: ", "))]"
            )
        }
        try points.check(profiles, options: options)
    }

    /// NCA of every profile, spread over `threads` cores; the result is the same whatever the thread count
    /// (each analysis is a pure function of its profile, stored at its own index).
    static func analyze(_ profiles: [Profile], options: NCAOptions, threads: Int) -> [NCAResult] {
        guard threads > 1, profiles.count > 64 else { return profiles.map { NCA.analyze($0, options: options) } }
        return parallelMap(count: profiles.count, chunks: threads * 8) { NCA.analyze(profiles[$0], options: options) }
    }
}
