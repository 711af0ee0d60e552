import Foundation

// Half-lives the samples cannot support, flagged in a fit's note (issue 14): a rate whose half-life is shorter
// than every gap between samples acts between two samples only (α = 33/day is a 30-minute half-life between
// daily samples), and one longer than ten times the follow-up is an extrapolation far past the data.
extension KineticFitter {
    /// The times a half-life must be compared with: the smallest gap between distinct sample times and the
    /// follow-up (the last sample time, in days since infusion).
    struct SamplingSpan: Sendable, Equatable {
        var smallestGap: Double?
        var followUp: Double?

        init(times: [Double]) {
            var distinct: [Double] = []
            for t in times.sorted() where distinct.last != t { distinct.append(t) }
            smallestGap = zip(distinct, distinct.dropFirst()).map { $1 - $0 }.min()
            followUp = distinct.last.flatMap { $0 > 0 ? $0 : nil }
        }
    }

    /// How many follow-up spans a half-life may reach before it is flagged.
    static let followUpMultiple = 10.0

    /// Notes for the doubling time (ln 2/ρ), the contraction half-life (ln 2/α) and the persistence half-life
    /// (ln 2/β) of `fit` that are shorter than the smallest sampling gap or longer than ten times the follow-up.
    /// An infinite persistence half-life (β → 0) is left to the status, which says so already.
    static func samplingNotes(_ fit: KineticFit, span: SamplingSpan) -> [String] {
        let halfLives: [(String, String)] = [
            ("doubling_time", "rho"), ("contraction_half_life", "alpha"),
            ("persistence_half_life", "beta"),
        ]
        var notes: [String] = []
        for (column, rate) in halfLives {
            guard let value = fit.estimate(rate)?.value, value > 0, value.isFinite else { continue }
            let halfLife = M_LN2 / value
            guard halfLife.isFinite else { continue }
            if let gap = span.smallestGap, halfLife < gap {
                notes.append(
                    "\(column) \(format(halfLife)) d is shorter than the smallest gap between samples "
                        + "(\(format(gap)) d): the samples do not determine it")
            } else if let followUp = span.followUp, halfLife > followUpMultiple * followUp {
                notes.append(
                    "\(column) \(format(halfLife)) d is longer than 10 times the follow-up (\(format(followUp)) d): "
                        + "an extrapolation far beyond the samples")
            }
        }
        return notes
    }

    private static func format(_ value: Double) -> String {
        String(format: "%.3g", value)
    }
}
