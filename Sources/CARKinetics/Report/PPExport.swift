import Foundation

/// `pkfit nca --format pp` as a library call: the NCA of ``NCAAnalysis`` written as ``PPTable``, with
/// `STUDYID` taken from a column of that name (any case) when every input file has exactly one.
public struct PPExport: Sendable {
    /// The NCA behind the table (columns, options, invalid-row policy), as for `pkfit nca`. A `STUDYID` column
    /// is added to its groups for reading and removed again from `PPGRPID`.
    public var analysis: NCAAnalysis

    /// An export of the given analysis.
    public init(_ analysis: NCAAnalysis = NCAAnalysis()) {
        self.analysis = analysis
    }

    /// Reads `files`, runs the NCA and builds the PP table. Errors are those of ``NCAAnalysis/run(files:)``.
    public func run(files: [URL]) throws(DataError) -> ResultTable {
        try export(files: files).table
    }

    /// ``run(files:)`` with the NCA behind the table, for its ledgers and audit (``NCAAnalysis/audit(_:files:)``).
    /// The NCA's groups include `STUDYID` when it was read as a group for the table.
    public func export(files: [URL]) throws(DataError) -> (table: ResultTable, nca: NCAAnalysis.Output) {
        let selection = analysis.selection
        var read = selection
        var studyIndex: Int?
        let names = files.map { Self.studyColumn(in: $0) }
        if let name = names.first ?? nil, names.allSatisfy({ $0 == name }) {
            if let existing = selection.groups.firstIndex(where: { $0.lowercased() == "studyid" }) {
                studyIndex = existing
            } else {
                read.groups.append(name)
                studyIndex = read.groups.count - 1
            }
        }
        var reading = analysis
        reading.selection = read
        let output = try reading.run(files: files)
        var results = output.results
        var studies: [String]?
        if let studyIndex {
            studies = results.map { $0.groups[studyIndex] }
            if studyIndex >= selection.groups.count {
                for i in results.indices { results[i].groups.remove(at: studyIndex) }
            }
        }
        return (PPTable.make(results, options: analysis.options, studyIDs: studies), output)
    }

    /// The header's `STUDYID` column name as spelled in the file, when it has exactly one; nil when the
    /// file cannot be read (reading it for the NCA then reports the error with file and line).
    static func studyColumn(in url: URL) -> String? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 65_536) else { return nil }
        let bytes = [UInt8](head.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") })
        var header: [String] = []
        try? bytes.withUnsafeBufferPointer { (buffer) throws(DataError) in
            try CSVScanner.scan(buffer, file: url.path) { (row) throws(DataError) in
                if header.isEmpty { header = (0..<row.count).map { row.string($0) } }
            }
        }
        let matches = header.filter { $0.lowercased() == "studyid" }
        return matches.count == 1 ? matches[0] : nil
    }
}
