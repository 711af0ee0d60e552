import CARKineticsNumerics
import Foundation

/// The profiles of one or more input files, read with one column selection.
public struct ProfileCollection: Sendable {
    /// Profiles in file order, then in each file's order of first appearance.
    public var profiles: [Profile]
    /// One ledger per input file.
    public var ledgers: [RowLedger]
    /// For each profile, the index in `ledgers` of the file it came from (line numbers are per file).
    public var profileFiles: [Int]
    /// The unit of every profile's times, and whether no file stated it (days assumed).
    public var timeUnit: TimeUnit = .days
    public var timeUnitAssumed = true

    /// Reads each file. A subject (with the same group values) found in two files is an error: rows are
    /// never silently pooled across files.
    /// `invalidRows` says whether an invalid row stops the read or is excluded (and listed in its ledger).
    public static func read(
        files: [URL], selection: ColumnSelection,
        invalidRows: InvalidRowPolicy = .stop
    ) throws(DataError) -> ProfileCollection {
        var sets: [ProfileSet] = []
        for url in files {
            let reader = ProfileReader(selection: selection, invalidRows: invalidRows)
            sets.append(try reader.read(contentsOf: url, displayName: url.relativePath))
        }
        return try combine(sets)
    }

    /// Combines profile sets already read (for callers holding bytes rather than files).
    public static func combine(_ sets: [ProfileSet]) throws(DataError) -> ProfileCollection {
        // The time axis first: files in two units are the more basic problem than a subject in both.
        let time = try TimeUnitAgreement.common(
            sets.map { TimeUnitAgreement.File(name: $0.file, unit: $0.timeUnit, source: $0.timeUnitSource) })
        var check = SubjectFileCheck()
        var profiles: [Profile] = []
        var profileFiles: [Int] = []
        for (fileIndex, set) in sets.enumerated() {
            profileFiles += repeatElement(fileIndex, count: set.profiles.count)
            // Within one file the reader has already merged each profile's rows.
            if sets.count > 1 {
                for profile in set.profiles {
                    try check.record(
                        subject: profile.subject, groups: profile.groups, file: set.file,
                        line: profile.observations.map(\.line).min() ?? 1)
                }
            }
            profiles += set.profiles
        }
        var collection = ProfileCollection(profiles: profiles, ledgers: sets.map(\.ledger), profileFiles: profileFiles)
        collection.timeUnit = time.unit
        collection.timeUnitAssumed = time.assumed
        return collection
    }
}

/// Rejects a subject (with the same group values) that appears in two input files: rows are never silently
/// pooled across files.
package struct SubjectFileCheck {
    private var firstFile: [String: (file: String, line: Int)] = [:]

    package init() {}

    package mutating func record(subject: String, groups: [String], file: String, line: Int) throws(DataError) {
        let key = ([subject] + groups).joined(separator: "\u{1F}")
        if let earlier = firstFile[key], earlier.file != file {
            throw DataError(
                file: file, line: line,
                message:
                    "subject '\(MessageText.capped(subject))' also appears in \(MessageText.escaped(earlier.file)) (line \(earlier.line)); analyse one file per subject"
            )
        }
        if firstFile[key] == nil { firstFile[key] = (file, line) }
    }
}
