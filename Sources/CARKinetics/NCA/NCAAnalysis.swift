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
        analyze(try ProfileCollection.read(files: files, selection: selection, invalidRows: invalidRows))
    }

    /// Analyses profile sets already read (for callers holding bytes rather than files).
    public func run(_ sets: [ProfileSet]) throws(DataError) -> Output {
        analyze(try ProfileCollection.combine(sets))
    }

    private func analyze(_ collection: ProfileCollection) -> Output {
        let profiles = collection.profiles
        let results = Self.analyze(profiles, options: options, threads: ProcessInfo.processInfo.activeProcessorCount)
        let columns = NCARegistry.columns(for: options)
        var table = ResultTable(columns: ["subject"] + selection.groups + columns.map(\.name))
        table.rows.reserveCapacity(results.count)
        for result in results {
            table.rows.append([.text(result.subject)] + result.groups.map { .text($0) } + columns.map { $0.cell(result) })
        }
        return Output(table: table, results: results, profiles: profiles, ledgers: collection.ledgers,
                      profileFiles: collection.profileFiles)
    }

    /// NCA of every profile, spread over `threads` cores; the result is the same whatever the thread count
    /// (each analysis is a pure function of its profile, stored at its own index).
    static func analyze(_ profiles: [Profile], options: NCAOptions, threads: Int) -> [NCAResult] {
        guard threads > 1, profiles.count > 64 else { return profiles.map { NCA.analyze($0, options: options) } }
        var results = [NCAResult?](repeating: nil, count: profiles.count)
        let blocks = Swift.min(profiles.count, threads * 8)
        results.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let output = buffer
            DispatchQueue.concurrentPerform(iterations: blocks) { block in
                for index in stride(from: block, to: profiles.count, by: blocks) {
                    output[index] = NCA.analyze(profiles[index], options: options)
                }
            }
        }
        return results.compactMap { $0 }
    }

    /// Reads the files and writes the CSV of the table `run(files:)` would build — the same bytes as
    /// `run(files:).table.rendered(as: .csv)` — as a stream: profiles are built from the compact columnar
    /// store, analysed on all cores in waves of blocks, and each block's CSV text is handed to `write` in input
    /// order, on the calling thread, while the next wave is analysed; so memory stays flat (the store, about
    /// 29 bytes per input row, plus two waves of output) and the bytes are identical for every thread count.
    ///
    /// Every file is read and checked before the first byte is written, so an input error produces no
    /// output. Throws ``DataError`` for bad input, or whatever `write` throws. Invalid rows follow
    /// `invalidRows` as in ``run(files:)``; for the per-row audit, see ``writeCSV(files:progress:recordingFates:to:)``.
    /// - Parameter progress: called after each written wave of blocks with (profiles written, total).
    /// - Returns: one ledger per input file, as ``Output/ledgers`` (with the exclusions under
    ///   ``InvalidRowPolicy/skip``).
    @discardableResult
    public func writeCSV(
        files: [URL], progress: ((_ done: Int, _ total: Int) -> Void)? = nil,
        to write: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> [RowLedger] {
        try writeCSV(files: files, threads: ProcessInfo.processInfo.activeProcessorCount, progress: progress, to: write)
    }

    /// `writeCSV(files:progress:to:)` on a chosen number of threads (1 = all on the calling thread).
    @discardableResult
    func writeCSV(
        files: [URL], threads: Int, progress: ((_ done: Int, _ total: Int) -> Void)? = nil,
        to write: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> [RowLedger] {
        try writeCSV(files: files, threads: threads, progress: progress, recordingFates: false, to: write).ledgers
    }

    /// ``writeCSV(files:progress:to:)`` that also records, with `recordingFates`, what NCA did with every row
    /// (one byte per row), for ``writeAudit(_:files:to:)`` once the output is written.
    @discardableResult
    public func writeCSV(
        files: [URL], progress: ((_ done: Int, _ total: Int) -> Void)? = nil, recordingFates: Bool,
        to write: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> NCARowFates {
        try writeCSV(files: files, threads: ProcessInfo.processInfo.activeProcessorCount, progress: progress,
                     recordingFates: recordingFates, to: write)
    }

    /// `writeCSV(files:progress:recordingFates:to:)` on a chosen number of threads.
    func writeCSV(
        files: [URL], threads: Int, progress: ((_ done: Int, _ total: Int) -> Void)? = nil, recordingFates: Bool,
        to write: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> NCARowFates {
        let columns = NCARegistry.columns(for: options)
        var header: [UInt8] = []
        CSVWriter.appendHeader(["subject"] + selection.groups + columns.map(\.name), to: &header)
        return try stream(files: files, threads: threads, progress: progress, recordingFates: recordingFates, to: write) { _ in
            StreamLayout(header: header, renderer: NCATableRows(columns: columns, jsonKeys: nil), footer: [],
                         bytesPerProfile: 400)
        }
    }

    /// ``writeCSV(files:progress:to:)`` for JSON: the same bytes as `run(files:).table.rendered(as: .json)`
    /// (``JSONWriter``), streamed the same way, with the same guarantees (flat memory, identical bytes for
    /// every thread count, nothing written on an input error) and the same errors.
    /// - Parameter progress: called after each written wave of blocks with (profiles written, total).
    /// - Returns: one ledger per input file, as ``Output/ledgers``.
    @discardableResult
    public func writeJSON(
        files: [URL], progress: ((_ done: Int, _ total: Int) -> Void)? = nil,
        to write: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> [RowLedger] {
        try writeJSON(files: files, threads: ProcessInfo.processInfo.activeProcessorCount, progress: progress, to: write)
    }

    /// `writeJSON(files:progress:to:)` on a chosen number of threads (1 = all on the calling thread).
    @discardableResult
    func writeJSON(
        files: [URL], threads: Int, progress: ((_ done: Int, _ total: Int) -> Void)? = nil,
        to write: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> [RowLedger] {
        try writeJSON(files: files, threads: threads, progress: progress, recordingFates: false, to: write).ledgers
    }

    /// ``writeJSON(files:progress:to:)`` that also records, with `recordingFates`, what NCA did with every row
    /// (one byte per row), for ``writeAudit(_:files:to:)`` once the output is written.
    @discardableResult
    public func writeJSON(
        files: [URL], progress: ((_ done: Int, _ total: Int) -> Void)? = nil, recordingFates: Bool,
        to write: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> NCARowFates {
        try writeJSON(files: files, threads: ProcessInfo.processInfo.activeProcessorCount, progress: progress,
                      recordingFates: recordingFates, to: write)
    }

    /// `writeJSON(files:progress:recordingFates:to:)` on a chosen number of threads.
    func writeJSON(
        files: [URL], threads: Int, progress: ((_ done: Int, _ total: Int) -> Void)? = nil, recordingFates: Bool,
        to write: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> NCARowFates {
        let columns = NCARegistry.columns(for: options)
        let keys = JSONWriter.keys(["subject"] + selection.groups + columns.map(\.name))
        return try stream(files: files, threads: threads, progress: progress, recordingFates: recordingFates, to: write) { stores in
            StreamLayout(header: JSONWriter.opening, renderer: NCATableRows(columns: columns, jsonKeys: keys),
                         footer: JSONWriter.closing(empty: stores.allSatisfy { $0.profileCount == 0 }),
                         bytesPerProfile: 1_000)
        }
    }
}
