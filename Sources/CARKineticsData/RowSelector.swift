import CARKineticsNumerics

/// Why a row was set aside before being read: its audit fate and the condition it failed, worded for a person
/// (`COHORT is not A`, `PARAMCD is DOSE (a dose record)`).
public struct SetAsideReason: Sendable, Equatable {
    public var fate: AuditFate
    public var detail: String
}

/// A row set aside before being read (``AuditFate/notSelected``, ``AuditFate/doseRecord``,
/// ``AuditFate/derived``): its line and the index of its reason in ``RowLedger/setAsideReasons``.
public struct SetAsideRow: Sendable, Equatable {
    public var line: Int
    public var reason: Int
}

/// The compiled row selection of one file: the row filters and the ADNCA record rules as tests on trimmed
/// cell bytes, in the order their reasons are reported (dose records, derived records, row filters, analysis
/// flags). Built once per header; `reason(_:)` is pure, so rows can be tested on several threads.
struct RowSelector: Sendable {
    /// A test of one column: a cell equal to `values[k]` gets `reasons[k]`, any other cell `otherwise`
    /// (0 = the row passes).
    struct Test: Sendable {
        var column: Int
        var values: [[UInt8]]
        var reasons: [Int32]
        var otherwise: Int32
        var ignoresCase = false
        /// Per value: the number it reads as (the cell grammar), or nil. A cell that reads as the same number
        /// matches too, so `DOSE=100` selects `100`, `100.0` and `1e2` alike, whichever format wrote the cell.
        var numbers: [Double?] = []

        func matches(_ cell: UnsafeBufferPointer<UInt8>, _ k: Int) -> Bool {
            if RowSelector.equal(cell, values[k], ignoringCase: ignoresCase) { return true }
            guard k < numbers.count, let number = numbers[k], let first = cell.first,
                first &- 0x30 < 10 || first == UInt8(ascii: "-") || first == UInt8(ascii: "+")
                    || first == UInt8(ascii: ".")
            else { return false }
            if RowSelector.hasLeadingZero(cell) { return false }
            if case .number(let x) = NumberParser.parse(cell) { return x == number }
            return false
        }
    }

    var tests: [Test] = []
    /// Analysis flag columns (`ANLzzFL`) of the default flag rule: a row none of them marks `Y` gets
    /// `flagReason`; a selected row on which they disagree is marked with ``disagreeing``.
    var flagColumns: [Int] = []
    var flagReason: Int32 = 0
    /// The reasons, indexed by reason − 1.
    var reasons: [SetAsideReason] = []
    /// The flag column names, for the ledger's warning about rows on which they disagree.
    var flagNames: [String] = []
    var fields: Int

    /// Added to a selected row's result when its analysis flags disagree (the row is kept).
    static let disagreeing: Int32 = 1 << 30

    var isEmpty: Bool { tests.isEmpty && flagColumns.isEmpty }

    /// 0 when the row is selected (plus ``disagreeing`` when its flags disagree), else its reason number
    /// (1-based into `reasons`). A row without the header's field count is selected, so that the row check
    /// reports it as ragged.
    func reason(_ row: CSVRow) -> Int32 {
        guard row.count == fields else { return 0 }
        for test in tests {
            let cell = row.trimmedBytes(test.column)
            var outcome = test.otherwise
            for k in test.values.indices where test.matches(cell, k) {
                outcome = test.reasons[k]
                break
            }
            if outcome != 0 { return outcome }
        }
        guard !flagColumns.isEmpty else { return 0 }
        var marked = 0
        for column in flagColumns where Self.isYes(row.trimmedBytes(column)) { marked += 1 }
        if marked == 0 { return flagReason }
        return marked == flagColumns.count ? 0 : Self.disagreeing
    }

    static func isYes(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        cell.count == 1 && (cell[0] == UInt8(ascii: "Y") || cell[0] == UInt8(ascii: "y"))
    }

    static func equal(_ cell: UnsafeBufferPointer<UInt8>, _ value: [UInt8], ignoringCase: Bool) -> Bool {
        guard cell.count == value.count else { return false }
        // Values of case-blind tests are stored in lower case.
        if ignoringCase { return MeasurementParser.equalsIgnoringCase(cell, value) }
        return cell.elementsEqual(value)
    }

    /// Dose units: a row whose unit cell is one of these (any case) is a dose record, not a concentration.
    static let doseUnits = [
        "mg", "g", "ug", "µg", "μg", "mcg", "ng", "mg/kg", "ug/kg", "µg/kg", "μg/kg", "mcg/kg", "mg/m2", "mg/m^2",
        "mg/m**2",
    ]

    /// The selector of a header: `filters` (an unknown column is an error listing the header) and, with
    /// `adncaRules`, the record rules on the columns the header has.
    init(
        header: [String], filters: [RowFilter], adncaRules: Bool, unit: Int?, file: String,
        listing: String, named: (String) throws(DataError) -> Int
    ) throws(DataError) {
        fields = header.count
        var reasons: [SetAsideReason] = []
        func reason(_ fate: AuditFate, _ detail: String) -> Int32 {
            if let known = reasons.firstIndex(where: { $0.fate == fate && $0.detail == detail }) {
                return Int32(known + 1)
            }
            reasons.append(SetAsideReason(fate: fate, detail: detail))
            return Int32(reasons.count)
        }
        let lowered = header.map { $0.lowercased() }
        func column(_ name: String) -> Int? {
            let found = lowered.indices.filter { lowered[$0] == name }
            return found.count == 1 ? found[0] : nil
        }
        // The filters' columns, each resolved once.
        var filterColumns: [Int] = []
        for filter in filters {
            do throws(DataError) {
                filterColumns.append(try named(filter.column))
            } catch {
                throw DataError(
                    file: file, line: 1,
                    message:
                        "no column named '\(MessageText.capped(filter.column))' for the row condition '\(MessageText.capped(filter.text))'; \(listing)"
                )
            }
        }
        let filtered = Set(filterColumns)
        if adncaRules {
            if let paramcd = column("paramcd") {
                tests.append(
                    Test(
                        column: paramcd, values: [Array("dose".utf8)],
                        reasons: [reason(.doseRecord, "\(header[paramcd]) is DOSE (a dose record)")], otherwise: 0,
                        ignoresCase: true))
            }
            if let evid = column("evid"), !filtered.contains(evid) {
                tests.append(
                    Test(
                        column: evid, values: [Array("0".utf8), []], reasons: [0, 0],
                        otherwise: reason(.doseRecord, "\(header[evid]) is not 0 (a dose or other event record)"),
                        numbers: [0, nil]))
            }
            if let unit {
                let doseUnit = reason(.doseRecord, "\(header[unit]) is a dose unit (a dose record)")
                tests.append(
                    Test(
                        column: unit, values: Self.doseUnits.map { Array($0.utf8) },
                        reasons: Array(repeating: doseUnit, count: Self.doseUnits.count), otherwise: 0,
                        ignoresCase: true))
            }
            if let dtype = column("dtype"), !filtered.contains(dtype) {
                let name = header[dtype]
                tests.append(
                    Test(
                        column: dtype, values: [[], Array("COPY".utf8)],
                        reasons: [0, reason(.derived, "\(name) is COPY (a derived copy of another record)")],
                        otherwise: reason(.derived, "\(name) is set (a derived record, not a sample as measured)")))
            }
        }
        // `=` conditions on one column are one test (any value selects); each `!=` condition is its own.
        var done = Set<Int>()
        for (k, filter) in filters.enumerated() {
            let index = filterColumns[k]
            if filter.excludes {
                tests.append(
                    Test(
                        column: index, values: [Array(filter.value.utf8)],
                        reasons: [reason(.notSelected, "\(filter.column) is '\(filter.value)'")], otherwise: 0,
                        numbers: [Self.number(filter.value)]))
            } else if done.insert(index).inserted {
                let values = filters.indices.filter { filterColumns[$0] == index && !filters[$0].excludes }
                    .map { filters[$0].value }
                let wanted = values.map { "'\($0)'" }.joined(separator: " or ")
                tests.append(
                    Test(
                        column: index, values: values.map { Array($0.utf8) },
                        reasons: Array(repeating: 0, count: values.count),
                        otherwise: reason(.notSelected, "\(filter.column) is not \(wanted)"),
                        numbers: values.map(Self.number)))
            }
        }
        if adncaRules {
            let flags = header.indices.filter { Self.isAnalysisFlag(header[$0]) }
            if !flags.isEmpty, flags.allSatisfy({ !filtered.contains($0) }) {
                flagColumns = flags
                flagNames = flags.map { header[$0] }
                flagReason = reason(
                    .notSelected,
                    flags.count == 1
                        ? "\(header[flags[0]]) is not Y (the analysis flag)"
                        : "no analysis flag is Y (\(flags.map { header[$0] }.joined(separator: ", ")))")
            }
        }
        self.reasons = reasons
    }

    /// The number a filter value reads as in the cell grammar, or nil for text (also for digits with a
    /// leading zero, `007`: an identifier, not the number 7).
    static func number(_ text: String) -> Double? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer in
            let cell = UnsafeBufferPointer(buffer)
            if hasLeadingZero(cell) { return nil }
            if case .number(let x) = NumberParser.parse(cell) { return x }
            return nil
        }
    }

    /// `0` followed by a digit (after an optional sign): how identifiers (`007`) are written, never numbers.
    static func hasLeadingZero(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        if i < cell.count, cell[i] == UInt8(ascii: "-") || cell[i] == UInt8(ascii: "+") { i += 1 }
        return i + 1 < cell.count && cell[i] == UInt8(ascii: "0") && cell[i + 1] &- 0x30 < 10
    }

    /// `ANLzzFL`, any case: an ADaM analysis flag.
    static func isAnalysisFlag(_ name: String) -> Bool {
        let bytes = Array(name.uppercased().utf8)
        return bytes.count == 7 && bytes.starts(with: Array("ANL".utf8)) && bytes[3] &- 0x30 < 10
            && bytes[4] &- 0x30 < 10 && bytes[5] == UInt8(ascii: "F") && bytes[6] == UInt8(ascii: "L")
    }
}

extension RowLedger {
    /// The rows set aside, counted per reason, in the order of the reasons (reasons with no row left out).
    public var setAsideCounts: [(reason: SetAsideReason, count: Int)] {
        var counts = [Int](repeating: 0, count: setAsideReasons.count)
        for row in setAside where row.reason >= 0 && row.reason < counts.count { counts[row.reason] += 1 }
        return setAsideReasons.indices.compactMap { r in counts[r] == 0 ? nil : (setAsideReasons[r], counts[r]) }
    }
}
