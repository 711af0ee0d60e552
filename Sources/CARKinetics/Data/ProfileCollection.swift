import Foundation

/// The profiles of one or more input files, read with one column selection.
public struct ProfileCollection: Sendable {
    /// Profiles in file order, then in each file's order of first appearance.
    public var profiles: [Profile]
    /// One ledger per input file.
    public var ledgers: [RowLedger]
    /// For each profile, the index in `ledgers` of the file it came from (line numbers are per file).
    public var profileFiles: [Int]

    /// Reads each file. A subject (with the same group values) found in two files is an error: rows are
    /// never silently pooled across files.
    /// `invalidRows` says whether an invalid row stops the read or is excluded (and listed in its ledger).
    public static func read(files: [URL], selection: ColumnSelection,
                            invalidRows: InvalidRowPolicy = .stop) throws(DataError) -> ProfileCollection {
        var sets: [ProfileSet] = []
        for url in files {
            let reader = ProfileReader(selection: selection, invalidRows: invalidRows)
            sets.append(try reader.read(contentsOf: url, displayName: url.relativePath))
        }
        return try combine(sets)
    }

    /// Combines profile sets already read (for callers holding bytes rather than files).
    public static func combine(_ sets: [ProfileSet]) throws(DataError) -> ProfileCollection {
        var firstFile: [String: (file: String, line: Int)] = [:]
        var profiles: [Profile] = []
        var profileFiles: [Int] = []
        for (fileIndex, set) in sets.enumerated() {
            profileFiles += repeatElement(fileIndex, count: set.profiles.count)
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
        return ProfileCollection(profiles: profiles, ledgers: sets.map(\.ledger), profileFiles: profileFiles)
    }
}
