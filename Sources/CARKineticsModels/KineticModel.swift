import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics

/// The cellular-kinetic models `pkfit fit` offers (domain reference §8).
///
/// All are fitted by least squares on ln C over quantifiable samples at t ≥ 0.
public enum KineticModel: String, Sendable, CaseIterable {
    /// Stein et al. 2019: exponential expansion to Tmax, then bi-exponential contraction and persistence
    /// (Cmax, Tmax, ρ, α, β, fb). The default.
    case stein
    /// Exponential expansion, then one-exponential decline (Cmax, Tmax, ρ, α): profiles with no persistence phase.
    case expansionMonoexp = "expansion-monoexp"
    /// Log-linear growth over the rising samples only (first quantifiable sample to the observed peak): ρ and its
    /// doubling time.
    case expansion
    /// Bi-exponential contraction from the observed Tmax on (Cmax, α, β, fb).
    case biexp
    /// Mono-exponential contraction from the observed Tmax on (Cmax, α).
    case monoexp
    /// `stein` or `expansion-monoexp`, whichever has the lower AIC; falls back to fewer parameters when the
    /// profile cannot support six.
    case auto

    /// Number of curve parameters estimated.
    var parameterCount: Int {
        switch self {
        case .stein: 6
        case .expansionMonoexp, .biexp: 4
        case .expansion, .monoexp: 2
        case .auto: 6
        }
    }

    /// The fewest samples a fit needs: one more than the parameters, so that a residual SD exists.
    var minimumSamples: Int { parameterCount + 1 }

    var curve: KineticCurve? {
        switch self {
        case .stein: KineticCurve(hasExpansion: true, decline: .biExponential)
        case .expansionMonoexp: KineticCurve(hasExpansion: true, decline: .monoExponential)
        case .biexp: KineticCurve(hasExpansion: false, decline: .biExponential)
        case .monoexp: KineticCurve(hasExpansion: false, decline: .monoExponential)
        case .expansion, .auto: nil
        }
    }
}
