import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics
import Foundation

/// The words a report uses for its time unit; every time label of the report goes through one value of this
/// type, so changing the unit is a one-place change.
public struct TimeUnitText: Sendable, Equatable {
    /// The unit itself (parameter names and units follow it: `AUC0–672h`, `1/h`).
    public var unit: TimeUnit
    /// Whether no input stated the unit (days assumed): axis titles then say so.
    public var assumed: Bool
    /// `day`, as in "day 28".
    public var singular: String { unit.symbol }
    /// `days`, as in "times in days".
    public var plural: String { unit.plural }

    /// The wording of `unit`; `assumed` when no input stated it.
    public init(_ unit: TimeUnit, assumed: Bool = false) {
        self.unit = unit
        self.assumed = assumed
    }

    /// Days, stated.
    public static let days = TimeUnitText(.days)

    /// The x-axis title of concentration–time plots.
    public var axisTitle: String { ParameterNames.timeAxisLabel(unit, assumed: assumed) }
}

/// Plots built for cohorts of any size: profiles by cohort on a shared scale with the median and a 90% band,
/// and small multiples of individual profiles paged into one image per page.
enum StudyPlots {
    /// The most individual lines drawn in one cohort panel; larger cohorts show every k-th subject (the median
    /// and band use all of them), which keeps a 5,000-subject report small and readable.
    static let maximumLines = 400

    /// The most subjects a cohort panel names one by one: with the BLQ and LLOQ entries the legend then stays
    /// within ``Chart/legendLimit``.
    static let namedSubjectLimit = Chart.legendLimit - 2

    /// Panels per small-multiples page (4 across, 7 down: one A4 page).
    static let panelsPerPage = 28

    /// One cohort's profiles on a log concentration axis against ln(1 + t) time, sharing `yRange` with the
    /// other cohorts. Up to ``namedSubjectLimit`` subjects each get a colour, markers and a legend entry; above
    /// that every subject is a thin grey line (no legend) under the median profile and its 5th–95th percentile
    /// band from `levels`. Pre-infusion samples are not drawn.
    static func cohortPanel(
        profiles: [Profile], levels: [LevelsByTime.Point], title: String, unit: String?,
        yRange: (lower: Double, upper: Double)?, timeUnit: TimeUnitText, lastTime: Double? = nil,
        width: Double = 560, height: Double = 380
    ) -> (image: SVGImage, drawnLines: Int) {
        var chart = Chart(title: title, xLabel: timeUnit.axisTitle, yLabel: concentrationLabel(unit))
        chart.xAxis = .log1p
        chart.xMaximum = lastTime
        chart.width = width
        chart.height = height
        chart.legendOnTop = true
        chart.yRange = yRange
        var limits = Set<Double>()
        var anyBLQ = false
        var drawn = 0
        if profiles.count <= namedSubjectLimit {
            for (i, profile) in profiles.enumerated() {
                var cut = profile
                cut.observations = profile.observations.filter { $0.time >= 0 }
                let s = ConcentrationPlots.series(
                    cut, color: Palette.color(i), shape: Palette.shape(i), time: timeUnit.unit)
                chart.series.append(s.series)
                limits.formUnion(s.limits)
                anyBLQ = anyBLQ || s.hasBLQ
            }
            drawn = profiles.count
            ConcentrationPlots.finish(&chart, limits: limits, anyBLQ: anyBLQ)
        } else {
            let step = max(1, (profiles.count + maximumLines - 1) / maximumLines)
            var thin = Chart.Series(label: nil, color: "#9aa7b4", lineWidth: 0.6)
            for (i, profile) in profiles.enumerated() {
                for observation in profile.observations {
                    if case .belowLimit(let lloq?) = observation.measurement, lloq > 0 { limits.insert(lloq) }
                }
                guard i % step == 0 else { continue }
                drawn += 1
                var current: [(x: Double, y: Double)] = []
                for observation in profile.observations where observation.time >= 0 && observation.time.isFinite {
                    if case .value(let level) = observation.measurement, level > 0 {
                        current.append((observation.time, level))
                    } else if case .missing = observation.measurement {
                        continue
                    } else {
                        if current.count >= 2 { thin.lines.append(current) }
                        current = []
                    }
                }
                if current.count >= 2 { thin.lines.append(current) }
            }
            chart.series.append(thin)
            addMedian(
                &chart, levels: levels, color: "#D55E00", label: "median", floor: yRange?.lower, timeUnit: timeUnit)
            if limits.count == 1, let lloq = limits.first {
                chart.references.append((lloq, lloqLabel(lloq)))
            }
        }
        return (chart.render(), drawn)
    }

    /// Each cohort's median profile (and its band, lighter) in one plot, one colour per cohort.
    static func medianProfiles(
        _ cohorts: [(name: String, levels: [LevelsByTime.Point])], unit: String?, lloq: Double?,
        yRange: (lower: Double, upper: Double)?, timeUnit: TimeUnitText, lastTime: Double? = nil, title: String
    ) -> SVGImage {
        var chart = Chart(title: title, xLabel: timeUnit.axisTitle, yLabel: concentrationLabel(unit))
        chart.xAxis = .log1p
        chart.xMaximum = lastTime
        chart.yRange = yRange
        chart.width = 900
        chart.height = 420
        for (index, cohort) in cohorts.enumerated() {
            addMedian(
                &chart, levels: cohort.levels, color: Palette.color(index), label: cohort.name, floor: yRange?.lower,
                timeUnit: timeUnit,
                bandOpacity: 0, shape: Palette.shape(index))
        }
        if let lloq { chart.references.append((lloq, lloqLabel(lloq))) }
        return chart.render()
    }

    /// The median line with markers and, where both percentiles are quantified or the lower one falls below
    /// quantification (drawn at the axis floor), the 5th–95th percentile band.
    private static func addMedian(
        _ chart: inout Chart, levels: [LevelsByTime.Point], color: String, label: String, floor: Double?,
        timeUnit: TimeUnitText, bandOpacity: Double = 0.18, shape: MarkerShape = .circle
    ) {
        var median = Chart.Series(label: label, color: color, shape: shape, lineWidth: 2.2)
        median.markerSize = 3
        for point in levels {
            guard let m = point.median else { continue }
            median.markers.append(
                Chart.Marker(
                    x: point.time, y: m, filled: true,
                    tooltip:
                        "\(label), \(timeUnit.singular) \(SignificantFigures.format(point.time)): median \(SignificantFigures.format(m)), n=\(point.count)"
                ))
        }
        median.lines = Chart.unbrokenRuns(levels.map { point in point.median.map { (x: point.time, y: $0) } })
        if bandOpacity > 0 {
            let band = levels.map { point -> (x: Double, lower: Double, upper: Double)? in
                guard let upper = point.p95, let lower = point.p05 ?? floor else { return nil }
                return (point.time, lower, upper)
            }
            let bands = Chart.unbrokenRuns(band).map { Chart.Band(points: $0, color: color, opacity: bandOpacity) }
            chart.bands += bands
            if !bands.isEmpty && chart.extraLegend.isEmpty && label == "median" {
                chart.extraLegend.append(
                    Chart.LegendEntry(label: "5th–95th percentile", color: color, shape: .square, filled: false))
            }
        }
        chart.series.append(median)
    }

    /// Individual panels (observations and, when given, the fitted curve) laid out `columns` across and `rows`
    /// down, one image per page, every panel on the shared `yRange`. Captions are the panels' titles.
    /// `secondCurves`, when given (one per panel), are drawn dashed in grey under the fitted curve (a population
    /// fit's PRED beside its IPRED).
    static func smallMultiples(
        _ panels: [(profile: Profile, fitted: [(time: Double, value: Double)]?, title: String)],
        yRange: (lower: Double, upper: Double)?, timeUnit: TimeUnitText, lastTime: Double? = nil, columns: Int = 4,
        rows: Int = panelsPerPage / 4, secondCurves: [[(time: Double, value: Double)]] = []
    ) -> [SVGImage] {
        let panelWidth = 240.0
        let panelHeight = 172.0
        let perPage = columns * rows
        var pages: [SVGImage] = []
        var start = 0
        while start < panels.count {
            let slice = panels[start..<min(panels.count, start + perPage)]
            let usedRows = (slice.count + columns - 1) / columns
            var canvas = SVGCanvas(width: panelWidth * Double(columns), height: panelHeight * Double(usedRows))
            for (k, panel) in slice.enumerated() {
                var chart = Chart(title: panel.title, xLabel: timeUnit.plural, yLabel: panel.profile.unit ?? "level")
                chart.compact = true
                chart.xAxis = .log1p
                chart.width = panelWidth
                chart.height = panelHeight
                chart.yRange = yRange
                chart.xMaximum = lastTime
                var cut = panel.profile
                cut.observations = panel.profile.observations.filter { $0.time >= 0 }
                var drawn = ConcentrationPlots.series(cut, color: Palette.color(0), shape: .circle, time: timeUnit.unit)
                drawn.series.lines = []
                drawn.series.markerSize = 2.6
                // Tooltips of hundreds of small panels would triple the file; the tables hold the values.
                drawn.series.markers = drawn.series.markers.map { marker in
                    var marker = marker
                    marker.tooltip = nil
                    return marker
                }
                chart.series.append(drawn.series)
                if start + k < secondCurves.count {
                    let curve = secondCurves[start + k].filter {
                        $0.time >= 0 && $0.time.isFinite && $0.value.isFinite && $0.value >= (yRange?.lower ?? 0)
                            && $0.value > 0
                    }.map { (x: $0.time, y: $0.value) }
                    chart.series.append(
                        Chart.Series(label: nil, color: "#555555", lines: [curve], lineWidth: 1.3, dash: "4 3"))
                }
                if let fitted = panel.fitted {
                    let curve = fitted.filter { $0.time >= 0 && $0.time.isFinite && $0.value.isFinite && $0.value > 0 }
                        .map { (x: $0.time, y: $0.value) }
                    chart.series.append(Chart.Series(label: nil, color: "#D55E00", lines: [curve], lineWidth: 1.8))
                }
                if drawn.limits.count == 1, let lloq = drawn.limits.first { chart.references.append((lloq, "LLOQ")) }
                canvas.embed(
                    chart.render(), x: panelWidth * Double(k % columns), y: panelHeight * Double(k / columns))
            }
            let first = slice.first?.profile.subject ?? ""
            let last = slice.last?.profile.subject ?? ""
            pages.append(canvas.image(title: "Individual profiles \(first) to \(last)"))
            start += perPage
        }
        return pages
    }

    /// Exposure divided by dose against dose (log–log), with the power model's line exp(a)·dose^(b−1): flat when
    /// exposure is dose-proportional (b = 1).
    static func doseNormalised(
        _ points: [(subject: String, dose: Double?, exposure: Double?)], fit: PowerModelFit, parameter: String,
        unit: String?, doseUnit: String?, title: String
    ) -> SVGImage {
        let unitText = unit.map { "\($0)" } ?? "unit not given"
        var chart = Chart(
            title: title, xLabel: "Dose (\(doseUnit ?? "unit not given"))",
            yLabel: "\(parameter) / dose (\(unitText) per dose unit)")
        chart.xAxis = .logarithmic
        chart.width = 560
        chart.height = 380
        chart.legendOnTop = true
        var scatter = Chart.Series(label: "subject", color: "#0072B2", shape: .circle)
        scatter.markerSize = points.count > 200 ? 2.2 : 4
        var doses: [Double] = []
        for point in points {
            guard let dose = point.dose, let exposure = point.exposure, dose > 0, exposure > 0, dose.isFinite,
                exposure.isFinite
            else { continue }
            doses.append(dose)
            scatter.markers.append(
                Chart.Marker(
                    x: dose, y: exposure / dose, filled: true,
                    tooltip: points.count > 200 ? nil : "\(point.subject): \(exposure / dose)"))
        }
        chart.series = [scatter]
        if let a = fit.intercept, let b = fit.slope, let low = doses.min(), let high = doses.max(), high > low {
            let line = (0...20).map { k -> (x: Double, y: Double) in
                let d = exp(log(low) + (log(high) - log(low)) * Double(k) / 20)
                return (d, exp(a + (b - 1) * log(d)))
            }
            chart.series.append(
                Chart.Series(
                    label: "power model, b = \(SignificantFigures.format(b))", color: "#D55E00", lines: [line],
                    lineWidth: 2))
        }
        return chart.render()
    }

    /// `LLOQ 50`, `LLOQ 0.5`: the limit as written, without padding zeros.
    static func lloqLabel(_ lloq: Double) -> String { "LLOQ \(String(format: "%g", lloq))" }

    static func concentrationLabel(_ unit: String?) -> String {
        "Concentration (\(unit ?? "unit not given"))"
    }
}
