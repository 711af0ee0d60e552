import CARKineticsNumerics
import Foundation

/// Which table of a file with several to read, and where its header is (`--dataset`, `--sheet`,
/// `--header-row`). CSV files have one table with the header on the first line and ignore all three.
public struct TableChoice: Sendable, Equatable {
    /// The SAS transport member (dataset) to read; required when a file holds more than one.
    public var dataset: String?
    /// The workbook sheet to read; nil = the first sheet.
    public var sheet: String?
    /// The sheet row (1-based, as Excel numbers them) holding the column names; nil = the first non-empty
    /// row. Rows above it (titles) are not data.
    public var headerRow: Int?
    /// How the caller's users name the dataset and the header row, quoted in the errors that ask for them (a
    /// command line passes its options, `--dataset`, `--header-row`); without an entry the wording is generic.
    public var namingHints: [Option: String] = [:]

    /// The choices a caller may name, for ``namingHints``.
    public enum Option: Sendable, Hashable {
        case dataset, headerRow
    }

    /// How to ask for a dataset by name, completing "choose one …".
    var datasetAdvice: String { namingHints[.dataset].map { "with \($0) NAME" } ?? "by naming its dataset" }

    /// The first table, header found automatically.
    public init(dataset: String? = nil, sheet: String? = nil, headerRow: Int? = nil) {
        self.dataset = dataset
        self.sheet = sheet
        self.headerRow = headerRow
    }
}

/// The container of a tabular input file, told by its first bytes rather than its name, so a SAS transport
/// file saved as `.csv` or a CSV saved as `.xpt` is still read as what it is.
package enum TableFormat: Equatable {
    case csv
    /// SAS transport version 5: the first record is the library header.
    case xpt
    /// CDISC Dataset-JSON (or its NDJSON variant): the first non-blank character is `{`.
    case datasetJSON
    /// Excel workbook: a ZIP archive (local file header signature `PK\u{3}\u{4}`).
    case xlsx

    static let xptMagic = Array("HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!".utf8)
    /// The first record of a SAS version 8/9 transport file (not version 5), rejected by name.
    static let xpt8Magic = Array("HEADER RECORD*******LIBV8   HEADER RECORD!!!!!!!".utf8)
    static let zipMagic: [UInt8] = [0x50, 0x4B, 0x03, 0x04]

    /// The format of a file starting with `prefix` (at least its first 48 bytes when it has them).
    static func detect(_ prefix: some Collection<UInt8>) -> TableFormat {
        let head = Array(prefix.prefix(48))
        if head == xptMagic || head == xpt8Magic { return .xpt }
        if head.starts(with: zipMagic) { return .xlsx }
        var i = 0
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        while i < head.count, [0x20, 0x09, 0x0A, 0x0D].contains(head[i]) { i += 1 }
        if i < head.count, head[i] == UInt8(ascii: "{") { return .datasetJSON }
        return .csv
    }

    /// The format of the file at `url` by its first bytes; `.csv` when it cannot be opened (the CSV reader
    /// then reports why).
    package static func detect(contentsOf url: URL) -> TableFormat {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return .csv }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 64) else { return .csv }
        return detect(data)
    }
}

/// A table read from a non-CSV file as text cells, ready for the same column recognition and row checks as
/// CSV: numbers are written as the shortest decimal that reads back as the same `Double` (integers without a
/// fraction), missing values as empty cells.
struct CellTable {
    /// How a place in the file is named in messages.
    enum Places {
        /// SAS transport: `record 17, variable AVAL`.
        case xpt(member: String)
        /// Dataset-JSON: `row 17, column AVAL`.
        case json
        /// Excel: `qPCR!C14`; `letters[k]` is the column of header cell `k`.
        case sheet(name: String, letters: [String])
    }

    /// One record: its number (the audit's `line`) and its cells; `cells == nil` marks an empty row.
    struct Record {
        var number: Int
        var cells: [String]?
    }

    /// A column whose cells are not what they look like as text: SAS date and time formats, Dataset-JSON
    /// `date`/`datetime`/`time` columns, Excel cells styled as dates, Excel formulas without a computed
    /// value. Reading such a column as the analysis reads it would be a silent misread (a SAS datetime taken
    /// for a time since dose, an uncomputed formula taken for a missing value), so ``store`` refuses a file
    /// whose analysis reads one; a column nothing reads is harmless.
    struct Caveat: Equatable {
        /// Which reading it spoils.
        enum Reach: Equatable {
            /// Reading the column as a number (time, value, LLOQ): dates are day or second counts.
            case number
            /// Reading the column as text (subject, group, unit columns): a number column reports the cell itself.
            case text
            /// Reading the column at all: the cell's text is not its value.
            case any
        }

        /// Position of the column in ``header``.
        var column: Int
        /// The record (its number, as in ``Record/number``) of the first such cell; nil for the whole column
        /// (a variable's format, a column's `dataType`).
        var line: Int?
        var reach: Reach
        /// What the cell or column holds and what to do, e.g. "holds a date (…); …".
        var message: String
    }

    var header: [String]
    /// Number of the header record (0 when the format has no header row of its own).
    var headerNumber: Int
    var records: [Record]
    var places: Places
    /// The first caveat of each affected column.
    var caveats: [Caveat] = []

    /// `text` for a message, e.g. `record 17, variable AVAL`; nil when the error concerns the whole file.
    func place(line: Int?, column: String?) -> String? {
        switch places {
        case .xpt(let member):
            guard let line else { return column.map { "dataset \(member), variable \($0)" } }
            if line == headerNumber { return "dataset \(member) variables" }
            return "record \(line)" + (column.map { ", variable \($0)" } ?? "")
        case .json:
            guard let line else { return column.map { "column \($0)" } }
            if line == headerNumber { return "columns" }
            return "row \(line)" + (column.map { ", column \($0)" } ?? "")
        case .sheet(let name, let letters):
            guard let line else { return nil }
            if let column, let k = header.firstIndex(of: column), k < letters.count {
                return "\(name)!\(letters[k])\(line)"
            }
            return line == headerNumber ? "\(name)!\(line):\(line) (header row)" : "\(name)!\(line):\(line)"
        }
    }

    /// `error` with its location set (header errors from column recognition carry line 1; they are moved to the
    /// header record).
    func located(_ error: DataError, header isHeader: Bool = false) -> DataError {
        var error = error
        if isHeader { error.line = headerNumber }
        error.location = place(line: error.line, column: error.column)
        return error
    }

    /// Renders a double as a cell: integers (|x| < 2^53) without a fraction, everything else as Swift's shortest
    /// round-trip decimal, which `NumberParser` reads back to the same bits.
    static func cell(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 9_007_199_254_740_992 {
            if x == 0 { return x.sign == .minus ? "-0" : "0" }
            return String(Int64(x))
        }
        return "\(x)"
    }
}

extension CellTable {
    /// Reads `bytes` of a non-CSV `format` into cells.
    static func read(
        _ bytes: [UInt8], format: TableFormat, file: String, choice: TableChoice
    ) throws(DataError) -> CellTable {
        switch format {
        case .xpt: return try XPTFile.table(bytes, file: file, dataset: choice.dataset, advice: choice.datasetAdvice)
        case .datasetJSON:
            return try DatasetJSON.table(bytes, file: file, dataset: choice.dataset, advice: choice.datasetAdvice)
        case .xlsx: return try Workbook.table(bytes, file: file, choice: choice)
        case .csv: throw DataError(file: file, message: "is a CSV file; read it with the CSV reader")
        }
    }

    /// Calls `visit` with a `CSVRow` over `cells` (a blank row when nil), as the CSV scanner would deliver it.
    static func withRow(
        _ cells: [String]?, line: Int, visit: (CSVRow) throws(DataError) -> Void
    ) throws(DataError) {
        var bytes: [UInt8] = []
        var spans: [FieldSpan] = []
        for cell in cells ?? [""] {
            spans.append(FieldSpan(start: bytes.count, count: cell.utf8.count, inScratch: false))
            bytes.append(contentsOf: cell.utf8)
        }
        try bytes.withUnsafeBufferPointer { (source) throws(DataError) in
            try spans.withUnsafeBufferPointer { (fields) throws(DataError) in
                try visit(CSVRow(line: line, source: source, scratch: source, spans: fields))
            }
        }
    }

    /// The header's row and every record through the same column recognition, row checks, ledger and
    /// `--skip-invalid` handling as a CSV file (`ProfileStore.Builder`); each record's number is its line.
    func store(
        file: String, selection: ColumnSelection, invalidRows: InvalidRowPolicy
    ) throws(DataError) -> ProfileStore {
        var builder = ProfileStore.Builder(file: file, selection: selection, invalidRows: invalidRows)
        do {
            try Self.withRow(header, line: headerNumber) { (row) throws(DataError) in try builder.add(row) }
        } catch {
            throw located(error, header: true)
        }
        try checkCaveats(file: file, selection: selection)
        guard records.contains(where: { $0.cells != nil }) else {
            throw DataError(
                file: file,
                message: records.isEmpty ? "has column names but no data rows" : "has column names but only empty rows")
        }
        for record in records {
            do {
                try Self.withRow(record.cells, line: record.number) { (row) throws(DataError) in try builder.add(row) }
            } catch {
                throw located(error)
            }
        }
        var store: ProfileStore
        do {
            store = try builder.finish()
        } catch {
            throw located(relocatingFirstExclusion(error, file: file))
        }
        store.ledger.excluded = store.ledger.excluded.map { row in
            var row = row
            row.reason = located(row.reason)
            return row
        }
        return store
    }

    /// Refuses the file when the analysis reads a column with a ``Caveat``: the time, value and LLOQ columns
    /// as numbers; the subject, value-text, unit, time-unit and group columns as text; all of them at all.
    private func checkCaveats(file: String, selection: ColumnSelection) throws(DataError) {
        guard !caveats.isEmpty else { return }
        let resolved: ResolvedColumns
        do {
            resolved = try ResolvedColumns(header: header, selection: selection, file: file)
        } catch {
            throw located(error, header: true)
        }
        let numbers = [resolved.time, resolved.value] + [resolved.lloqColumn].compactMap { $0 }
        let texts =
            [resolved.subject] + resolved.groups
            + [resolved.valueText, resolved.unit, resolved.timeUnit].compactMap { $0 }
        let read = numbers + texts
        let roles: [Int: String] = [
            resolved.time: "the time column", resolved.value: "the value column",
        ].merging(resolved.lloqColumn.map { [$0: "the LLOQ column"] } ?? [:]) { first, _ in first }
        for caveat in caveats.sorted(by: { ($0.line ?? 0, $0.column) < ($1.line ?? 0, $1.column) }) {
            let reached: Bool
            switch caveat.reach {
            case .number: reached = numbers.contains(caveat.column)
            case .text: reached = texts.contains(caveat.column) && !numbers.contains(caveat.column)
            case .any: reached = read.contains(caveat.column)
            }
            guard reached else { continue }
            let name = header[caveat.column]
            let role = roles[caveat.column].map { " (\(name) is \($0))" } ?? ""
            throw located(
                DataError(file: file, line: caveat.line, column: name, message: caveat.message + role))
        }
    }

    /// "No valid data rows … first: FILE:LINE: column 'C': MESSAGE" quotes the first exclusion in CSV terms
    /// (the builder words it before the exclusions are located); this rewrites that quotation with the record's
    /// place.
    private func relocatingFirstExclusion(_ error: DataError, file: String) -> DataError {
        let marker = "; first: \(file):"
        guard error.message.hasPrefix("no valid data rows"), let range = error.message.range(of: marker) else {
            return error
        }
        let quoted = error.message[range.upperBound...]
        guard let colon = quoted.firstIndex(of: ":"), let line = Int(quoted[..<colon]) else { return error }
        var rest = quoted[quoted.index(after: colon)...].drop { $0 == " " }
        var column: String?
        if rest.hasPrefix("column '"), let end = rest.dropFirst(8).range(of: "': ") {
            column = String(rest.dropFirst(8)[..<end.lowerBound])
            rest = rest[end.upperBound...]
        }
        var error = error
        let place = place(line: line, column: column).map { "\($0): " } ?? ""
        error.message = String(error.message[..<range.lowerBound]) + "; first: \(file): " + place + rest
        return error
    }

    /// The raw subject, time and value cells of every record, for the audit.
    func auditSource(file: String, selection: ColumnSelection) throws(DataError) -> AuditSource {
        let resolved: ResolvedColumns
        do {
            resolved = try ResolvedColumns(header: header, selection: selection, file: file)
        } catch {
            throw located(error, header: true)
        }
        var source = AuditSource()
        for record in records {
            guard let cells = record.cells else { continue }
            func cell(_ k: Int) -> String { k < cells.count ? cells[k].trimmingCharacters(in: .whitespaces) : "" }
            var value = resolved.value
            if let text = resolved.valueText, cell(value).isEmpty { value = text }
            source.cells[record.number] = AuditSource.Cells(
                subject: cell(resolved.subject), time: cell(resolved.time), value: cell(value))
        }
        return source
    }
}

extension ProfileReader {
    /// Reads a SAS transport, Dataset-JSON or Excel file into the store; nil for a CSV file.
    func storeTable(contentsOf url: URL, displayName: String) throws(DataError) -> ProfileStore? {
        let format = TableFormat.detect(contentsOf: url)
        guard format != .csv else { return nil }
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            throw DataError(file: displayName, message: "cannot be read (\(error.localizedDescription))")
        }
        return try storeTable(bytes: bytes, format: format, file: displayName)
    }

    /// Reads the bytes of a non-CSV `format`.
    func storeTable(bytes: [UInt8], format: TableFormat, file: String) throws(DataError) -> ProfileStore {
        try CellTable.read(bytes, format: format, file: file, choice: selection.table)
            .store(file: file, selection: selection, invalidRows: invalidRows)
    }
}
