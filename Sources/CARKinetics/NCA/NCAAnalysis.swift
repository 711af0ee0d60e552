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
        /// `subject`, the group columns, then `NCARegistry.columns(for:)`; one row per profile in input order.
        public var table: ResultTable
        public var results: [NCAResult]
        /// Profiles as read, in the order of `results`.
        public var profiles: [Profile]
        /// One ledger per input file, in the order the files were given.
        public var ledgers: [RowLedger]
        /// For each profile, the index in `ledgers` of the file it came from (line numbers are per file).
        public var profileFiles: [Int]
    }

    /// Reads each file and analyses every profile. A subject (with the same group values) found in two
    /// files is an error: rows are never silently pooled across files.
    public func run(files: [URL]) throws(DataError) -> Output {
        var sets: [ProfileSet] = []
        let reader = ProfileReader(selection: selection, invalidRows: invalidRows)
        for url in files { sets.append(try reader.read(contentsOf: url, displayName: url.relativePath)) }
        return try run(sets)
    }

    /// Analyses profile sets already read (for callers holding bytes rather than files).
    public func run(_ sets: [ProfileSet]) throws(DataError) -> Output {
        var firstFile: [String: (file: String, line: Int)] = [:]
        var profiles: [Profile] = []
        var profileFiles: [Int] = []
        for (fileIndex, set) in sets.enumerated() {
            profileFiles += repeatElement(fileIndex, count: set.profiles.count)
            // Within one file the reader has already merged each profile's rows.
            guard sets.count > 1 else {
                profiles = set.profiles
                break
            }
            for profile in set.profiles {
                let key = ([profile.subject] + profile.groups).joined(separator: "\u{1F}")
                let line = profile.observations.map(\.line).min() ?? 1
                if let earlier = firstFile[key], earlier.file != set.file {
                    throw DataError(file: set.file, line: line,
                                    message: "subject '\(profile.subject)' also appears in \(earlier.file) (line \(earlier.line)); analyse one file per subject")
                }
                firstFile[key] = (set.file, line)
                profiles.append(profile)
            }
        }
        let results = profiles.map { NCA.analyze($0, options: options) }
        let columns = NCARegistry.columns(for: options)
        var table = ResultTable(columns: ["subject"] + selection.groups + columns.map(\.name))
        table.rows.reserveCapacity(results.count)
        for result in results {
            table.rows.append([.text(result.subject)] + result.groups.map { .text($0) } + columns.map { $0.cell(result) })
        }
        return Output(table: table, results: results, profiles: profiles, ledgers: sets.map(\.ledger), profileFiles: profileFiles)
    }
}
