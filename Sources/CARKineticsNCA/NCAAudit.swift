import CARKineticsData
import CARKineticsNumerics
import Foundation

extension NCAAnalysis {
    /// The audit of a run of this analysis: what NCA did with every data row of `files` (the files the
    /// output was computed from, in the same order), re-read for their raw cells.
    public func audit(_ output: Output, files: [URL]) throws(DataError) -> AuditTrail {
        var sources: [AuditSource] = []
        for (url, ledger) in zip(files, output.ledgers) {
            sources.append(try AuditSource(contentsOf: url, file: ledger.file, selection: selection))
        }
        return Self.audit(output, sources: sources)
    }

    /// The audit of a run over CSV bytes (`sources[i]` = the bytes of file `i`).
    public func audit(_ output: Output, sources: [[UInt8]]) throws(DataError) -> AuditTrail {
        var read: [AuditSource] = []
        for (bytes, ledger) in zip(sources, output.ledgers) {
            read.append(try AuditSource(bytes: bytes, file: ledger.file, selection: selection))
        }
        return Self.audit(output, sources: read)
    }

    private static func audit(_ output: Output, sources: [AuditSource]) -> AuditTrail {
        AuditTrail(
            ledgers: output.ledgers, profiles: output.profiles, profileFiles: output.profileFiles,
            sources: sources
        ) { p, k in
            let observation = output.profiles[p].observations[k]
            let code = auditCode(
                output.results[p].treatments[k], observation.measurement, time: observation.time,
                choice: output.results[p].lambdaZChoice)
            return auditFates[Int(code)]
        }
    }
}
