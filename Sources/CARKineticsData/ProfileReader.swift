import CARKineticsNumerics
import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
/// `read(2)`, named apart from `ProfileReader.read(contentsOf:)`.
private let readFile = Glibc.read
#elseif canImport(Darwin)
import Darwin
private let readFile = Darwin.read
#endif

/// Profiles read from one file, with the ledger of its lines.
public struct ProfileSet: Sendable {
    /// The file name used in messages.
    public var file: String
    /// Profiles in order of first appearance.
    public var profiles: [Profile]
    /// The fate of every line.
    public var ledger: RowLedger
    /// The unit of the profiles' times (the input's, or ``ColumnSelection/outputTimeUnit`` when converted).
    public var timeUnit: TimeUnit = .days
    /// The unit the file's times are written in, and where it was learnt (``TimeUnitSource/assumed``: nowhere).
    public var inputTimeUnit: TimeUnit = .days
    public var timeUnitSource: TimeUnitSource = .assumed
}

/// Reads a long-format CSV file (one row per sample) into per-subject `Profile`s.
///
/// Profiles are keyed by subject plus the group values (so a group column such as an infusion number splits
/// re-dosed subjects), listed in order of first appearance; rows of one subject need not be contiguous.
/// Observations are sorted by time (stable, so ties keep file order). Rejected, with file, line and column:
/// empty file, header without data rows, ragged rows, empty or non-numeric or non-finite subject/time,
/// invalid concentration cells, two non-missing rows of one profile at one time (both lines named), and two
/// different units in one profile. Under ``InvalidRowPolicy/skip`` those row problems exclude the row
/// instead (listed in the ledger, in line order). The cost is linear in the file size plus a sort per profile
/// (skipped when a profile's rows are already in time order); files are read in chunks into the flat storage
/// of `ProfileStore`, with subjects found through a hash of their key bytes.
public struct ProfileReader: Sendable {
    /// Which columns to read.
    public var selection: ColumnSelection
    /// Stop at the first invalid row, or exclude invalid rows.
    public var invalidRows: InvalidRowPolicy

    /// A reader for the given columns (default: recognised names), strict unless told otherwise.
    public init(selection: ColumnSelection = ColumnSelection(), invalidRows: InvalidRowPolicy = .stop) {
        self.selection = selection
        self.invalidRows = invalidRows
    }

    /// Reads a file; `file` in errors is the path as given.
    public func read(contentsOf url: URL, displayName: String? = nil) throws(DataError) -> ProfileSet {
        ProfileSet(try store(contentsOf: url, displayName: displayName))
    }

    /// Reads CSV bytes; `file` names them in errors.
    public func read(bytes: [UInt8], file: String) throws(DataError) -> ProfileSet {
        ProfileSet(try store(bytes: bytes, file: file))
    }

    /// Bytes read from the file per `read(2)` call; records are scanned as soon as a chunk ends in a line break.
    package static let chunkSize = 1 << 20

    /// The longest first line accepted without a line break (1 MB: thousands of columns).
    static let headerLimit = 1 << 20

    /// Reads a file in chunks into the compact columnar form, so memory is the store (about 29 bytes per row)
    /// plus one chunk, never the whole file. A record longer than a chunk (a quoted field with line breaks, or a
    /// file with CR-only line ends) makes the buffer grow until the record is complete.
    ///
    /// Once the header is read, a chunk without quote characters in a file without group columns is split at
    /// line breaks into `threads` parts whose rows are checked in parallel (`RowParser`) and then added in
    /// file order, so the result, including which error is reported first, is the serial one. Under
    /// ``InvalidRowPolicy/skip`` a part goes on past an invalid row and hands its error over with the row, so
    /// the exclusions reach the ledger in file order, exactly as in a serial read.
    package func store(
        contentsOf url: URL, displayName: String? = nil, chunkSize: Int = chunkSize,
        threads: Int = ProcessInfo.processInfo.activeProcessorCount
    ) throws(DataError) -> ProfileStore {
        let name = displayName ?? url.path
        // SAS transport, Dataset-JSON and Excel files are told by their first bytes (Data/Formats).
        if let table = try storeTable(contentsOf: url, displayName: name) { return table }
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else {
            throw DataError(file: name, message: "cannot be read (\(String(cString: strerror(errno))))")
        }
        defer { close(descriptor) }
        var status = stat()
        let fileSize = fstat(descriptor, &status) == 0 ? Int(status.st_size) : 0
        var builder = ProfileStore.Builder(file: name, selection: selection, invalidRows: invalidRows)
        var buffer = [UInt8](repeating: 0, count: max(1, chunkSize))
        var filled = 0
        var consumedTotal = 0
        var line = 1
        var estimated = false
        while true {
            if filled == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
            let got = buffer.withUnsafeMutableBytes { raw in
                readFile(descriptor, raw.baseAddress! + filled, raw.count - filled)
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw DataError(file: name, message: "cannot be read (\(String(cString: strerror(errno))))")
            }
            let atEnd = got == 0
            filled += got
            var limit = filled
            if !atEnd {
                // Scan up to the last line break read so far; the partial record after it waits for more bytes.
                while limit > 0, buffer[limit - 1] != UInt8(ascii: "\n") { limit -= 1 }
                if limit == 0 {
                    // A first line with no line break (LF or CR) in its first MB is not a CSV header: stop
                    // now rather than read and echo a 50 MB "header" (docs/robustness.md).
                    if consumedTotal == 0, filled > Self.headerLimit,
                        !buffer.prefix(Self.headerLimit).contains(UInt8(ascii: "\r"))
                    {
                        throw DataError(
                            file: name, line: 1,
                            message:
                                "has no line break in its first \(Self.headerLimit >> 20) MB; expected a header line of column names"
                        )
                    }
                    continue
                }
            }
            let consumed = try buffer.withUnsafeBufferPointer { (all) throws(DataError) -> Int in
                var region = UnsafeBufferPointer(rebasing: all[0..<limit])
                var done = 0
                // Quote-free lines one by one first, while the parallel parser is not ready: the header, and in
                // a file with a time-unit column the rows up to the first that states the unit (at most 64
                // lines) — then the rest of the first chunk can be checked in parallel too.
                var alone = 0
                while threads > 1, builder.parser == nil, alone < 64, let base = region.baseAddress,
                    let newline = memchr(base, Int32(UInt8(ascii: "\n")), region.count)
                {
                    let first = UnsafeBufferPointer(
                        start: base, count: UnsafeRawPointer(newline) - UnsafeRawPointer(base) + 1)
                    guard memchr(base, Int32(UInt8(ascii: "\"")), first.count) == nil else { break }
                    let used = try CSVScanner.scan(first, file: name, line: &line, isFinal: false) {
                        (row) throws(DataError) in try builder.add(row)
                    }
                    done += used
                    region = UnsafeBufferPointer(rebasing: region[used...])
                    alone += 1
                }
                if threads > 1, let parser = builder.parser, let base = region.baseAddress, region.count >= 4096,
                    memchr(base, Int32(UInt8(ascii: "\"")), region.count) == nil
                {
                    try Self.addInParallel(region, parser: parser, parts: threads * 4, line: &line, to: &builder)
                    return limit
                }
                let rest = try CSVScanner.scan(region, file: name, line: &line, isFinal: atEnd) {
                    (row) throws(DataError) in try builder.add(row)
                }
                return done + rest
            }
            if atEnd { break }
            consumedTotal += consumed
            if !estimated, builder.rows > 0, consumedTotal > 0 {
                estimated = true
                // A sparse file or a device can report any size: only a plausible estimate is reserved, and
                // the Double is converted only when it fits in an Int.
                let estimate = Double(builder.rows) * Double(fileSize) / Double(consumedTotal) * 1.02
                if estimate.isFinite, estimate < 1e9 { builder.reserve(rows: Int(estimate) + 16) }
            }
            if consumed > 0 {
                buffer.withUnsafeMutableBufferPointer { all in
                    let rest = filled - consumed
                    if rest > 0 { all.baseAddress!.update(from: all.baseAddress! + consumed, count: rest) }
                }
                filled -= consumed
            }
        }
        return try builder.finish()
    }

    /// One part's rows, checked: cells (byte ranges into the chunk), blank lines or (when invalid rows are
    /// skipped) invalid rows with their errors, with lines counted from 2 (a placeholder base, so no byte-order
    /// mark is looked for) and the error that ended the part, if any.
    private struct CheckedPart {
        var rows = ProfileStore.CheckedRows()
        /// Per row: its line relative to the part; negative for a blank line, 0 for an invalid row (its line is
        /// in its error), 1 for a row set aside (its line is in `setAside`); relative lines start at 2, so 0
        /// and 1 are free.
        var lines: [Int] = []
        /// The errors of the invalid rows, in order (only when invalid rows are skipped).
        var invalid: [DataError] = []
        /// The subject cell of each invalid row (empty when it has none), so its subject keeps a profile.
        var invalidSubjects: [UnsafeBufferPointer<UInt8>] = []
        /// Rows set aside by the row selection (record 1 in `lines`), with relative lines and reasons.
        var setAside: [(line: Int, reason: Int32)] = []
        /// Selected rows whose analysis flags disagree: how many, and the first one's relative line.
        var disagreements: [Int] = []
        var endLine = 2
        var error: DataError?
    }

    /// Checks the rows of a quote-free region on `parts` threads, then adds them to `builder` in file order.
    /// Each part ends just after a line break, so every record is whole and its line count is known; an error
    /// is thrown only after every row before it has been added, with its line made absolute.
    private static func addInParallel(
        _ region: UnsafeBufferPointer<UInt8>, parser: RowParser, parts: Int, line: inout Int,
        to builder: inout ProfileStore.Builder
    ) throws(DataError) {
        var bounds = [0]
        for k in 1..<parts {
            var cut = Swift.max(bounds[bounds.count - 1], region.count * k / parts)
            while cut < region.count, region[cut - 1] != UInt8(ascii: "\n") { cut += 1 }
            bounds.append(cut)
        }
        bounds.append(region.count)
        let checked = check(
            region, cuts: bounds, parser: parser, skipInvalid: builder.skipsInvalidRows,
            subjects: builder.knownSubjects)
        for part in checked {
            let base = line - 2
            for relative in part.disagreements { builder.noteDisagreement(line: base + relative) }
            try builder.append(
                part.rows, records: part.lines, invalid: part.invalid, invalidSubjects: part.invalidSubjects,
                setAside: part.setAside, base: base)
            if var error = part.error {
                error.line = error.line.map { base + $0 }
                throw error
            }
            line = base + part.endLine
        }
    }

    /// The parallel half of `addInParallel`: checks the rows of each part (`region[cuts[k] ..< cuts[k + 1]]`) on
    /// its own thread and looks their subjects up in `subjects`. Its own function so that `subjects`, a
    /// copy of the builder's table, is released before the builder inserts into it (no copy-on-write).
    private static func check(
        _ region: UnsafeBufferPointer<UInt8>, cuts: [Int], parser: RowParser, skipInvalid: Bool,
        subjects: ByteInterner
    ) -> [CheckedPart] {
        nonisolated(unsafe) let input = region
        return parallelMap(count: cuts.count - 1) { k in
            var part = CheckedPart()
            let slice = UnsafeBufferPointer(rebasing: input[cuts[k]..<cuts[k + 1]])
            var previous = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
            var previousProfile = -1
            do throws(DataError) {
                part.endLine = 2
                _ = try CSVScanner.scan(slice, file: parser.file, line: &part.endLine, isFinal: true) {
                    (row) throws(DataError) in
                    if row.isBlank {
                        part.lines.append(-row.line)
                    } else {
                        let selected = parser.selection(row)
                        if selected != 0 {
                            guard selected == RowSelector.disagreeing else {
                                part.setAside.append((row.line, selected))
                                part.lines.append(1)
                                return
                            }
                            part.disagreements.append(row.line)
                        }
                        // A row stating another time unit stops the read even when invalid rows are skipped
                        // (rows set aside above are not observations: their cells are not checked).
                        try parser.checkTimeUnit(row)
                        let cells: RowParser.Cells
                        do throws(DataError) {
                            cells = try parser.cells(row)
                        } catch {
                            guard skipInvalid else { throw error }
                            part.invalid.append(error)
                            part.invalidSubjects.append(
                                parser.subjectOfInvalid(row) ?? UnsafeBufferPointer(start: nil, count: 0))
                            part.lines.append(0)
                            return
                        }
                        let found = known(
                            cells.subject, previous: previous, previousProfile: previousProfile,
                            in: subjects)
                        if found != ProfileStore.CheckedRows.sameSubject { previousProfile = Int(found) }
                        previous = cells.subject
                        part.rows.add(cells, known: found)
                        part.lines.append(row.line)
                    }
                }
            } catch {
                part.error = error
            }
            return part
        }
    }

    /// What the builder needs to know of a row's subject, found in parallel: the same
    /// subject as the previous row (subject-major files), else the profile after the previous row's (visit-major
    /// files list the subjects in the same order at every visit: one look at the neighbouring key in memory
    /// instead of a hash probe at a random place), else a hash lookup.
    private static func known(
        _ subject: UnsafeBufferPointer<UInt8>, previous: UnsafeBufferPointer<UInt8>, previousProfile: Int,
        in subjects: ByteInterner
    ) -> Int32 {
        if previous.count == subject.count, let a = previous.baseAddress, let b = subject.baseAddress,
            memcmp(a, b, subject.count) == 0
        {
            return ProfileStore.CheckedRows.sameSubject
        }
        if previousProfile >= 0, previousProfile + 1 < subjects.count, subjects.equals(previousProfile + 1, subject) {
            return Int32(truncatingIfNeeded: previousProfile + 1)
        }
        return subjects.find(subject).map { Int32(truncatingIfNeeded: $0) } ?? ProfileStore.CheckedRows.unknownSubject
    }

    /// Reads CSV bytes already in memory into the compact columnar form.
    func store(bytes: [UInt8], file: String) throws(DataError) -> ProfileStore {
        let format = TableFormat.detect(bytes)
        if format != .csv { return try storeTable(bytes: bytes, format: format, file: file) }
        var builder = ProfileStore.Builder(file: file, selection: selection, invalidRows: invalidRows)
        try bytes.withUnsafeBufferPointer { (buffer) throws(DataError) in
            try CSVScanner.scan(buffer, file: file) { (row) throws(DataError) in try builder.add(row) }
        }
        return try builder.finish()
    }
}

extension ProfileSet {
    /// Every profile of a store, built as `Profile` values.
    init(_ store: ProfileStore) {
        self.init(file: store.file, profiles: (0..<store.profileCount).map(store.profile), ledger: store.ledger)
        timeUnit = store.timeUnit
        inputTimeUnit = store.inputTimeUnit
        timeUnitSource = store.timeUnitSource
    }
}
