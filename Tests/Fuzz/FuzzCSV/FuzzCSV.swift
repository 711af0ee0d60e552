import CARKinetics

/// libFuzzer entry point: arbitrary bytes through the CSV reader, then NCA on whatever was read, strict and
/// lenient. The only acceptable outcomes are a result or a `DataError`; a trap, an out-of-bounds access or a
/// non-terminating loop is a bug. Beyond "does not crash" it checks the invariants every caller relies on:
/// the row ledger adds up, every observation is finite, NCA values are never NaN, a file read strictly is
/// read identically in lenient mode, and the audit has one entry per data line.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: start, count: count)
    // The first byte picks the options (so the fuzzer explores all of them); the rest is the file.
    let flags = input.first ?? 0
    let bytes = Array(input.dropFirst())
    var selection = ColumnSelection()
    if flags & 1 != 0 { selection.lloq = .constant(1) }
    var options = NCAOptions()
    if flags & 2 != 0 { options.aucMethod = .linear }
    var strictLedger: RowLedger?
    for policy in [InvalidRowPolicy.stop, .skip] {
        let reader = ProfileReader(selection: selection, invalidRows: policy)
        guard let set = try? reader.read(bytes: bytes, file: "fuzz.csv") else { continue }
        let ledger = set.ledger
        // A file the strict reader accepts has nothing to skip: the lenient reader must read it identically.
        if policy == .stop { strictLedger = ledger } else if let strictLedger, strictLedger != ledger {
            fatalError("lenient ledger \(ledger) differs from strict \(strictLedger)")
        }
        let accounted = ledger.blankLines.count + ledger.quantifiable + ledger.belowLimit + ledger.missing + ledger.excluded.count
        if accounted != ledger.dataLines { fatalError("ledger does not add up: \(ledger)") }
        for profile in set.profiles {
            for observation in profile.observations where !observation.time.isFinite {
                fatalError("non-finite time on line \(observation.line)")
            }
        }
        guard let output = try? NCAAnalysis(selection: selection, options: options).run([set]) else { continue }
        for result in output.results {
            for value in [result.cmax, result.auclast, result.aucinfObserved] {
                if case .value(let x) = value, x.isNaN { fatalError("NaN NCA value for \(result.subject)") }
            }
        }
        // Bytes the reader accepted must be auditable, with one entry per data line.
        let audit: AuditTrail
        do {
            audit = try NCAAnalysis(selection: selection, options: options).audit(output, sources: [bytes])
        } catch {
            fatalError("audit failed on bytes the reader accepted: \(error)")
        }
        if audit.entries.count != ledger.dataLines {
            fatalError("audit has \(audit.entries.count) entries for \(ledger.dataLines) data rows")
        }
    }
    return 0
}
