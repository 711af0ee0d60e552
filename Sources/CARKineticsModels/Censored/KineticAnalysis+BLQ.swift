import CARKineticsData
import CARKineticsNumerics
import Foundation

// How `pkfit fit` and `report --fit` treat BLQ samples: M3 (censored likelihood) or drop, chosen by the caller or
// by the data.
extension KineticAnalysis {
    /// The BLQ method used for `profiles`: ``blq`` when set; otherwise `m3` when there are BLQ samples at t ≥ 0
    /// and every one has a known limit (an LLOQ column or number, or a `<x` value), and `drop` when a limit is
    /// missing or there is nothing to censor (the two fits are then the same). Formula models are always fitted
    /// with BLQ samples dropped.
    public func resolvedBLQ(_ profiles: [Profile]) -> CensoringMethod {
        guard case .model = method else { return .drop }
        if let blq { return blq }
        var any = false
        for profile in profiles {
            for observation in profile.observations where observation.time >= 0 {
                switch observation.measurement {
                case .belowLimit(let limit?) where limit > 0: any = true
                case .belowLimit, .value(0): return .drop
                case .value, .missing: continue
                }
            }
        }
        return any ? .m3 : .drop
    }

    /// The first BLQ sample at t ≥ 0 without a known limit, as the error an explicit M3 request gives for it (callers
    /// add how to give a limit in their own words).
    /// - Parameter fileNames: the file of each profile, for the message.
    public static func missingLimit(_ profiles: [Profile], fileNames: [String]) -> DataError? {
        for (index, profile) in profiles.enumerated() {
            for observation in profile.observations where observation.time >= 0 {
                switch observation.measurement {
                case .belowLimit(let limit?) where limit > 0: continue
                case .belowLimit, .value(0):
                    return DataError(
                        file: index < fileNames.count ? fileNames[index] : "input", line: observation.line,
                        message:
                            "subject '\(profile.subject)' is below the limit (or 0) but no LLOQ is known, which M3 needs"
                    )
                case .value, .missing: continue
                }
            }
        }
        return nil
    }

    /// One profile's quantified samples and censored samples at their limits, as a censored fit uses them.
    static func censoredInputs(_ profile: Profile) -> (times: [Double], limits: [Double]) {
        var times: [Double] = []
        var limits: [Double] = []
        for observation in profile.observations where observation.time >= 0 {
            if case .belowLimit(let limit?) = observation.measurement, limit > 0 {
                times.append(observation.time)
                limits.append(limit)
            }
        }
        return (times, limits)
    }
}
