import CARKineticsData
import CARKineticsNumerics
import Dispatch
import Foundation

/// Writes the rows of one profile's result into its block's bytes, for a streamed output format. Each block
/// works on its own copy, so stored properties can serve as that block's scratch space.
package protocol StreamRenderer: Sendable {
    /// Appends the rows of `result`, the profile numbered `index` from 0 across all files in input order.
    mutating func append(_ result: NCAResult, index: Int, to text: inout [UInt8])
}

/// A streamed output format, fixed once every file has been read (the stores, and the options resolved to their
/// time unit, ``NCAOptions/resolved(to:)``): the bytes before the first profile's rows, the renderer of each
/// profile's rows, and the bytes after the last.
package struct StreamLayout<Renderer: StreamRenderer> {
    package var header: [UInt8]
    package var renderer: Renderer
    package var footer: [UInt8]
    /// A guess of the bytes per profile, reserved up front for each block's text.
    package var bytesPerProfile: Int

    /// A layout; see the properties.
    package init(header: [UInt8], renderer: Renderer, footer: [UInt8], bytesPerProfile: Int) {
        self.header = header
        self.renderer = renderer
        self.footer = footer
        self.bytesPerProfile = bytesPerProfile
    }
}

extension NCAAnalysis {
    /// The streaming behind every `write…(files:)`: reads and checks every file (so an input error writes
    /// nothing), asks `layout` for the format given the stores (it may need every profile's subject, as PP's
    /// sequence numbers do, and may refuse them by throwing: nothing is written then), then analyses the profiles on `threads` cores in waves of blocks and hands each
    /// block's text to `write` in input order, on the calling thread, while the next wave is analysed. Memory
    /// stays flat (the store, about 29 bytes per input row, plus two waves of text), and the bytes depend only
    /// on the profiles, never on the thread count.
    ///
    /// With `recordingFates`, each profile's block also records what NCA did with each of its rows (one byte
    /// per stored row, ``NCARowFates``), for an audit written afterwards by re-reading the files.
    /// - Returns: one ledger per input file, and the rows' fates (codes empty unless `recordingFates`).
    package func stream<Renderer: StreamRenderer>(
        files: [URL], threads: Int, progress: ((_ done: Int, _ total: Int) -> Void)?, recordingFates: Bool = false,
        to write: (UnsafeBufferPointer<UInt8>) throws -> Void,
        layout makeLayout: ([ProfileStore], NCAOptions) throws -> StreamLayout<Renderer>
    ) throws -> NCARowFates {
        var stores: [ProfileStore] = []
        for url in files {
            let reader = ProfileReader(selection: selection, invalidRows: invalidRows)
            stores.append(try reader.store(contentsOf: url, displayName: url.relativePath))
        }
        // The time axis first: files in two units are the more basic problem (and a reason to compare them).
        let time = try TimeUnitAgreement.common(
            stores.map { TimeUnitAgreement.File(name: $0.file, unit: $0.timeUnit, source: $0.timeUnitSource) })
        try Self.rejectSubjectsInSeveralFiles(stores)
        if let points = options.lambdaZPoints {
            // Only the profiles of the subjects the file names are built.
            let named = points.subjects
            var profiles: [Profile] = []
            for store in stores {
                for p in 0..<store.profileCount where named.contains(store.subjects[p]) {
                    profiles.append(store.profile(p))
                }
            }
            try checkLambdaZPoints(profiles)
        }
        let options = self.options.resolved(to: time.unit)
        let layout = try makeLayout(stores, options)
        try layout.header.withUnsafeBufferPointer { try write($0) }

        let total = stores.reduce(0) { $0 + $1.profileCount }
        // Small blocks in large waves: the cores wait for each other only at the end of a wave, for at most one
        // block (about half a millisecond of work), and a wave's text is a few megabytes.
        let blockSize = 128
        let wave = Swift.max(1, threads) * 32
        let renderer = layout.renderer
        let bytesPerProfile = layout.bytesPerProfile
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
        // Profiles of earlier files, so that `index` numbers profiles across files.
        var preceding = 0
        var codes: [[UInt8]] = []
        for store in stores {
            let blocks = (store.profileCount + blockSize - 1) / blockSize
            var first = 0
            // Each profile writes the codes of its own rows only, so the blocks never write the same byte.
            var storeCodes = [UInt8](repeating: 0, count: recordingFates ? store.lines.count : 0)
            try storeCodes.withUnsafeMutableBufferPointer { codesBuffer in
                nonisolated(unsafe) let fateCodes = codesBuffer
                while first < blocks {
                    let count = Swift.min(wave, blocks - first)
                    var texts = [[UInt8]](repeating: [], count: count)
                    let firstBlock = first
                    let offset = preceding
                    try texts.withUnsafeMutableBufferPointer { buffer in
                        nonisolated(unsafe) let output = buffer
                        let render: @Sendable (Int) -> Void = { k in
                            let start = (firstBlock + k) * blockSize
                            let end = Swift.min(start + blockSize, store.profileCount)
                            var text: [UInt8] = []
                            text.reserveCapacity((end - start) * bytesPerProfile)
                            var blockRenderer = renderer
                            for p in start..<end {
                                let profile = store.profile(p)
                                let result = NCA.analyze(profile, options: options)
                                if recordingFates {
                                    var k = store.starts[p]
                                    for (j, treatment) in result.treatments.enumerated() {
                                        let row = Int(store.order[k])
                                        fateCodes[row] = NCAAnalysis.auditCode(
                                            treatment, store.measurement(row), time: profile.observations[j].time,
                                            choice: result.lambdaZChoice)
                                        k += 1
                                    }
                                }
                                blockRenderer.append(result, index: offset + p, to: &text)
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
            codes.append(storeCodes)
            preceding += store.profileCount
        }
        try flush()
        try layout.footer.withUnsafeBufferPointer { try write($0) }
        var fates = NCARowFates(
            ledgers: stores.map(\.ledger), lines: recordingFates ? stores.map(\.lines) : [], codes: codes)
        fates.timeUnit = time.unit
        fates.timeUnitAssumed = time.assumed
        return fates
    }

    /// A subject (with the same group values) in two files is an error: rows are never silently pooled.
    private static func rejectSubjectsInSeveralFiles(_ stores: [ProfileStore]) throws(DataError) {
        guard stores.count > 1 else { return }
        var check = SubjectFileCheck()
        for store in stores {
            for p in 0..<store.profileCount {
                try check.record(
                    subject: store.subjects[p], groups: store.groups[p], file: store.file, line: store.firstLine(p))
            }
        }
    }
}
