extension NCAResult {
    /// The area over the window [`start`, `end`] when that window was one of the analysis' intervals
    /// (``NCAOptions/intervals``; by default 0–28 and 0–90), in the same time unit as the intervals.
    ///
    /// `result.auc(from: 0, to: 28)` is the `auc_0_28` column: the observed curve over [0, min(28, Tlast)],
    /// nothing added after Tlast; with `extrapolated: true` it is `auc_0_28_extrap`, which adds
    /// ∫ Clast·e^(−λz(t − Tlast)) dt from Tlast to 28 when 28 > Tlast.
    ///
    /// - Returns: nil when no interval of the analysis has exactly these bounds (the areas of other windows are
    ///   not computed: add the window to ``NCAOptions/intervals``), or when the area is not computable for this
    ///   profile (``IntervalResult/auc`` says why).
    public func auc(from start: Double, to end: Double, extrapolated: Bool = false) -> Double? {
        guard let interval = intervals.first(where: { $0.interval.start == start && $0.interval.end == end }) else {
            return nil
        }
        return (extrapolated ? interval.aucExtrapolated : interval.auc).number
    }
}
