import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

extension KineticAnalysis {
    /// The audit of a fit run: every data row of `files` (the files the output was computed from, in the
    /// same order), re-read for their raw cells. The fits use the quantifiable samples at t ≥ 0 and, with M3, the
    /// BLQ samples at t ≥ 0 with a known limit inside the fit's window; every other observation is reported as not
    /// used by the fit.
    public func audit(_ output: Output, files: [URL]) throws(DataError) -> AuditTrail {
        var sources: [AuditSource] = []
        for (url, ledger) in zip(files, output.ledgers) {
            sources.append(try AuditSource(contentsOf: url, file: ledger.file, selection: selection))
        }
        return AuditTrail(
            ledgers: output.ledgers, profiles: output.profiles, profileFiles: output.profileFiles,
            sources: sources
        ) { p, k in
            let observation = output.profiles[p].observations[k]
            if observation.time < 0 {
                return observation.measurement == .missing
                    ? (.missing, "empty value") : (.preInfusion, "not used by the fit")
            }
            let fit = output.fits[p].fit
            switch observation.measurement {
            case .value(let x) where x > 0: return (.used, "")
            case .value: return (.blq, "observed 0; not used by the fit")
            case .belowLimit(let limit?)
            where limit > 0 && fit.censoredCount > 0
                && (fit.curve.map { $0.rho != nil || observation.time >= $0.tmax } ?? false):
                // M3: the fit's window is the whole profile, or from the observed peak for contraction-only models.
                return (.blq, "censored at the LLOQ (M3)")
            case .belowLimit: return (.blq, "not used by the fit")
            case .missing: return (.missing, "empty value")
            }
        }
    }
}
