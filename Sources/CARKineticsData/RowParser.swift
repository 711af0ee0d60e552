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
        /// The column stating the time unit, −1 when there is none.
        var timeUnit: Int
        /// The row filters and record rules; nil when there are none.
        var selector: RowSelector?
        /// `selector != nil`, tested first so that the usual row (no selection) copies no arrays.
        var selects: Bool
    }

    /// The time unit the rows must state, once known (given by the caller, or read from the first row that
    /// states one), with its first spelling (rows spelling it the same way are accepted by a byte comparison)
    /// and where it came from, for the message about a row that disagrees.
    struct ExpectedTimeUnit: Sendable {
        var unit: TimeUnit
        var spelling: [UInt8]
        /// `'h' on line 2`, or `the time unit given (--time-unit day)`.
        var origin: String
    }

    /// A data row's checked cells; the byte ranges point into the scanned input.
    struct Cells {
        var time: Double
        var measurement: MeasuredValue
        var subject: UnsafeBufferPointer<UInt8>
        /// Empty when there is no unit column or the cell is empty.
        var unit: UnsafeBufferPointer<UInt8>
    }

    let file: String
    let header: [String]
    let layout: Layout
    /// Nil while no row has stated a time unit (and none was given): the builder then checks rows one by one
    /// and settles it (``ProfileStore/Builder``).
    let expectedTimeUnit: ExpectedTimeUnit?

    init(file: String, columns: ResolvedColumns, expectedTimeUnit: ExpectedTimeUnit? = nil) {
        self.file = file
        header = columns.header
        layout = Layout(
            fields: columns.header.count, subject: columns.subject, time: columns.time, value: columns.value,
            valueText: columns.valueText ?? -1, lloqColumn: columns.lloqColumn ?? -1,
            lloqConstant: columns.lloqConstant, unit: columns.unit ?? -1, hasGroups: !columns.groups.isEmpty,
            timeUnit: columns.timeUnit ?? -1, selector: columns.selector, selects: columns.selector != nil)
        self.expectedTimeUnit = expectedTimeUnit
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
                    ? "is empty; expected a time since infusion"
                    : "\(MeasurementParser.quoted(timeBytes)) is not a number; expected a time since infusion")
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
        let measurement: MeasuredValue
        switch MeasurementParser.parse(row.bytes(valueColumn), lloq: lloq) {
        case .measurement(let m): measurement = m
        case .invalid(let message): throw fail(row, valueColumn, message)
        }
        let unit = layout.unit >= 0 ? row.trimmedBytes(layout.unit) : UnsafeBufferPointer(start: nil, count: 0)
        return Cells(time: time, measurement: measurement, subject: subject, unit: unit)
    }

    /// The unit a non-empty time-unit cell names, or the error naming its line and column when it names none.
    func timeUnit(_ cell: UnsafeBufferPointer<UInt8>, row: CSVRow) throws(DataError) -> TimeUnit {
        guard let unit = TimeUnit(bytes: cell) else {
            throw fail(
                row, layout.timeUnit,
                "\(MeasurementParser.quoted(cell)) is not a time unit; expected \(TimeUnit.acceptedSpellings)")
        }
        return unit
    }

    /// Checks the row's time-unit cell against the file's unit, before ``cells(_:)``: a cell spelled like the
    /// unit's first spelling passes by a byte comparison, another spelling of the same unit (`h`, `HOURS`) is
    /// accepted, and a different or unknown unit is an error naming both units — one file has one time unit,
    /// and a unit the caller gave is never silently overridden by the file or the file by it. The callers throw
    /// this error even when invalid rows are skipped: which rows are wrong cannot be known.
    @inline(__always)
    func checkTimeUnit(_ row: CSVRow) throws(DataError) {
        guard layout.timeUnit >= 0, let expected = expectedTimeUnit, row.count == layout.fields else { return }
        let cell = row.trimmedBytes(layout.timeUnit)
        guard !cell.isEmpty, !cell.elementsEqual(expected.spelling) else { return }
        let unit = try timeUnit(cell, row: row)
        guard unit != expected.unit else { return }
        throw fail(
            row, layout.timeUnit,
            "time unit \(MeasurementParser.quoted(cell)) (\(unit.plural)) differs from \(expected.origin); the rows of one file must share one time unit"
        )
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
