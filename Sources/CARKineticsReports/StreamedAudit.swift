import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics
import Foundation

#if canImport(Glibc)
import Glibc
/// `read(2)`, named apart from any `read` method.
private let readFile = Glibc.read
#elseif canImport(Darwin)
import Darwin
private let readFile = Darwin.read
#endif

extension NCAAnalysis {
    /// Writes the audit of a streamed run (``writeCSV(files:progress:recordingFates:to:)`` and its JSON and PP
    /// siblings, with `recordingFates`) — the same bytes as `audit(run(files:), files:).table.rendered(as: .csv)`
    /// — by re-reading `files` (the run's files, in the same order) in chunks: each data line's subject, time
    /// and value cells come from this pass, its fate from the ledgers (blank and excluded lines) and the
    /// recorded code (observations). Memory: one chunk of the file and one of the audit, plus the 5 bytes per
    /// row the run kept; the text of a row lives only while its line is written.
    ///
    /// Throws ``DataError`` when a file cannot be read again (or no longer scans), or whatever `write` throws.
    public func writeAudit(
        _ fates: NCARowFates, files: [URL], to write: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        try writeAudit(fates, files: files, chunkSize: ProfileReader.chunkSize, to: write)
    }

    /// ``writeAudit(_:files:to:)`` re-reading the files `chunkSize` bytes at a time (tests use small chunks so
    /// records straddle chunk ends).
    func writeAudit(
        _ fates: NCARowFates, files: [URL], chunkSize: Int, to write: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        var out: [UInt8] = []
        out.reserveCapacity(StreamedAuditFile.flushSize + 4096)
        CSVWriter.appendHeader(["file", "line", "subject", "time", "raw_value", "fate", "detail"], to: &out)
        for (index, (url, ledger)) in zip(files, fates.ledgers).enumerated() {
            var file = StreamedAuditFile(
                ledger: ledger, lines: index < fates.lines.count ? fates.lines[index] : [],
                codes: index < fates.codes.count ? fates.codes[index] : [])
            try file.write(url: url, selection: selection, chunkSize: chunkSize, out: &out, to: write)
        }
        try out.withUnsafeBufferPointer { try write($0) }
    }
}

/// The audit lines of one file, merged in line order from four sorted sources — blank lines, excluded rows,
/// rows set aside before being read and observations — while the file is scanned again for the cells.
private struct StreamedAuditFile {
    /// Audit text is handed to the writer in pieces of about this size.
    static let flushSize = 1 << 20

    let name: [UInt8]
    let blank: [Int]
    /// Excluded rows' lines and their details (`column 'x': message`), by line.
    let excluded: [(line: Int, detail: String)]
    /// Rows set aside before being read: their lines and `,fate,detail` tails, by line.
    let setAside: [(line: Int, tail: Int)]
    let setAsideTails: [[UInt8]]
    let lines: [Int32]
    let codes: [UInt8]
    /// `,fate,detail` and the line end of each fate code, rendered once.
    let tails: [[UInt8]]
    var nextBlank = 0
    var nextExcluded = 0
    var nextSetAside = 0
    /// The next stored row to look at; rows with code 0 (no observation) are skipped.
    var nextRow = 0

    init(ledger: RowLedger, lines: [Int32], codes: [UInt8]) {
        var name: [UInt8] = []
        Self.appendField(Array(ledger.file.utf8), to: &name)
        self.name = name
        blank = ledger.blankLines.sorted()
        excluded = ledger.excluded.map { row in
            (row.line, (row.reason.column.map { "column '\($0)': " } ?? "") + row.reason.message)
        }.sorted { $0.line < $1.line }
        setAside = ledger.setAside.map { ($0.line, $0.reason) }.sorted { $0.line < $1.line }
        setAsideTails = ledger.setAsideReasons.map { Self.tail($0.fate, $0.detail) }
        self.lines = lines
        self.codes = codes
        tails = NCAAnalysis.auditFates.map { Self.tail($0.fate, $0.detail) }
    }

    /// `,fate,detail` and the line end.
    static func tail(_ fate: AuditFate, _ detail: String) -> [UInt8] {
        var out: [UInt8] = [0x2C]
        out.append(contentsOf: fate.rawValue.utf8)
        out.append(0x2C)
        appendField(Array(detail.utf8), to: &out)
        out.append(0x0A)
        return out
    }

    /// The line of the next audit entry, or nil when every entry is written.
    private mutating func nextLine() -> Int? {
        while nextRow < codes.count, codes[nextRow] == 0 { nextRow += 1 }
        var line: Int?
        if nextBlank < blank.count { line = blank[nextBlank] }
        if nextExcluded < excluded.count { line = min(line ?? .max, excluded[nextExcluded].line) }
        if nextSetAside < setAside.count { line = min(line ?? .max, setAside[nextSetAside].line) }
        if nextRow < codes.count { line = min(line ?? .max, Int(lines[nextRow])) }
        return line
    }

    /// Writes the entries up to `line` (exclusive) with empty cells (no record starts there in the re-read
    /// file, e.g. a blank line), then those at `line` with `cells`.
    private mutating func emit(
        through line: Int,
        cells: (
            subject: UnsafeBufferPointer<UInt8>, time: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>
        )?, out: inout [UInt8]
    ) {
        while let next = nextLine(), next <= line {
            let own = next == line ? cells : nil
            if nextBlank < blank.count, blank[nextBlank] == next {
                append(line: next, cells: own, tail: Self.tail(.excluded, "blank line"), to: &out)
                nextBlank += 1
            } else if nextExcluded < excluded.count, excluded[nextExcluded].line == next {
                append(line: next, cells: own, tail: Self.tail(.excluded, excluded[nextExcluded].detail), to: &out)
                nextExcluded += 1
            } else if nextSetAside < setAside.count, setAside[nextSetAside].line == next {
                let reason = setAside[nextSetAside].tail
                let tail =
                    reason >= 0 && reason < setAsideTails.count ? setAsideTails[reason] : Self.tail(.notSelected, "")
                append(line: next, cells: own, tail: tail, to: &out)
                nextSetAside += 1
            } else {
                append(line: next, cells: own, tail: tails[Int(codes[nextRow])], to: &out)
                nextRow += 1
            }
        }
    }

    private func append(
        line: Int,
        cells: (
            subject: UnsafeBufferPointer<UInt8>, time: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>
        )?,
        tail: [UInt8], to out: inout [UInt8]
    ) {
        out.append(contentsOf: name)
        out.append(0x2C)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { digits in
            guard let base = digits.baseAddress else { return }
            out.append(contentsOf: UnsafeBufferPointer(start: base, count: CSVWriter.writeInteger(line, to: base)))
        }
        out.append(0x2C)
        if let cells {
            Self.appendField(cells.subject, to: &out)
            out.append(0x2C)
            Self.appendField(cells.time, to: &out)
            out.append(0x2C)
            Self.appendField(cells.value, to: &out)
        } else {
            out.append(0x2C)
            out.append(0x2C)
        }
        out.append(contentsOf: tail)
    }

    /// A CSV field as ``CSVWriter`` writes a text cell: quoted, with doubled quotes, when it holds a comma,
    /// quote, CR or LF.
    static func appendField<Bytes: Collection<UInt8>>(_ bytes: Bytes, to out: inout [UInt8]) {
        guard bytes.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else {
            out.append(contentsOf: bytes)
            return
        }
        out.append(0x22)
        for byte in bytes {
            out.append(byte)
            if byte == 0x22 { out.append(0x22) }
        }
        out.append(0x22)
    }

    /// Re-reads the file at `url` in chunks and writes its audit lines into `out`, handing `out` to `write`
    /// whenever it exceeds ``flushSize``.
    mutating func write(
        url: URL, selection: ColumnSelection, chunkSize: Int, out: inout [UInt8],
        to write: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        let file = String(decoding: name, as: UTF8.self)
        func unreadable() -> DataError {
            DataError(file: file, message: "cannot be read again for the audit (\(String(cString: strerror(errno))))")
        }
        if TableFormat.detect(contentsOf: url) != .csv {
            // SAS transport, Dataset-JSON and Excel files are read whole by their readers anyway: their cells
            // come from the table path's source, record by record.
            let source = try AuditSource(contentsOf: url, file: file, selection: selection)
            while let next = nextLine() {
                if var subject = source.cells[next]?.subject, var time = source.cells[next]?.time,
                    var value = source.cells[next]?.value
                {
                    subject.withUTF8 { subject in
                        time.withUTF8 { time in
                            value.withUTF8 { value in emit(through: next, cells: (subject, time, value), out: &out) }
                        }
                    }
                } else {
                    emit(through: next, cells: nil, out: &out)
                }
                if out.count >= Self.flushSize {
                    try out.withUnsafeBufferPointer { try write($0) }
                    out.removeAll(keepingCapacity: true)
                }
            }
            return
        }
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else { throw unreadable() }
        defer { close(descriptor) }
        var columns: ResolvedColumns?
        var buffer = [UInt8](repeating: 0, count: Swift.max(1, chunkSize))
        var filled = 0
        var line = 1
        while true {
            if filled == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
            let got = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return readFile(descriptor, base + filled, raw.count - filled)
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw unreadable()
            }
            let atEnd = got == 0
            filled += got
            var limit = filled
            if !atEnd {
                // Scan up to the last line break read so far; the partial record after it waits for more bytes.
                while limit > 0, buffer[limit - 1] != UInt8(ascii: "\n") { limit -= 1 }
                if limit == 0 { continue }
            }
            let consumed = try buffer.withUnsafeBufferPointer { (all) throws(DataError) -> Int in
                try CSVScanner.scan(
                    UnsafeBufferPointer(rebasing: all[0..<limit]), file: file, line: &line, isFinal: atEnd
                ) {
                    (row) throws(DataError) in
                    guard let resolved = columns else {
                        if row.isBlank { return }
                        columns = try ResolvedColumns(
                            header: (0..<row.count).map { row.string($0) }, selection: selection, file: file)
                        return
                    }
                    if row.isBlank { return }
                    // The same cells as the table path's audit (`AuditSource`): a column the ragged row lacks is
                    // empty, and in ADPC files AVALC stands for AVAL when AVAL is empty or AVALC is a BLQ marker.
                    let none = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
                    func cell(_ index: Int) -> UnsafeBufferPointer<UInt8> {
                        index < row.count ? row.trimmedBytes(index) : none
                    }
                    var value = resolved.value
                    if let text = resolved.valueText, value < row.count, text < row.count,
                        row.trimmedBytes(value).isEmpty || MeasurementParser.isBelowLimitMarker(row.trimmedBytes(text))
                    {
                        value = text
                    }
                    emit(
                        through: row.line, cells: (cell(resolved.subject), cell(resolved.time), cell(value)), out: &out)
                }
            }
            if out.count >= Self.flushSize {
                try out.withUnsafeBufferPointer { try write($0) }
                out.removeAll(keepingCapacity: true)
            }
            if atEnd { break }
            if consumed > 0 {
                buffer.withUnsafeMutableBufferPointer { all in
                    let rest = filled - consumed
                    if rest > 0, let base = all.baseAddress { base.update(from: base + consumed, count: rest) }
                }
                filled -= consumed
            }
        }
        emit(through: .max, cells: nil, out: &out)
    }
}
