import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics

/// Concentration–time plots on a log10 concentration axis.
///
/// How levels are drawn: a quantified level > 0 is a filled marker joined by lines to the
/// neighbouring quantified levels of the same subject. A BLQ level is an open downward triangle
/// in the subject's colour placed at its LLOQ when the file states one, and at the floor of the
/// axis otherwise; a measured 0 (which a log axis cannot show) is drawn the same way at the floor.
/// Lines break at BLQ and zero levels, so a subject dropping below quantification and expanding
/// again shows as two pieces. Missing cells are not drawn. When all BLQ levels share one LLOQ it is
/// drawn as a dashed reference line.
enum ConcentrationPlots {
    /// Every subject's profile in one plot (one colour per subject, in `profiles` order, so two plots
    /// of the same profiles match), e.g. one plot per cohort. `until`, when given, keeps only samples at
    /// or before that day (an early-phase view). Below 700 px wide the legend runs in rows under the title.
    /// `time` is the unit of the profiles' times (`timeAssumed`: stated by no input), for the axis label
    /// (``ParameterNames/timeAxisLabel(_:assumed:)``) and the tooltips.
    static func spaghetti(
        profiles: [Profile], title: String, unit: String?, until: Double? = nil,
        width: Double = 900, height: Double = 440, time: TimeUnit = .days, timeAssumed: Bool = false
    ) -> SVGImage {
        var chart = Chart(
            title: title, xLabel: ParameterNames.timeAxisLabel(time, assumed: timeAssumed),
            yLabel: concentrationLabel(unit))
        chart.width = width
        chart.height = height
        chart.legendOnTop = width < 700
        let profiles = profiles.map { profile in
            var cut = profile
            if let until { cut.observations = profile.observations.filter { $0.time <= until } }
            return cut
        }
        var limits = Set<Double>()
        var anyBLQ = false
        for (i, profile) in profiles.enumerated() {
            let drawn = series(profile, color: Palette.color(i), shape: Palette.shape(i), time: time)
            chart.series.append(drawn.series)
            limits.formUnion(drawn.limits)
            anyBLQ = anyBLQ || drawn.hasBLQ
        }
        finish(&chart, limits: limits, anyBLQ: anyBLQ)
        return chart.render()
    }

    /// One subject's observations, with an optional fitted model curve given as (time, level)
    /// points in time order; curve points ≤ 0 or non-finite are left out. `width` × `height` in CSS
    /// pixels; below 700 px wide the legend is one row under the title so the plot keeps its width.
    static func individual(
        profile: Profile, fitted: [(time: Double, value: Double)]?, title: String,
        width: Double = 900, height: Double = 440, time: TimeUnit = .days, timeAssumed: Bool = false
    ) -> SVGImage {
        var chart = Chart(
            title: title, xLabel: ParameterNames.timeAxisLabel(time, assumed: timeAssumed),
            yLabel: concentrationLabel(profile.unit))
        chart.width = width
        chart.height = height
        chart.legendOnTop = width < 700
        var drawn = series(profile, color: Palette.color(0), shape: .circle, time: time)
        drawn.series.label = "observed"
        drawn.series.lines = []
        chart.series.append(drawn.series)
        if let fitted {
            let curve = fitted.filter { $0.time.isFinite && $0.value.isFinite && $0.value > 0 }.map {
                (x: $0.time, y: $0.value)
            }
            chart.series.append(Chart.Series(label: "fitted model", color: "#D55E00", lines: [curve], lineWidth: 2))
        }
        finish(&chart, limits: drawn.limits, anyBLQ: drawn.hasBLQ)
        return chart.render()
    }

    static func concentrationLabel(_ unit: String?) -> String {
        StudyPlots.concentrationLabel(unit)
    }

    static func finish(_ chart: inout Chart, limits: Set<Double>, anyBLQ: Bool) {
        if limits.count == 1, let lloq = limits.first {
            chart.references.append((lloq, StudyPlots.lloqLabel(lloq)))
        }
        if anyBLQ {
            let place = limits.isEmpty ? "at axis floor" : "at LLOQ"
            chart.extraLegend.append(
                Chart.LegendEntry(label: "BLQ (\(place))", color: "#555", shape: .triangleDown, filled: false))
        }
    }

    static func series(
        _ profile: Profile, color: String, shape: MarkerShape, time: TimeUnit
    )
        -> (series: Chart.Series, limits: Set<Double>, hasBLQ: Bool)
    {
        // `day 10.1` as before for days; `242.4 h` for other units.
        func when(_ t: Double) -> String { time == .days ? "day \(t)" : "\(t) \(time.symbol)" }
        var s = Chart.Series(label: profile.subject, color: color, shape: shape)
        var current: [(x: Double, y: Double)] = []
        var limits = Set<Double>()
        var hasBLQ = false
        func breakLine() {
            if current.count >= 2 { s.lines.append(current) }
            current = []
        }
        for observation in profile.observations where observation.time.isFinite {
            let t = observation.time
            switch observation.measurement {
            case .value(let level) where level > 0:
                current.append((t, level))
                s.markers.append(
                    Chart.Marker(x: t, y: level, filled: true, tooltip: "\(profile.subject): \(when(t)), \(level)"))
            case .value:
                breakLine()
                hasBLQ = true
                s.markers.append(
                    Chart.Marker(
                        x: t, y: nil, filled: false, tooltip: "\(profile.subject): \(when(t)), 0", shape: .triangleDown)
                )
            case .belowLimit(let lloq):
                breakLine()
                hasBLQ = true
                let at = lloq.flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
                if let at { limits.insert(at) }
                s.markers.append(
                    Chart.Marker(
                        x: t, y: at, filled: false, tooltip: "\(profile.subject): \(when(t)), BLQ", shape: .triangleDown
                    ))
            case .missing:
                continue
            }
        }
        breakLine()
        return (s, limits, hasBLQ)
    }
}
