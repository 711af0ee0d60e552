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
    /// `invalidRows` as in ``run(files:)``; the per-row audit needs ``run(files:)``, which keeps every result.
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
        var stores: [ProfileStore] = []
        for url in files {
            let reader = ProfileReader(selection: selection, invalidRows: invalidRows)
            stores.append(try reader.store(contentsOf: url, displayName: url.relativePath))
        }
        try Self.rejectSubjectsInSeveralFiles(stores)
        let columns = NCARegistry.columns(for: options)
        var header: [UInt8] = []
        CSVWriter.appendHeader(["subject"] + selection.groups + columns.map(\.name), to: &header)
        try header.withUnsafeBufferPointer { try write($0) }

        let total = stores.reduce(0) { $0 + $1.profileCount }
        // Small blocks in large waves: the cores wait for each other only at the end of a wave, for at most one
        // block (about half a millisecond of work), and a wave's text is a few megabytes.
        let blockSize = 128
        let wave = Swift.max(1, threads) * 32
        let options = self.options
        // The previous wave's text and its profile count: written by this thread while the workers compute
        // the next wave, so the output's system calls overlap the analysis.
        var pending: [[UInt8]] = []
        var pendingProfiles = 0
        var done = 0
        func flush() throws {
            for text in pending { try text.withUnsafeBufferPointer { try write($0) } }
            done += pendingProfiles
            if !pending.isEmpty { progress?(done, total) }
            pending = []
            pendingProfiles = 0
        }
        for store in stores {
            let blocks = (store.profileCount + blockSize - 1) / blockSize
            var first = 0
            while first < blocks {
                let count = Swift.min(wave, blocks - first)
                var texts = [[UInt8]](repeating: [], count: count)
                let firstBlock = first
                try texts.withUnsafeMutableBufferPointer { buffer in
                    nonisolated(unsafe) let output = buffer
                    let render: @Sendable (Int) -> Void = { k in
                        let start = (firstBlock + k) * blockSize
                        let end = Swift.min(start + blockSize, store.profileCount)
                        var text: [UInt8] = []
                        text.reserveCapacity((end - start) * 400)
                        // One row of cells, overwritten in place for each profile (emptying and refilling an
                        // array costs more than the cells themselves).
                        var cells: [ResultCell] = []
                        for p in start..<end {
                            let result = NCA.analyze(store.profile(p), options: options)
                            let offset = 1 + result.groups.count
                            if cells.count != offset + columns.count {
                                cells = [ResultCell](repeating: .empty, count: offset + columns.count)
                            }
                            cells[0] = .text(result.subject)
                            for (g, group) in result.groups.enumerated() { cells[1 + g] = .text(group) }
                            for (c, column) in columns.enumerated() { cells[offset + c] = column.cell(result) }
                            CSVWriter.appendRow(cells, to: &text)
                        }
                        output[k] = text
                    }
                    guard threads > 1, count > 1 else {
                        try flush()
                        for k in 0..<count { render(k) }
                        return
                    }
                    // One work item per block (a concurrentPerform started from a worker thread was seen to
                    // run all its iterations on that one thread).
                    let computed = DispatchGroup()
                    for k in 0..<count { DispatchQueue.global().async(group: computed) { render(k) } }
                    // The workers write into `buffer` until the group is done, so it is waited for even when
                    // writing fails.
                    var failure: Error?
                    do { try flush() } catch { failure = error }
                    computed.wait()
                    if let failure { throw failure }
                }
                pending = texts
                pendingProfiles = Swift.min(store.profileCount, (first + count) * blockSize) - first * blockSize
                first += count
            }
        }
        try flush()
        return stores.map(\.ledger)
    }

    /// A subject (with the same group values) in two files is an error: rows are never silently pooled.
    private static func rejectSubjectsInSeveralFiles(_ stores: [ProfileStore]) throws(DataError) {
        guard stores.count > 1 else { return }
        var check = SubjectFileCheck()
        for store in stores {
            for p in 0..<store.profileCount {
                try check.record(subject: store.subjects[p], groups: store.groups[p], file: store.file, line: store.firstLine(p))
            }
        }
    }
}
