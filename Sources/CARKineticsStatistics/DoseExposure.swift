import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
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
    /// Fits ln(exposure) = a + b·ln(dose) by linear least squares (`LinearLeastSquares`, pivoted
    /// QR with refinement) over the pairs where both are finite and positive. b and its interval need
    /// two distinct doses (a rank-2 design); the standard error and interval need n ≥ 3. Exact
    /// power-law data give b to rounding and an interval of width ~1e-15.
    /// - Throws: `LeastSquaresError` only for a failure inside the LAPACK layer (inputs are
    ///   filtered to finite values first).
    public static func powerModel(
        doses: [Double?], exposures: [Double?], confidenceLevel: Double = 0.90
    )
        throws(LeastSquaresError) -> PowerModelFit
    {
        precondition(doses.count == exposures.count, "one dose per exposure")
        precondition(confidenceLevel > 0 && confidenceLevel < 1, "confidence level must lie in (0, 1)")
        var x: [Double] = []
        var y: [Double] = []
        for (dose, exposure) in zip(doses, exposures) {
            guard let dose, let exposure, dose.isFinite, exposure.isFinite, dose > 0, exposure > 0 else { continue }
            x.append(log(dose))
            y.append(log(exposure))
        }
        var fit = PowerModelFit(
            count: x.count, excluded: doses.count - x.count, intercept: nil, slope: nil,
            slopeStandardError: nil, confidenceLevel: confidenceLevel, slopeLower: nil, slopeUpper: nil)
        guard x.count >= 2 else { return fit }
        let design = Matrix(rows: x.count, columns: 2) { row, column in column == 0 ? 1 : x[row] }
        let solution = try LinearLeastSquares.solve(design: design, response: y)
        // One dose level: ln dose is a multiple of the intercept column, so b is not identifiable.
        guard solution.rank == 2 else { return fit }
        fit.intercept = solution.coefficients[0]
        fit.slope = solution.coefficients[1]
        guard let se = solution.standardErrors?[1], solution.degreesOfFreedom >= 1 else { return fit }
        let b = solution.coefficients[1]
        let t = StudentT.quantile(1 - (1 - confidenceLevel) / 2, degreesOfFreedom: Double(solution.degreesOfFreedom))
        fit.slopeStandardError = se
        fit.slopeLower = b - t * se
        fit.slopeUpper = b + t * se
        return fit
    }
}
