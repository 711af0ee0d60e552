import CARKineticsData
import CARKineticsNumerics
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

    /// (timeLast − timeFirst) / half-life: how many half-lives the regression spans.
    public var spanRatio: Double { (timeLast - timeFirst) / halfLife }
}

/// Terminal slope by PKNCA's / Phoenix's best-fit rule.
public enum LambdaZ {
    /// Unweighted least squares of ln y on x with centred sums (no cancellation from large x).
    /// Returns nil for fewer than 3 points or when x or ln y does not vary.
    static func regress(
        _ x: ArraySlice<Double>, _ logY: ArraySlice<Double>
    ) -> (slope: Double, intercept: Double, r2: Double)? {
        let n = Double(x.count)
        guard x.count >= 3 else { return nil }
        let xMean = x.reduce(0, +) / n
        let yMean = logY.reduce(0, +) / n
        var sxx = 0.0
        var sxy = 0.0
        var syy = 0.0
        for (xi, yi) in zip(x, logY) {
            let dx = xi - xMean
            let dy = yi - yMean
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
    /// O(n) in all: the candidates grow by one point at a time from the end, so their centred sums are updated
    /// rather than recomputed (Welford's co-moment update, which keeps the centring and so the accuracy of
    /// `regress(_:_:)`). For a point (x, y) added to m points with means x̄, ȳ:
    /// x̄′ = x̄ + (x − x̄)/(m + 1), Sxx′ = Sxx + (x − x̄)(x − x̄′), Sxy′ = Sxy + (x − x̄)(y − ȳ′),
    /// Syy′ = Syy + (y − ȳ)(y − ȳ′). The selection rule is unchanged; the sums agree with the two-pass ones
    /// to rounding (see `LambdaZIncrementalTests`).
    ///
    /// - Parameters: `times`/`levels`: the quantifiable points (level > 0) after Tmax up to Tlast, in time order.
    public static func select(
        times: [Double], levels: [Double], minimumPoints: Int = 3,
        tolerance: Double = 1e-4
    ) -> Result<LambdaZFit, LambdaZFailure> {
        let minimum = max(3, minimumPoints)
        let n = times.count
        guard n >= minimum else { return .failure(.tooFewPoints(n, needed: minimum)) }
        // The winner is only known once the best adjusted R² is; each candidate is summarised by its k and
        // the values of its fit, kept in rising k (one reserved array: this runs per profile).
        var candidates: [LambdaZFit] = []
        candidates.reserveCapacity(n - minimum + 1)
        var best = -Double.infinity
        // Sums of points taken relative to the last one: the running means then stay within the data's span
        // (times of 1e8 days would otherwise lose digits in every mean update).
        let x0 = times[n - 1]
        let y0 = log(levels[n - 1])
        var xMean = 0.0
        var yMean = 0.0
        var sxx = 0.0
        var sxy = 0.0
        var syy = 0.0
        for k in 1...n {
            let x = times[n - k] - x0
            let y = log(levels[n - k]) - y0
            let dx = x - xMean
            let dy = y - yMean
            xMean += dx / Double(k)
            yMean += dy / Double(k)
            sxx += dx * (x - xMean)
            sxy += dx * (y - yMean)
            syy += dy * (y - yMean)
            guard k >= minimum, sxx > 0, syy > 0 else { continue }
            let slope = sxy / sxx
            guard slope < 0 else { continue }
            let r2 = min(1, sxy * sxy / (sxx * syy))
            let adjusted = 1 - (1 - r2) * Double(k - 1) / Double(k - 2)
            best = max(best, adjusted)
            candidates.append(
                LambdaZFit(
                    lambdaZ: -slope, intercept: (yMean + y0) - slope * (xMean + x0), r2: r2,
                    adjustedR2: adjusted, points: k, timeFirst: times[n - k], timeLast: times[n - 1]))
        }
        // The most points among the fits within `tolerance` of the best: the last such one, as k rises.
        guard let chosen = candidates.last(where: { $0.adjustedR2 >= best - tolerance }) else {
            return .failure(.noDecline)
        }
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
