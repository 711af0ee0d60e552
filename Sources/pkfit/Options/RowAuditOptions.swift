import ArgumentParser
import CARKinetics
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--skip-invalid` and `--audit PATH`: lenient reading and the fate of every input row (docs/robustness.md).
struct RowAuditOptions: ParsableArguments {
    @Flag(
        help:
            "Exclude invalid rows instead of stopping; each one is listed on stderr (and in --audit). Problems with a whole file (no header, missing columns, binary content) still stop."
    )
    var skipInvalid = false

    @Option(
        help:
            "Write a CSV with one line per input row (file, line, subject, time, raw value, fate, detail); written only when the run succeeds."
    )
    var audit: String?

    var invalidRows: InvalidRowPolicy { skipInvalid ? .skip : .stop }

    /// Lists the reader's warnings and the excluded rows on stderr.
    func reportExclusions(_ ledgers: [RowLedger]) {
        if let setAside = Self.setAsideReport(ledgers) {
            StandardStreams.writeError(setAside + "\n")
        }
        if let warnings = Self.warningReport(ledgers) {
            FileHandle.standardError.write(Data((warnings + "\n").utf8))
        }
        if let report = Self.exclusionReport(ledgers) {
            StandardStreams.writeError(report + "\n")
        }
    }

    /// Writes the audit (when asked for) and the results as one commit (docs/robustness.md, "Output files"):
    /// `write` prints to standard output or adds its files to the transaction, and the files are renamed into
    /// place only when everything is complete; on any failure every temporary is removed, so a failed run
    /// leaves neither file and replaces nothing.
    func emit(audit trail: () throws(DataError) -> AuditTrail, results write: (OutputTransaction) throws -> Void) throws
    {
        let files = OutputTransaction()
        defer { files.discard() }
        if let audit {
            do {
                try files.add(try trail().table.rendered(as: .csv), to: audit)
            } catch let error as DataError {
                throw CommandFailure(message: error.description)
            } catch let error as OutputError {
                throw CommandFailure(message: "--audit: \(error.description)")
            }
        }
        do {
            try write(files)
            try files.commit()
        } catch let error as OutputError {
            throw CommandFailure(message: error.description)
        }
    }

    /// Streams a result to `path` (standard output when nil) and, when `supplement` is given, a second result
    /// file (PP's SUPPPP), then, with `--audit`, the audit, as one commit (docs/robustness.md, "Output files"):
    /// every file is written to a temporary that is renamed into place only once all are complete; on any
    /// failure every temporary is removed and nothing is replaced. `produce` writes the result (and the
    /// supplement into its second sink, nil when `supplement` is nil) and returns what `audit` needs to write
    /// the audit afterwards.
    func stream<Fates>(
        to path: String?, supplement: String?,
        result produce: (
            (UnsafeBufferPointer<UInt8>) throws -> Void, ((UnsafeBufferPointer<UInt8>) throws -> Void)?
        ) throws -> Fates,
        audit writeAudit: (Fates, (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Void
    ) throws {
        let files = OutputTransaction()
        defer { files.discard() }
        let resultFile = try path.map { (path) throws(OutputError) in try files.open(path) }
        let supplementFile = try supplement.map { (path) throws(OutputError) in try files.open(path) }
        var auditFile: OutputTransaction.File?
        if let audit {
            do {
                auditFile = try files.open(audit)
            } catch {
                throw CommandFailure(message: "--audit: \(error.description)")
            }
        }
        let fates = try produce(
            { bytes in
                if let resultFile {
                    try resultFile.write(bytes)
                } else if let reason = AtomicFileWriter.writeAll(STDOUT_FILENO, bytes) {
                    throw OutputError(path: "standard output", message: "cannot be written (\(reason))")
                }
            }, supplementFile.map { file in { bytes in try file.write(bytes) } })
        if let auditFile { try writeAudit(fates) { bytes in try auditFile.write(bytes) } }
        try files.commit()
    }

    /// `emit(audit:results:)` for a result table printed or written through `output`.
    func emit<Formats>(
        _ table: ResultTable, through output: OutputOptions<Formats>, readable: [String]? = nil,
        relabel: (ResultTable) -> ResultTable = { $0 }, audit trail: () throws(DataError) -> AuditTrail
    ) throws {
        try emit(audit: trail) { files in
            try output.emit(table, into: files, readable: readable, relabel: relabel)
        }
    }

    /// The outputs this group names, for `FileSafety`.
    var outputs: [FileSafety.Output] { audit.map { [FileSafety.Output(flag: "--audit", path: $0)] } ?? [] }
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

    /// The rows set aside before being read (not selected, dose records, derived records), one line per file
    /// that has any: `adpc.xpt: set aside 40 of 260 rows: 20 dose-record (PARAMCD is DOSE (a dose record)); …`.
    /// Nil when no row was set aside.
    static func setAsideReport(_ ledgers: [RowLedger]) -> String? {
        let lines = ledgers.compactMap { ledger -> String? in
            guard !ledger.setAside.isEmpty else { return nil }
            let parts = ledger.setAsideCounts.map { "\($0.count) \($0.reason.fate.rawValue) (\($0.reason.detail))" }
            return
                "\(MessageText.escaped(ledger.file)): set aside \(ledger.setAside.count) of \(ledger.dataLines) rows: \(parts.joined(separator: "; "))"
        }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }

    /// The ledgers' warnings, one per line, each starting `warning: `; nil when there are none.
    static func warningReport(_ ledgers: [RowLedger]) -> String? {
        let warnings = ledgers.flatMap(\.warnings)
        return warnings.isEmpty ? nil : warnings.map { "warning: " + $0 }.joined(separator: "\n")
    }
}
