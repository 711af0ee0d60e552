import CARKinetics
import Foundation

/// libFuzzer entry point: arbitrary bytes through the CSV reader, then NCA on whatever was read, strict and
/// lenient. The only acceptable outcomes are a result or a `DataError`; a trap, an out-of-bounds access or a
/// non-terminating loop is a bug. Beyond "does not crash" it checks the invariants every caller relies on:
/// the row ledger adds up, every observation is finite, NCA values are never NaN, a file read strictly is
/// read identically in lenient mode, the audit has one entry per data line, and the same bytes read from a file
/// (the chunked reader, whose rows are checked on several threads once a chunk holds 4 KB of quote-free
/// rows) give the same profiles, ledger or error as the in-memory serial reader. Persistence (Kaplan–Meier,
/// log-rank) and the response-coding recogniser run on what was read too (`checkPersistenceAndCoding`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: start, count: count)
    // The first byte picks the options (so the fuzzer explores all of them); the rest is the file.
    let flags = input.first ?? 0
    let bytes = Array(input.dropFirst())
    var selection = ColumnSelection()
    if flags & 1 != 0 { selection.lloq = .constant(1) }
    // Times converted when read (and the unit column of FRLTU/time_unit checked on both read paths).
    if flags & 8 != 0 { selection.outputTimeUnit = .hours }
    var options = NCAOptions()
    if flags & 2 != 0 { options.aucMethod = .linear }
    var strictLedger: RowLedger?
    let file = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("fuzzcsv-\(getpid()).csv")
    guard (try? Data(bytes).write(to: file)) != nil else { fatalError("cannot write \(file.path)") }
    defer { try? FileManager.default.removeItem(at: file) }
    for policy in [InvalidRowPolicy.stop, .skip] {
        let reader = ProfileReader(selection: selection, invalidRows: policy)
        let fromMemory = Result { () throws(DataError) in try reader.read(bytes: bytes, file: "fuzz.csv") }
        let fromFile = Result { () throws(DataError) in try reader.read(contentsOf: file, displayName: "fuzz.csv") }
        switch (fromMemory, fromFile) {
        case (.success(let a), .success(let b)):
            if a.ledger != b.ledger { fatalError("file ledger \(b.ledger) differs from in-memory \(a.ledger)") }
            if a.profiles.map(\.subject) != b.profiles.map(\.subject) || !sameObservations(a.profiles, b.profiles) {
                fatalError("file profiles differ from in-memory profiles")
            }
        case (.failure(let a), .failure(let b)):
            if a != b { fatalError("file error '\(b)' differs from in-memory error '\(a)'") }
        case (.success, .failure(let error)):
            fatalError("only the file reader failed: \(error)")
        case (.failure(let error), .success):
            fatalError("only the in-memory reader failed: \(error)")
        }
        guard case .success(let set) = fromMemory else { continue }
        let ledger = set.ledger
        // A file the strict reader accepts has nothing to skip: the lenient reader must read it identically.
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
                fatalError("non-finite time on line \(observation.line)")
            }
        }
        checkPersistenceAndCoding(set, selection: selection, convention: flags & 4 != 0 ? .lifelines : .r)
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
        checkStreamedAudit(file: file, selection: selection, options: options, policy: policy)
    }
    return 0
}

/// `pkfit nca --audit`'s streamed audit (fates recorded during the streamed NCA, the file re-read line by
/// line) must have the bytes of the audit built from the whole table, for a file both paths accept.
private func checkStreamedAudit(file: URL, selection: ColumnSelection, options: NCAOptions, policy: InvalidRowPolicy) {
    var analysis = NCAAnalysis(selection: selection, options: options)
    analysis.invalidRows = policy
    guard let output = try? analysis.run(files: [file]), let trail = try? analysis.audit(output, files: [file]) else {
        return
    }
    var streamed: [UInt8] = []
    do {
        let fates = try analysis.writeCSV(files: [file], recordingFates: true) { _ in }
        try analysis.writeAudit(fates, files: [file]) { streamed.append(contentsOf: $0) }
    } catch {
        fatalError("streamed audit failed where the table audit did not: \(error)")
    }
    if streamed != Array(trail.table.rendered(as: .csv).utf8) {
        fatalError("streamed audit differs from the table audit")
    }
}

/// Units, groups and observations equal field by field, levels compared by bit pattern so that equal NaNs count as equal.
private func sameObservations(_ a: [Profile], _ b: [Profile]) -> Bool {
    guard a.count == b.count else { return false }
    for (p, q) in zip(a, b) {
        guard p.unit == q.unit, p.groups == q.groups, p.observations.count == q.observations.count else { return false }
        for (x, y) in zip(p.observations, q.observations) {
            guard x.line == y.line, x.time.bitPattern == y.time.bitPattern else { return false }
            switch (x.measurement, y.measurement) {
            case (.value(let u), .value(let v)): if u.bitPattern != v.bitPattern { return false }
            case (.belowLimit(let u), .belowLimit(let v)): if u?.bitPattern != v?.bitPattern { return false }
            case (.missing, .missing): break
            default: return false
            }
        }
    }
    return true
}

/// Persistence (Kaplan–Meier, log-rank) on whatever was read, in the convention the flags byte picks, and the response-coding
/// recogniser on the subject identifiers as if they were response values: a result or a typed error, never a
/// trap; survival in [0, 1] and non-increasing; medians and limits ≥ 0 (or +∞); p-values in [0, 1].
private func checkPersistenceAndCoding(
    _ set: ProfileSet, selection: ColumnSelection, convention: KaplanMeier.Convention
) {
    if let output = try? PersistenceAnalysis(selection: selection, convention: convention).run([set]) {
        for estimate in output.groups.compactMap(\.estimate) {
            var previous = 1.0
            for step in estimate.steps {
                if !(0...previous).contains(step.survival) { fatalError("survival \(step.survival) after \(previous)") }
                previous = step.survival
            }
            for x in [estimate.median, estimate.medianLower, estimate.medianUpper] where !(x >= 0) {
                fatalError("median or limit \(x)")
            }
        }
        if let p = output.logRank?.p, !(0...1).contains(p), !p.isNaN { fatalError("log-rank p \(p)") }
    }
    let values = Array(Set(set.profiles.map(\.subject))).sorted()
    if let coding = try? ResponseCoding.infer(column: "fuzz", values: values, responderValues: []) {
        if Set(coding.responders).intersection(coding.nonResponders).count > 0 { fatalError("a value on both sides") }
        if coding.responders.count + coding.nonResponders.count != values.count {
            fatalError("a value on neither side")
        }
    }
}
