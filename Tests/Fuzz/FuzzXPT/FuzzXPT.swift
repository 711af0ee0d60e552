import CARKinetics
import Foundation

/// libFuzzer entry point: arbitrary bytes through the SAS transport (XPTFile and the reader) reader, strict and lenient, then NCA and the
/// audit. The first byte picks options (an LLOQ; the member/sheet `ADPC`/`Notes`; header row 3), the rest is
/// the file. Besides "no crash": the ledger adds up, a strictly accepted file reads identically under
/// --skip-invalid, every observation time is finite, and the audit has one entry per data row; and a parsed file
/// written back by `XPTFile.bytes()` reads back equal.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXPT(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let flags = input.first ?? 0
    let bytes = Array(input.dropFirst())
    fuzzTable(bytes, flags: flags)
    // Whatever the reader accepts and the writer can hold (names, ASCII, lengths) must come back identical:
    // numbers, missing codes, text, names, labels and lengths.
    if let file = try? XPTFile(bytes: bytes, file: "fuzz.xpt"), let written = try? file.bytes() {
        do {
            let again = try XPTFile(bytes: written, file: "again.xpt")
            if !sameLibrary(file, again) {
                fatalError("written and read back, the library differs:\n\(file)\n\(again)")
            }
        } catch {
            fatalError("our own transport file cannot be read back: \(error)")
        }
    }
    return 0
}

/// Equal datasets, except that trailing observations whose bytes are all blanks may be missing from `again`:
/// in version 5 such an observation in the last record cannot be told from the blank padding (TS-140), so the
/// reader drops it. A blank numeric is the IBM number 0x2020…: 0x2020… · 2^−56 · 16^−32.
private func sameLibrary(_ file: XPTFile, _ again: XPTFile) -> Bool {
    guard file.datasets.count == again.datasets.count else { return false }
    for (a, b) in zip(file.datasets, again.datasets) {
        guard a.name == b.name, a.label == b.label, a.variables == b.variables, b.rows.count <= a.rows.count,
            Array(a.rows.prefix(b.rows.count)) == b.rows
        else { return false }
        for row in a.rows.dropFirst(b.rows.count) {
            for (variable, value) in zip(a.variables, row) {
                switch value {
                case .text(let text): if !text.isEmpty { return false }
                case .number(let x):
                    var fraction: UInt64 = 0
                    for _ in 1..<variable.length { fraction = fraction << 8 | 0x20 }
                    fraction <<= UInt64(8 * (8 - variable.length))
                    if x != Double(fraction) * 0x1p-184 { return false }
                case .missing: return false
                }
            }
        }
    }
    return true
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
