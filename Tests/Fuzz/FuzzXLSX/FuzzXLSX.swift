import CARKinetics
import Foundation

/// libFuzzer entry point: arbitrary bytes through the Excel workbook reader, strict and lenient, then NCA and the
/// audit. The first byte picks options (an LLOQ; the member/sheet `ADPC`/`Notes`; header row 3), the rest is
/// the file. Besides "no crash": the ledger adds up, a strictly accepted file reads identically under
/// --skip-invalid, every observation time is finite, and the audit has one entry per data row.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXLSX(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let flags = input.first ?? 0
    let bytes = Array(input.dropFirst())
    fuzzTable(bytes, flags: flags)
    return 0
}

/// The checks shared by the table-format fuzz targets (each target has its own copy: executables share no code).
func fuzzTable(_ bytes: [UInt8], flags: UInt8) {
    var selection = ColumnSelection()
    if flags & 1 != 0 { selection.lloq = .constant(1) }
    if flags & 2 != 0 { selection.table = TableChoice(dataset: "ADPC", sheet: "Notes") }
    if flags & 4 != 0 { selection.table.headerRow = 3 }
    var strictLedger: RowLedger?
    for policy in [InvalidRowPolicy.stop, .skip] {
        let reader = ProfileReader(selection: selection, invalidRows: policy)
        guard let set = try? reader.read(bytes: bytes, file: "fuzz") else { continue }
        let ledger = set.ledger
        if policy == .stop {
            strictLedger = ledger
        } else if let strictLedger, strictLedger != ledger {
            fatalError("lenient ledger \(ledger) differs from strict \(strictLedger)")
        }
        let accounted =
            ledger.blankLines.count + ledger.quantifiable + ledger.belowLimit + ledger.missing + ledger.excluded.count
            + ledger.setAside.count
        if accounted != ledger.dataLines { fatalError("ledger does not add up: \(ledger)") }
        for profile in set.profiles {
            for observation in profile.observations where !observation.time.isFinite {
                fatalError("non-finite time on record \(observation.line)")
            }
        }
        guard let output = try? NCAAnalysis(selection: selection).run([set]) else { continue }
        let audit: AuditTrail
        do {
            audit = try NCAAnalysis(selection: selection).audit(output, sources: [bytes])
        } catch {
            fatalError("audit failed on bytes the reader accepted: \(error)")
        }
        if audit.entries.count != ledger.dataLines {
            fatalError("audit has \(audit.entries.count) entries for \(ledger.dataLines) data rows")
        }
    }
}
