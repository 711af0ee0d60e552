import Foundation

/// The fit of the power model ln(exposure) = a + b·ln(dose) (issue 5, "Dose–exposure").
///
/// b = 1 means exposure proportional to dose; the confidence interval is b ± t(1 − α/2, n − 2)·SE(b).
public struct PowerModelFit: Sendable, Equatable {
    /// Pairs used: dose and exposure both present, finite and > 0.
    public var count: Int
    /// Pairs left out because a dose or an exposure was missing, non-finite or ≤ 0.
    public var excluded: Int
    /// a; `nil` with fewer than two distinct doses.
    public var intercept: Double?
    /// b; `nil` with fewer than two distinct doses.
    public var slope: Double?
    /// Standard error of b; needs n ≥ 3 (n − 2 residual degrees of freedom).
    public var slopeStandardError: Double?
    /// Two-sided confidence level of the interval, e.g. 0.90.
    public var confidenceLevel: Double
    /// Lower confidence limit of b.
    public var slopeLower: Double?
    /// Upper confidence limit of b.
    public var slopeUpper: Double?
}

/// Dose–exposure regression across subjects.
public enum DoseExposure {
    /// Fits ln(exposure) = a + b·ln(dose) by least squares over the pairs where both are finite
    /// and positive. Accurate to rounding for exact power-law data: the regression is done on
    /// centred ln(dose), which keeps the normal equation well conditioned.
    public static func powerModel(doses: [Double?], exposures: [Double?], confidenceLevel: Double = 0.90) -> PowerModelFit {
        precondition(doses.count == exposures.count, "one dose per exposure")
        precondition(confidenceLevel > 0 && confidenceLevel < 1, "confidence level must lie in (0, 1)")
        var x: [Double] = [], y: [Double] = []
        for (dose, exposure) in zip(doses, exposures) {
            guard let dose, let exposure, dose.isFinite, exposure.isFinite, dose > 0, exposure > 0 else { continue }
            x.append(log(dose))
            y.append(log(exposure))
        }
        var fit = PowerModelFit(
            count: x.count, excluded: doses.count - x.count, intercept: nil, slope: nil,
            slopeStandardError: nil, confidenceLevel: confidenceLevel, slopeLower: nil, slopeUpper: nil)
        let n = Double(x.count)
        guard x.count >= 2 else { return fit }
        let xMean = CompensatedSum(x).value / n
        let yMean = CompensatedSum(y).value / n
        var sxx = CompensatedSum(), sxy = CompensatedSum()
        for (xi, yi) in zip(x, y) {
            sxx.add((xi - xMean) * (xi - xMean))
            sxy.add((xi - xMean) * (yi - yMean))
        }
        // Doses that differ only in the last bits of ln are one dose level.
        guard sxx.value > 1e-24 * max(1, xMean * xMean) * n else { return fit }
        let b = sxy.value / sxx.value
        let a = yMean - b * xMean
        fit.slope = b
        fit.intercept = a
        guard x.count >= 3 else { return fit }
        var ssr = CompensatedSum()
        for (xi, yi) in zip(x, y) {
            let r = yi - (a + b * xi)
            ssr.add(r * r)
        }
        let degreesOfFreedom = n - 2
        let se = (ssr.value / degreesOfFreedom / sxx.value).squareRoot()
        let t = StudentT.quantile(1 - (1 - confidenceLevel) / 2, degreesOfFreedom: degreesOfFreedom)
        fit.slopeStandardError = se
        fit.slopeLower = b - t * se
        fit.slopeUpper = b + t * se
        return fit
    }

    /// Column names of ``table(_:)``.
    public static let columns = [
        "parameter", "n", "n_excluded", "intercept", "slope", "slope_se", "confidence_level", "slope_lower", "slope_upper",
    ]

    /// One row per (parameter, fit), full precision, unavailable values empty.
    public static func table(_ fits: [(parameter: String, fit: PowerModelFit)]) -> ResultTable {
        ResultTable(columns: columns, rows: fits.map { parameter, fit in
            let numbers = [fit.intercept, fit.slope, fit.slopeStandardError]
            return [.text(parameter), .integer(fit.count), .integer(fit.excluded)]
                + numbers.map { $0.map(ResultCell.number) ?? .empty }
                + [.number(fit.confidenceLevel)]
                + [fit.slopeLower, fit.slopeUpper].map { $0.map(ResultCell.number) ?? .empty }
        })
    }
}
