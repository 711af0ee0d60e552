import CARKineticsData
import CARKineticsNumerics

extension KineticFit {
    /// The fit with every time-dimensioned quantity expressed in `unit` instead of days: Tmax (and its SE and
    /// limits) multiplied, the rates ρ, α, β (and theirs) divided by the days-to-`unit` ratio, one correctly
    /// rounded operation each (``TimeUnit/convert(_:to:)``); Cmax, fb and everything on the ln C scale (SSR,
    /// residual SD, AIC, BIC) are unchanged. Built-in models are fitted in days whatever the input's unit, so
    /// their start grids and bounds, set in days, mean the same for any unit and the estimates are the same
    /// curve (an hour-stamped cohort gives its day-stamped twin's fits, converted).
    func expressed(in unit: TimeUnit) -> KineticFit {
        guard unit != .days else { return self }
        func time(_ x: Double) -> Double { TimeUnit.days.convert(x, to: unit) }
        func rate(_ x: Double) -> Double { unit.convert(x, to: .days) }
        var fit = self
        fit.estimates = estimates.map { estimate in
            let scale: ((Double) -> Double)?
            switch estimate.name {
            case "tmax": scale = time
            case "rho", "alpha", "beta": scale = rate
            default: scale = nil
            }
            guard let scale else { return estimate }
            return ParameterEstimate(
                name: estimate.name, value: scale(estimate.value), standardError: estimate.standardError.map(scale),
                lower: estimate.lower.map(scale), upper: estimate.upper.map(scale))
        }
        fit.curve = curve.map { curve in
            CurveParameters(
                cmax: curve.cmax, tmax: time(curve.tmax), rho: curve.rho.map(rate), alpha: rate(curve.alpha),
                beta: curve.beta.map(rate), fraction: curve.fraction)
        }
        return fit
    }
}
