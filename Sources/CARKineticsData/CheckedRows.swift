import CARKineticsNumerics

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ProfileStore {
    /// Data rows of one part of a chunk, checked on a worker thread and already in the store's column layout,
    /// so the builder appends the columns in block copies and per row only settles the profile and the unit.
    struct CheckedRows {
        static let sameSubject: Int32 = -2
        static let unknownSubject: Int32 = -1

        var times: [Double] = []
        var levels: [Double] = []
        var kinds: [UInt8] = []
        /// Per row: the subject's profile number when the subject was known before the chunk, or
        /// ``sameSubject`` (the previous row's subject bytes), or ``unknownSubject``.
        var known: [Int32] = []
        var subjects: [UnsafeBufferPointer<UInt8>] = []
        /// Empty when there is no unit column or the cell is empty.
        var units: [UnsafeBufferPointer<UInt8>] = []
        /// Whether the row has the previous row's subject and unit bytes.
        var repeatsUnit: [Bool] = []
        /// The ledger counts of these rows, as `RowLedger.record` makes them.
        var tally = RowLedger(file: "")

        mutating func add(_ cells: RowParser.Cells, known subject: Int32) {
            let (kind, level) = ProfileStore.stored(cells.measurement)
            var repeats = false
            if subject == Self.sameSubject, let previous = units.last, previous.count == cells.unit.count {
                if let a = previous.baseAddress, let b = cells.unit.baseAddress {
                    repeats = memcmp(a, b, cells.unit.count) == 0
                } else {
                    repeats = true
                }
            }
            times.append(cells.time)
            levels.append(level)
            kinds.append(kind)
            known.append(subject)
            subjects.append(cells.subject)
            units.append(cells.unit)
            repeatsUnit.append(repeats)
            tally.record(cells.measurement, time: cells.time)
        }
    }
}
