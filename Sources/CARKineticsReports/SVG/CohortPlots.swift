import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics
import Foundation

/// One subject's value of a parameter, for plots by cohort.
struct SubjectValue: Sendable, Equatable {
    /// Subject identifier (shown as the point's tooltip).
    var subject: String
    /// `nil` = not computed; not drawn.
    var value: Double?
}

/// Plots comparing cohorts.
enum CohortPlots {
    /// Each subject's value as a point above its cohort's name (log10 axis), spread sideways by a
    /// fixed, data-independent offset so equal values stay visible, and a horizontal bar at the
    /// cohort's median (type 7, as in ``DescriptiveStatistics``, so it matches the summary table).
    /// Values ≤ 0, and a median ≤ 0, sit on the axis floor (values as open markers); missing values
    /// are not drawn. Category labels show n, the
    /// count of values drawn.
    /// `groupLabel` titles the category axis (e.g. the grouping column's name).
    /// With `boxes`, each cohort also gets a box plot of its values > 0: box from the first to the third
    /// quartile and a line at the median (type 7, as in the summary table), whiskers to the smallest and largest
    /// value; the median bars are then left out (the box draws the median).
    static func pointsByCohort(
        _ cohorts: [(name: String, values: [SubjectValue])], parameter: String,
        unit: String?, title: String, groupLabel: String = "Cohort", boxes: Bool = false
    ) -> SVGImage {
        pointsByCohortChart(
            cohorts, parameter: parameter, unit: unit, title: title, groupLabel: groupLabel, boxes: boxes
        ).render()
    }

    /// The chart ``pointsByCohort(_:parameter:unit:title:groupLabel:boxes:)`` draws.
    static func pointsByCohortChart(
        _ cohorts: [(name: String, values: [SubjectValue])], parameter: String,
        unit: String?, title: String, groupLabel: String = "Cohort", boxes: Bool = false
    ) -> Chart {
        let names = cohorts.map { cohort in "\(cohort.name) (n=\(cohort.values.filter { $0.value != nil }.count))" }
        var chart = Chart(title: title, xLabel: groupLabel, yLabel: unit.map { "\(parameter) (\($0))" } ?? parameter)
        chart.xAxis = .categories(names)
        chart.width = max(520, min(1100, 220 + 110 * Double(cohorts.count)))
        let total = cohorts.map(\.values.count).reduce(0, +)
        // Hundreds of points: smaller, and without tooltips (the per-subject table has the values).
        let many = total > 200
        var points = Chart.Series(label: "subject", color: "#0072B2", shape: .circle)
        if many { points.markerSize = 2.2 }
        var medians = Chart.Series(label: "median", color: "#D55E00", lineWidth: 3, barHalfWidth: 0.3)
        for (index, cohort) in cohorts.enumerated() {
            let drawn = cohort.values.filter { $0.value != nil }
            for (k, item) in drawn.enumerated() {
                guard let value = item.value else { continue }
                let offset = drawn.count == 1 ? 0 : -0.18 + 0.36 * Double(k) / Double(drawn.count - 1)
                let positive = value > 0 && value.isFinite
                points.markers.append(
                    Chart.Marker(
                        x: Double(index) + offset, y: positive ? value : nil, filled: positive,
                        tooltip: many ? nil : "\(item.subject): \(value)"))
            }
            if boxes {
                let positive = drawn.compactMap(\.value).filter { $0 > 0 && $0.isFinite }.sorted()
                if let q1 = DescriptiveStatistics.quantile(sorted: positive, probability: 0.25),
                    let median = DescriptiveStatistics.quantile(sorted: positive, probability: 0.5),
                    let q3 = DescriptiveStatistics.quantile(sorted: positive, probability: 0.75),
                    let low = positive.first, let high = positive.last
                {
                    chart.boxes.append(
                        Chart.Box(
                            x: Double(index), low: low, q1: q1, median: median, q3: q3, high: high, color: "#333"))
                }
                continue
            }
            let finite = drawn.compactMap(\.value).filter(\.isFinite).sorted()
            if let median = DescriptiveStatistics.quantile(sorted: finite, probability: 0.5) {
                medians.markers.append(Chart.Marker(x: Double(index), y: median > 0 ? median : nil, filled: true))
            }
        }
        chart.series = boxes ? [points] : [points, medians]
        if boxes {
            chart.extraLegend.append(
                Chart.LegendEntry(label: "box: quartiles", color: "#333", shape: .square, filled: false))
        }
        return chart
    }

    /// Exposure against dose on log–log axes with the fitted power-model line
    /// exp(a)·dose^b over the range of doses (when the fit has a slope). Pairs with a missing or
    /// non-positive dose or exposure are not drawn (the fit leaves them out too).
    static func doseExposure(
        _ points: [(subject: String, dose: Double?, exposure: Double?)], fit: PowerModelFit,
        parameter: String, unit: String?, title: String, doseUnit: String? = nil
    ) -> SVGImage {
        var chart = Chart(
            title: title, xLabel: "Dose (\(doseUnit ?? "unit not given"))",
            yLabel: "\(parameter) (\(unit ?? "unit not given"))")
        chart.width = 560
        chart.height = 380
        chart.legendOnTop = true
        chart.xAxis = .logarithmic
        var scatter = Chart.Series(label: "subject", color: "#0072B2", shape: .circle)
        if points.count > 200 { scatter.markerSize = 2.2 }
        var doses: [Double] = []
        for point in points {
            guard let dose = point.dose, let exposure = point.exposure, dose > 0, exposure > 0,
                dose.isFinite, exposure.isFinite
            else { continue }
            doses.append(dose)
            scatter.markers.append(
                Chart.Marker(
                    x: dose, y: exposure, filled: true,
                    tooltip: points.count > 200 ? nil : "\(point.subject): \(exposure)"))
        }
        chart.series = [scatter]
        if let a = fit.intercept, let b = fit.slope, let low = doses.min(), let high = doses.max(), high > low {
            let line = (0...20).map { k -> (x: Double, y: Double) in
                let d = exp(log(low) + (log(high) - log(low)) * Double(k) / 20)
                return (d, exp(a + b * log(d)))
            }
            let label = "fit, b = \(SignificantFigures.format(b))"
            chart.series.append(Chart.Series(label: label, color: "#D55E00", lines: [line], lineWidth: 2))
        }
        return chart.render()
    }
}
