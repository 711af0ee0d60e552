import CARKineticsNumerics

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks and converts the cells of one data row. Holds no mutable state, so the rows of one chunk can be
/// checked on several threads and then added in file order.
struct RowParser: Sendable {
    /// Column positions as plain integers (−1 = absent), so the per-row path copies no arrays or strings.
    struct Layout: Sendable {
        var fields: Int
        var subject: Int
        var time: Int
        var value: Int
        var valueText: Int
        var lloqColumn: Int
        var lloqConstant: Double?
        var unit: Int
        var hasGroups: Bool
        /// The row filters and record rules; nil when there are none.
        var selector: RowSelector?
        /// `selector != nil`, tested first so that the usual row (no selection) copies no arrays.
        var selects: Bool
    }

    /// A data row's checked cells; the byte ranges point into the scanned input.
    struct Cells {
        var time: Double
        var measurement: Measurement
        var subject: UnsafeBufferPointer<UInt8>
        /// Empty when there is no unit column or the cell is empty.
        var unit: UnsafeBufferPointer<UInt8>
    }

    let file: String
    let header: [String]
    let layout: Layout

    init(file: String, columns: ResolvedColumns) {
        self.file = file
        header = columns.header
        layout = Layout(
            fields: columns.header.count, subject: columns.subject, time: columns.time, value: columns.value,
            valueText: columns.valueText ?? -1, lloqColumn: columns.lloqColumn ?? -1,
            lloqConstant: columns.lloqConstant, unit: columns.unit ?? -1, hasGroups: !columns.groups.isEmpty,
            selector: columns.selector, selects: columns.selector != nil)
    }

    /// 0 for a row to read (plus ``RowSelector/disagreeing`` when its analysis flags disagree), else the
    /// 1-based number of the reason it is set aside for. Tested before the cells: a row set aside is not an
    /// observation, so its time and value cells raise no error.
    @inline(__always)
    func selection(_ row: CSVRow) -> Int32 {
        guard layout.selects, let selector = layout.selector else { return 0 }
        return selector.reason(row)
    }

    /// The cells of a non-blank data row, or the error naming its line, column and what was expected.
    func cells(_ row: CSVRow) throws(DataError) -> Cells {
        guard row.count == layout.fields else {
            throw DataError(
                file: file, line: row.line,
                message: "has \(row.count) fields; expected \(layout.fields) as in the header")
        }
        let subject = row.trimmedBytes(layout.subject)
        if subject.isEmpty { throw fail(row, layout.subject, "is empty; expected a subject identifier") }
        let timeBytes = row.trimmedBytes(layout.time)
        let time: Double
        switch NumberParser.parse(timeBytes) {
        case .number(let t): time = t
        case .nonFinite: throw fail(row, layout.time, "\(MeasurementParser.quoted(timeBytes)) is not a finite number")
        case .underflow: throw fail(row, layout.time, NumberParser.underflowMessage(timeBytes))
        case .invalid:
            throw fail(
                row, layout.time,
                timeBytes.isEmpty
                    ? "is empty; expected a time in days since infusion"
                    : "\(MeasurementParser.quoted(timeBytes)) is not a number; expected a time in days since infusion")
        }
        var lloq = layout.lloqConstant
        if layout.lloqColumn >= 0 {
            let cell = row.trimmedBytes(layout.lloqColumn)
            if !cell.isEmpty {
                guard case .number(let limit) = NumberParser.parse(cell), limit >= 0 else {
                    throw fail(
                        row, layout.lloqColumn,
                        "\(MeasurementParser.quoted(cell)) is not a non-negative number; expected an LLOQ")
                }
                lloq = limit
            }
        }
        var valueColumn = layout.value
        // The text companion (AVALC) is read when the value cell is empty, and wins when it says below the
        // limit: AVAL 7 with AVALC "BLQ" is BLQ (a laboratory's flag is not overruled by a number beside it).
        if layout.valueText >= 0,
            row.trimmedBytes(valueColumn).isEmpty
                || MeasurementParser.isBelowLimitMarker(row.trimmedBytes(layout.valueText))
        {
            valueColumn = layout.valueText
        }
        let measurement: Measurement
        switch MeasurementParser.parse(row.bytes(valueColumn), lloq: lloq) {
        case .measurement(let m): measurement = m
        case .invalid(let message): throw fail(row, valueColumn, message)
        }
        let unit = layout.unit >= 0 ? row.trimmedBytes(layout.unit) : UnsafeBufferPointer(start: nil, count: 0)
        return Cells(time: time, measurement: measurement, subject: subject, unit: unit)
    }

    /// The subject cell of an invalid row, when the row has the header's field count and the cell is not
    /// empty (a ragged row's fields cannot be trusted to be in their columns).
    func subjectOfInvalid(_ row: CSVRow) -> UnsafeBufferPointer<UInt8>? {
        guard row.count == layout.fields else { return nil }
        let subject = row.trimmedBytes(layout.subject)
        return subject.isEmpty ? nil : subject
    }

    private func fail(_ row: CSVRow, _ column: Int, _ message: String) -> DataError {
        DataError(file: file, line: row.line, column: header[column], message: message)
    }
}
