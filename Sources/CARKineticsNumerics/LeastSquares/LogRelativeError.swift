import Foundation

/// The log relative error (LRE) of an estimate against a certified value: the number of correct
/// significant digits, as used to score software on the NIST Statistical Reference Datasets.
///
/// `LRE = −log₁₀(|estimate − certified| / |certified|)`, or `−log₁₀|estimate|` when `certified == 0`
/// (absolute error). The result is clamped to `0…maximumDigits`; NIST certifies most values to 15
/// significant digits, so agreement beyond that carries no information. An exact match gives
/// `maximumDigits`; a NaN or infinite estimate has no correct digit and gives 0.
public func logRelativeError(estimate: Double, certified: Double, maximumDigits: Double = 15) -> Double {
    guard estimate.isFinite, certified.isFinite else { return 0 }
    if estimate == certified { return maximumDigits }
    let error = certified == 0 ? abs(estimate) : abs(estimate - certified) / abs(certified)
    return min(maximumDigits, max(0, -log10(error)))
}
