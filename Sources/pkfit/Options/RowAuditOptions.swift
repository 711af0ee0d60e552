import ArgumentParser
import CARKinetics
import Foundation

/// `--skip-invalid` and `--audit PATH`: lenient reading and the fate of every input row (docs/robustness.md).
struct RowAuditOptions: ParsableArguments {
    @Flag(help: "Exclude invalid rows instead of stopping; each one is listed on stderr (and in --audit). Problems with a whole file (no header, missing columns, binary content) still stop.")
    var skipInvalid = false

    @Option(help: "Write a CSV with one line per input row (file, line, subject, time, raw value, fate, detail); written only when the run succeeds.")
    var audit: String?

    var invalidRows: InvalidRowPolicy { skipInvalid ? .skip : .stop }

    /// Lists the reader's warnings and the excluded rows on stderr.
    func reportExclusions(_ ledgers: [RowLedger]) {
        if let warnings = RowLedger.warningReport(ledgers) {
            FileHandle.standardError.write(Data((warnings + "\n").utf8))
        }
        if let report = RowLedger.exclusionReport(ledgers) {
            FileHandle.standardError.write(Data((report + "\n").utf8))
        }
    }

    /// Writes the audit (when asked for), then the results; if the results cannot be written the audit is
    /// removed again, so a failed run leaves neither.
    func emit(audit trail: () throws(DataError) -> AuditTrail, results write: () throws -> Void) throws {
        guard let audit else {
            try write()
            return
        }
        let url = URL(fileURLWithPath: audit)
        do {
            try AtomicFileWriter.write(try trail().table.rendered(as: .csv), to: url)
        } catch let error as DataError {
            throw CommandFailure(message: error.description)
        } catch let error as OutputError {
            throw CommandFailure(message: "--audit: \(error.description)")
        }
        do {
            try write()
        } catch {
            try? FileManager.default.removeItem(at: url)
            throw error
        }
    }

    /// Writes the audit (when asked for) by streaming it into a temporary file renamed over the path at once;
    /// called once the result is complete but not yet committed, so a failure here leaves neither file.
    func writeAudit(_ produce: ((UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Void) throws {
        guard let audit else { return }
        let file: AtomicFileWriter.Stream
        do {
            file = try AtomicFileWriter.Stream(to: URL(fileURLWithPath: audit))
        } catch {
            throw OutputError(path: audit, message: "--audit: \(error.description)")
        }
        try produce { bytes in try file.write(bytes) }
        try file.commit()
    }

    /// Removes the audit written by `writeAudit` when the result could not be committed after it.
    func discardAudit() {
        if let audit { try? FileManager.default.removeItem(at: URL(fileURLWithPath: audit)) }
    }

    /// `emit(audit:results:)` for a result table printed or written through `output`.
    func emit(_ table: ResultTable, through output: OutputOptions, audit trail: () throws(DataError) -> AuditTrail) throws {
        try emit(audit: trail) {
            do {
                try output.emit(table)
            } catch let error as OutputError {
                throw CommandFailure(message: error.description)
            }
        }
    }
}
