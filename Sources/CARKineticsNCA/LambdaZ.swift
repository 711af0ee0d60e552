import CARKineticsNumerics
import CARKineticsData
import Foundation

/// The chosen terminal-phase regression of ln C on t.
public struct LambdaZFit: Sendable, Equatable {
    /// −slope (1/day), > 0.
    public var lambdaZ: Double
    /// Intercept of ln C at t = 0.
    public var intercept: Double
    /// Coefficient of determination of the chosen fit.
    public var r2: Double
    /// 1 − (1 − R²)(n − 1)/(n − 2).
    public var adjustedR2: Double
    /// Number of points in the chosen fit (≥ 3).
    public var points: Int
    /// Times of the first and last points used.
    public var timeFirst: Double
    public var timeLast: Double

    /// ln 2 / λz.
    public var halfLife: Double { M_LN2 / lambdaZ }
}

/// Terminal slope by PKNCA's / Phoenix's best-fit rule.
public enum LambdaZ {
    /// Unweighted least squares of ln y on x with centred sums (no cancellation from large x).
    /// Returns nil for fewer than 3 points or when x or ln y does not vary.
    static func regress(_ x: ArraySlice<Double>, _ logY: ArraySlice<Double>) -> (slope: Double, intercept: Double, r2: Double)? {
        let n = Double(x.count)
        guard x.count >= 3 else { return nil }
        let xMean = x.reduce(0, +) / n
        let yMean = logY.reduce(0, +) / n
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for (xi, yi) in zip(x, logY) {
            let dx = xi - xMean, dy = yi - yMean
            sxx += dx * dx
            sxy += dx * dy
            syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return nil }
        let slope = sxy / sxx
        return (slope, yMean - slope * xMean, min(1, sxy * sxy / (sxx * syy)))
    }

    /// Candidates are the last k ≥ `minimumPoints` quantifiable points strictly after Tmax (k = 3, 4, …).
    /// Fits with λz > 0 are kept; the best adjusted R² wins, and among fits within `tolerance` of it the one
    /// with the most points. Returns the reason when no fit qualifies.
    ///
    /// - Parameters: `times`/`levels`: the quantifiable points (level > 0) after Tmax up to Tlast, in time order.
    public static func select(times: [Double], levels: [Double], minimumPoints: Int = 3,
                              tolerance: Double = 1e-4) -> Result<LambdaZFit, LambdaZFailure> {
        let minimum = max(3, minimumPoints)
        guard times.count >= minimum else { return .failure(.tooFewPoints(times.count, needed: minimum)) }
        let logLevels = levels.map { log($0) }
        // Every candidate's fit is kept (in rising k) because the winner is only known once the best adjusted
        // R² is; one reserved array rather than growing, mapping and filtering ones (this runs per profile).
        var candidates: [LambdaZFit] = []
        let n = times.count
        candidates.reserveCapacity(n - minimum + 1)
        var best = -Double.infinity
        for k in minimum...n {
            guard let fit = regress(times[(n - k)...], logLevels[(n - k)...]), fit.slope < 0 else { continue }
            let r2 = fit.r2
            let adjusted = 1 - (1 - r2) * Double(k - 1) / Double(k - 2)
            best = max(best, adjusted)
            candidates.append(LambdaZFit(lambdaZ: -fit.slope, intercept: fit.intercept, r2: r2, adjustedR2: adjusted,
                                         points: k, timeFirst: times[n - k], timeLast: times[n - 1]))
        }
        // The most points among the fits within `tolerance` of the best: the last such one, as k rises.
        guard let chosen = candidates.last(where: { $0.adjustedR2 >= best - tolerance }) else { return .failure(.noDecline) }
        return .success(chosen)
    }
}

/// Why no terminal slope was estimated.
public enum LambdaZFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fewer quantifiable points after Tmax than the minimum.
    case tooFewPoints(Int, needed: Int)
    /// Every candidate regression has a slope ≥ 0 (or the levels do not vary).
    case noDecline

    /// The reason in words, e.g. "1 quantifiable point after Tmax (need 3)".
    public var description: String {
        switch self {
        case .tooFewPoints(let n, let needed):
            "\(n) quantifiable point\(n == 1 ? "" : "s") after Tmax (need \(needed))"
        case .noDecline:
            "no terminal regression with a negative slope"
        }
    }
}
