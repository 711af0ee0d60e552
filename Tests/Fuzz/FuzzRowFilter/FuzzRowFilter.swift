import CARKinetics

/// A small ADNCA-like table the conditions are applied to: dose, copy and flagged rows, two analytes, a blank
/// line and an invalid value (so the strict read may fail, the lenient one never).
private let table = Array(
    """
    USUBJID,PARAMCD,AFRLT,AVAL,AVALC,AVALU,DTYPE,ANL01FL,ANL02FL,ARM
    S1,DOSE,0,54,54,mg,,Y,Y,A
    S1,XAN,0,0,BLQ,ug/mL,,Y,Y,A
    S1,XAN,1,1.5,1.5,ug/mL,,Y,Y,A
    S1,XAN,2,1.0,1.0,ug/mL,COPY,Y,,A
    S1,XAN,2,1.0,1.0,ug/mL,,Y,Y,A

    S2,XAN,0,0,BLQ,ug/mL,,Y,Y,B
    S2,XAN,1,oops,oops,ug/mL,,Y,Y,B
    S2,XAN,2,2.5,2.5,ug/mL,,,Y,B
    S2,XANM,2,25,25,ng/mL,,Y,,B

    """.utf8)

/// libFuzzer entry point for the row-condition grammar (`pkfit --where`). The input is one condition per line
/// (at most 8). A thrown ``RowFilterError`` is fine; a trap is a bug, and so is an accepted condition that breaks
/// the grammar's promises (an empty or untrimmed column, a printed form that reads back differently) or an
/// uncapped message. Accepted conditions are applied to a fixed table, strictly and leniently: every data line
/// must be accounted for exactly once in the ledger and the audit.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRowFilter(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    var filters: [RowFilter] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(8) {
        do {
            let filter = try RowFilter(parsing: String(line))
            if filter.column.isEmpty || filter.column.first == " " || filter.column.last == " " {
                fatalError("bad column accepted: \(line.debugDescription)")
            }
            guard let again = try? RowFilter(parsing: filter.text), again == filter else {
                fatalError("\(filter.text.debugDescription) does not read back as \(line.debugDescription)")
            }
            filters.append(filter)
        } catch {
            if error.description.unicodeScalars.count > 60 * 10 + 200 {
                fatalError("uncapped message for \(line.debugDescription)")
            }
        }
    }
    for policy in [InvalidRowPolicy.stop, .skip] {
        var selection = ColumnSelection(profileBy: ["PARAMCD"])
        selection.rowFilters = filters
        guard let set = try? ProfileReader(selection: selection, invalidRows: policy).read(bytes: table, file: "t.csv")
        else { continue }
        let ledger = set.ledger
        let accounted =
            ledger.blankLines.count + ledger.setAside.count + ledger.excluded.count + ledger.quantifiable
            + ledger.belowLimit + ledger.missing
        if ledger.dataLines != 10 || accounted != 10 {
            fatalError("ledger does not add up (\(accounted) of \(ledger.dataLines)) for \(filters.map(\.text))")
        }
        let observations = set.profiles.reduce(0) { $0 + $1.observations.count }
        if observations != ledger.quantifiable + ledger.belowLimit + ledger.missing {
            fatalError("observations \(observations) vs ledger for \(filters.map(\.text))")
        }
        if ledger.setAside.contains(where: { $0.reason < 0 || $0.reason >= ledger.setAsideReasons.count }) {
            fatalError("a set-aside row without its reason for \(filters.map(\.text))")
        }
    }
    return 0
}
