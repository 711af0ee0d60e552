import Foundation

/// The raw subject, time and value text of every data line of one input file, for the audit.
///
/// Read by a second pass over the file with the same column selection as the analysis, so the audit shows
/// each cell exactly as written (also for rows that were excluded as invalid) without the analysis having to
/// keep any text. Lines of a ragged row that lack a column show it empty.
struct AuditSource {
    struct Cells {
        var subject: String
        var time: String
        var value: String
    }

    /// Cells by line of the record's start.
    var cells: [Int: Cells] = [:]

    /// No cells yet (filled by the readers of other formats, `CellTable.auditSource`).
    init() {}

    init(buffer: UnsafeBufferPointer<UInt8>, file: String, selection: ColumnSelection) throws(DataError) {
        var columns: ResolvedColumns?
        var cells: [Int: Cells] = [:]
        try CSVScanner.scan(buffer, file: file) { (row) throws(DataError) in
            guard let resolved = columns else {
                if row.isBlank { return }
                columns = try ResolvedColumns(header: (0..<row.count).map { row.string($0) }, selection: selection, file: file)
                return
            }
            if row.isBlank { return }
            func cell(_ index: Int) -> String { index < row.count ? row.string(index) : "" }
            var value = resolved.value
            if let text = resolved.valueText, value < row.count, text < row.count,
               row.trimmedBytes(value).isEmpty || MeasurementParser.isBelowLimitMarker(row.trimmedBytes(text)) {
                value = text
            }
            cells[row.line] = Cells(subject: cell(resolved.subject), time: cell(resolved.time), value: cell(value))
        }
        self.cells = cells
    }

    init(bytes: [UInt8], file: String, selection: ColumnSelection) throws(DataError) {
        let format = TableFormat.detect(bytes)
        if format != .csv {
            self = try CellTable.read(bytes, format: format, file: file, choice: selection.table)
                .auditSource(file: file, selection: selection)
            return
        }
        self = try bytes.withUnsafeBufferPointer { (buffer) throws(DataError) -> AuditSource in
            try AuditSource(buffer: buffer, file: file, selection: selection)
        }
    }

    init(contentsOf url: URL, file: String, selection: ColumnSelection) throws(DataError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DataError(file: file, message: "cannot be read again for the audit (\(error.localizedDescription))")
        }
        self = try AuditSource(bytes: [UInt8](data), file: file, selection: selection)
    }
}
