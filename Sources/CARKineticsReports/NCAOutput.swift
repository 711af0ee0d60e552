import CARKineticsData
import CARKineticsNCA
import Foundation

extension ResultCell {
    /// The cell of a registry value.
    public init(_ value: NCAColumnValue) {
        switch value {
        case .number(let x): self = .number(x)
        case .integer(let n): self = .integer(n)
        case .text(let s): self = .text(s)
        case .empty: self = .empty
        }
    }
}

extension NCAAnalysis.Output {
    /// `subject`, the group columns, then `NCARegistry/columns(for:)`; one row per profile in input order.
    public var table: ResultTable {
        let columns = NCARegistry.columns(for: options)
        var table = ResultTable(columns: ["subject"] + groupColumns + columns.map(\.name))
        table.envelope = JSONEnvelope(
            schema: JSONEnvelope.ncaSchema, names: columns.map(\.name),
            levelUnit: JSONEnvelope.levelUnit(results.map(\.unit)), timeUnit: options.timeUnit)
        table.rows.reserveCapacity(results.count)
        for result in results {
            table.rows.append(
                [.text(result.subject)] + result.groups.map { .text($0) } + columns.map { ResultCell($0.cell(result)) })
        }
        return table
    }
}

extension NCAAnalysis {
    /// Reads the files and writes the CSV of the table `run(files:)` would build — the same bytes as
    /// `run(files:).table.rendered(as: .csv)` — as a stream: profiles are built from the compact columnar
    /// store, analysed on all cores in waves of blocks, and each block's CSV text is handed to `write` in input
    /// order, on the calling thread, while the next wave is analysed; so memory stays flat (the store, about
    /// 29 bytes per input row, plus two waves of output) and the bytes are identical for every thread count.
    ///
    /// Every file is read and checked before the first byte is written, so an input error produces no
    /// output. Throws `DataError` for bad input, or whatever `write` throws. Invalid rows follow
    /// `invalidRows` as in `run(files:)`; for the per-row audit, see ``writeCSV(files:progress:recordingFates:to:)``.
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
        let groups = selection.groups
        return try stream(
            files: files, threads: threads, progress: progress, recordingFates: recordingFates, to: write
        ) { _, options in
            let columns = NCARegistry.columns(for: options)
            var header: [UInt8] = []
            CSVWriter.appendHeader(["subject"] + groups + columns.map(\.name), to: &header)
            return StreamLayout(
                header: header, renderer: NCATableRows(columns: columns, jsonKeys: nil), footer: [],
                bytesPerProfile: 400)
        }
    }

    /// ``writeCSV(files:progress:recordingFates:to:)`` for JSON: the same bytes as `run(files:).table.rendered(as: .json)`
    /// (`JSONWriter`), streamed the same way, with the same guarantees (flat memory, identical bytes for
    /// every thread count, nothing written on an input error) and the same errors.
    /// - Parameters:
    ///   - files: the input files.
    ///   - progress: called after each written wave of blocks with (profiles written, total).
    ///   - write: receives the output bytes in order, on the calling thread.
    ///   - recordingFates: also record what NCA did with every row (one byte per row), for the audit
    ///     written once the output is (``NCAAnalysis/writeAudit(_:files:to:)``).
    /// - Returns: the row fates (empty unless `recordingFates`) and one ledger per input file (`ledgers`).
    @discardableResult
    public func writeJSON(
        files: [URL], progress: ((_ done: Int, _ total: Int) -> Void)? = nil, recordingFates: Bool = false,
        to write: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> NCARowFates {
        try writeJSON(
            files: files, threads: ProcessInfo.processInfo.activeProcessorCount, progress: progress,
            recordingFates: recordingFates, to: write)
    }

    /// `writeJSON(files:progress:recordingFates:to:)` on a chosen number of threads (1 = all on the calling thread).
    @discardableResult
    func writeJSON(
        files: [URL], threads: Int, progress: ((_ done: Int, _ total: Int) -> Void)? = nil,
        recordingFates: Bool = false,
        to write: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> NCARowFates {
        let groups = selection.groups
        return try stream(
            files: files, threads: threads, progress: progress, recordingFates: recordingFates, to: write
        ) { stores, options in
            let columns = NCARegistry.columns(for: options)
            let names = ["subject"] + groups + columns.map(\.name)
            let keys = JSONWriter.keys(names)
            // Every file is read before the header is written, so the level units are known here.
            let envelope = JSONEnvelope(
                schema: JSONEnvelope.ncaSchema, names: columns.map(\.name),
                levelUnit: JSONEnvelope.levelUnit(stores.flatMap(\.levelUnits)), timeUnit: options.timeUnit)
            return StreamLayout(
                header: JSONWriter.opening(envelope, columns: names),
                renderer: NCATableRows(columns: columns, jsonKeys: keys),
                footer: JSONWriter.closing(empty: stores.allSatisfy { $0.profileCount == 0 }),
                bytesPerProfile: 1_000)
        }
    }
}

/// The rows of ``NCAAnalysis/Output/table``, one per profile (subject, groups, then the registry's columns),
/// as CSV lines or as the objects of a JSON array.
struct NCATableRows: StreamRenderer {
    /// The registry columns' readers only: iterating whole ``NCAColumn`` values would copy (retain and release)
    /// their names, test codes and closures for every cell.
    let readers: [@Sendable (NCAResult) -> NCAColumnValue]
    /// The JSON key bytes of each table column (``JSONWriter/keys(_:)``); nil for CSV.
    let jsonKeys: [[UInt8]]?
    /// One row of cells, overwritten in place for each profile (emptying and refilling an array costs more
    /// than the cells themselves).
    private var cells: [ResultCell] = []

    init(columns: [NCAColumn], jsonKeys: [[UInt8]]?) {
        readers = columns.map(\.cell)
        self.jsonKeys = jsonKeys
    }

    mutating func append(_ result: NCAResult, index: Int, to text: inout [UInt8]) {
        let offset = 1 + result.groups.count
        if cells.count != offset + readers.count {
            cells = [ResultCell](repeating: .empty, count: offset + readers.count)
        }
        cells[0] = .text(result.subject)
        for (g, group) in result.groups.enumerated() { cells[1 + g] = .text(group) }
        for c in readers.indices { cells[offset + c] = ResultCell(readers[c](result)) }
        if let jsonKeys {
            JSONWriter.appendObject(cells, keys: jsonKeys, first: index == 0, to: &text)
        } else {
            CSVWriter.appendRow(cells, to: &text)
        }
    }
}
