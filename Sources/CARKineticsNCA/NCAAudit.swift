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
            let zero = output.profiles[p].observations[k].measurement == .value(0) ? "observed 0; " : ""
            switch output.results[p].treatments[k] {
            case .quantifiable: return (.used, "")
            case .belowLimitAsZero(let position): return (.blq, zero + "set to 0 " + describe(position))
            case .belowLimitDropped(let position): return (.blq, zero + "dropped " + describe(position))
            case .missing: return (.missing, "empty value")
            case .preInfusionCarriedToZero:
                switch output.profiles[p].observations[k].measurement {
                case .value(let x) where x > 0: return (.preInfusion, "used as C(0)")
                case .value: return (.preInfusion, "used as C(0) = 0")
                default: return (.preInfusion, "used as C(0) = 0 (below the limit)")
                }
            case .preInfusionIgnored: return (.preInfusion, "not used")
            }
        }
    }

    private static func describe(_ position: BLQPosition) -> String {
        switch position {
        case .first: "(before the first quantifiable level)"
        case .middle: "(between quantifiable levels)"
        case .last: "(after the last quantifiable level)"
        }
    }
}
