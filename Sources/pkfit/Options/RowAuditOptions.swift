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
        if let warnings = Self.warningReport(ledgers) {
            FileHandle.standardError.write(Data((warnings + "\n").utf8))
        }
        if let report = Self.exclusionReport(ledgers) {
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

// How the reader's findings are worded on stderr (the library returns them as values in the ledgers).
extension RowAuditOptions {
    /// The rows excluded under ``InvalidRowPolicy/skip``, worded for a person: nil when none, otherwise a
    /// count line followed by one line per excluded row (`file:line: column 'c': message`), in file and line
    /// order.
    static func exclusionReport(_ ledgers: [RowLedger]) -> String? {
        let total = ledgers.reduce(0) { $0 + $1.excluded.count }
        guard total > 0 else { return nil }
        var lines = ["excluded \(total) invalid row\(total == 1 ? "" : "s") (--skip-invalid):"]
        for ledger in ledgers {
            for row in ledger.excluded.sorted(by: { $0.line < $1.line }) { lines.append("  " + row.reason.description) }
        }
        return lines.joined(separator: "\n")
    }

    /// The ledgers' warnings, one per line, each starting `warning: `; nil when there are none.
    static func warningReport(_ ledgers: [RowLedger]) -> String? {
        let warnings = ledgers.flatMap(\.warnings)
        return warnings.isEmpty ? nil : warnings.map { "warning: " + $0 }.joined(separator: "\n")
    }
}
