import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics
import Foundation

/// `pkfit nca --format pp` as a library call: the NCA of `NCAAnalysis` written as ``PPTable``, with
/// `STUDYID` taken from a column of that name (any case) when every input file has exactly one.
public struct PPExport: Sendable {
    /// The NCA behind the table (columns, options, invalid-row policy), as for `pkfit nca`. A `STUDYID` column
    /// is added to its groups for reading and removed again from `PPGRPID`.
    public var analysis: NCAAnalysis

    /// An export of the given analysis.
    public init(_ analysis: NCAAnalysis = NCAAnalysis()) {
        self.analysis = analysis
    }

    /// Reads `files`, runs the NCA and builds the PP table. Errors are those of `NCAAnalysis/run(files:)`.
    public func run(files: [URL]) throws(DataError) -> ResultTable {
        try export(files: files).table
    }

    /// ``run(files:)`` with the NCA behind the table, for its ledgers and audit (`NCAAnalysis/audit(_:files:)`).
    /// The NCA's groups include `STUDYID` when it was read as a group for the table.
    public func export(files: [URL]) throws(DataError) -> (table: ResultTable, nca: NCAAnalysis.Output) {
        let plan = reading(files)
        let output = try plan.analysis.run(files: files)
        var results = output.results
        var studies: [String]?
        if let studyIndex = plan.studyIndex {
            studies = results.map { $0.groups[studyIndex] }
            if plan.studyAdded {
                for i in results.indices { results[i].groups.remove(at: studyIndex) }
            }
        }
        return (PPTable.make(results, options: output.options, studyIDs: studies), output)
    }

    /// Reads the files and writes the PP table as CSV — the same bytes as
    /// `run(files:).rendered(as: .pp)` — streamed as `NCAAnalysis/writeCSV(files:progress:recordingFates:to:)` streams the
    /// NCA table, with the same guarantees (flat memory, identical bytes for every thread count, nothing
    /// written on an input error) and the same errors.
    /// - Parameters:
    ///   - files: the input files.
    ///   - progress: called after each written wave of blocks with (profiles written, total).
    ///   - write: receives the output bytes in order, on the calling thread.
    ///   - recordingFates: also record what NCA did with every row (one byte per row), for the audit
    ///     written once the output is (``NCAAnalysis/writeAudit(_:files:to:)``).
    /// - Returns: the row fates (empty unless `recordingFates`) and one ledger per input file (`ledgers`).
    @discardableResult
    public func writeCSV(
        files: [URL], progress: ((_ done: Int, _ total: Int) -> Void)? = nil, recordingFates: Bool = false,
        to write: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> NCARowFates {
        try writeCSV(
            files: files, threads: ProcessInfo.processInfo.activeProcessorCount, progress: progress,
            recordingFates: recordingFates, to: write)
    }

    /// `writeCSV(files:progress:recordingFates:to:)` on a chosen number of threads (1 = all on the calling thread).
    @discardableResult
    func writeCSV(
        files: [URL], threads: Int, progress: ((_ done: Int, _ total: Int) -> Void)? = nil,
        recordingFates: Bool = false,
        to write: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> NCARowFates {
        let plan = reading(files)
        var header: [UInt8] = []
        CSVWriter.appendHeader(PPTable.columns, to: &header)
        return try plan.analysis.stream(
            files: files, threads: threads, progress: progress, recordingFates: recordingFates, to: write
        ) { stores, options in
            let layout = PPTable.Layout(options: options)
            // PPSEQ runs on across a subject's profiles, which may sit in several blocks or files: count, in
            // input order, the profiles of each subject before each profile.
            var seen: [String: Int] = [:]
            var earlier: [Int] = []
            earlier.reserveCapacity(stores.reduce(0) { $0 + $1.profileCount })
            for store in stores {
                for subject in store.subjects {
                    let count = seen[subject] ?? 0
                    earlier.append(count)
                    seen[subject] = count + 1
                }
            }
            let rows = PPRows(
                layout: layout, earlierProfiles: earlier, studyIndex: plan.studyIndex, studyAdded: plan.studyAdded)
            return StreamLayout(
                header: header, renderer: rows, footer: [],
                bytesPerProfile: 100 * layout.parameters.count)
        }
    }

    /// The NCA as read for the PP table: with a `STUDYID` column (named the same in every file) among its
    /// groups, at `studyIndex`, added to the user's groups (`studyAdded`) unless it already was one of them.
    private func reading(_ files: [URL]) -> (analysis: NCAAnalysis, studyIndex: Int?, studyAdded: Bool) {
        var reading = analysis
        let names = files.map { ProfileReader.studyColumn(in: $0, choice: analysis.selection.table) }
        guard let name = names.first ?? nil, names.allSatisfy({ $0 == name }) else { return (reading, nil, false) }
        if let existing = analysis.selection.groups.firstIndex(where: { $0.lowercased() == "studyid" }) {
            return (reading, existing, false)
        }
        reading.selection.groups.append(name)
        return (reading, reading.selection.groups.count - 1, true)
    }

}

/// The PP rows of each profile, as CSV lines.
private struct PPRows: StreamRenderer {
    let layout: PPTable.Layout
    /// For each profile (numbered across files), the subject's profiles before it.
    let earlierProfiles: [Int]
    /// Where `STUDYID` sits among the groups read, and whether it was added to the user's groups (then it is
    /// left out of `PPGRPID`).
    let studyIndex: Int?
    let studyAdded: Bool
    /// One row of cells, overwritten in place for each row.
    private var row = [ResultCell](repeating: .empty, count: PPTable.columns.count)

    init(layout: PPTable.Layout, earlierProfiles: [Int], studyIndex: Int?, studyAdded: Bool) {
        self.layout = layout
        self.earlierProfiles = earlierProfiles
        self.studyIndex = studyIndex
        self.studyAdded = studyAdded
    }

    mutating func append(_ result: NCAResult, index: Int, to text: inout [UInt8]) {
        var groups = result.groups
        var study = ResultCell.empty
        if let studyIndex {
            study = .text(groups[studyIndex])
            if studyAdded { groups.remove(at: studyIndex) }
        }
        let group = PPTable.Layout.group(groups)
        for k in layout.parameters.indices {
            layout.fill(
                &row, parameter: k, of: result, group: group, study: study, earlierProfiles: earlierProfiles[index])
            CSVWriter.appendRow(row, to: &text)
        }
    }
}
