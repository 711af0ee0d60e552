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
    static func pointsByCohort(
        _ cohorts: [(name: String, values: [SubjectValue])], parameter: String,
        unit: String?, title: String, groupLabel: String = "Cohort"
    ) -> SVGImage {
        let names = cohorts.map { cohort in "\(cohort.name) (n=\(cohort.values.filter { $0.value != nil }.count))" }
        var chart = Chart(title: title, xLabel: groupLabel, yLabel: unit.map { "\(parameter) (\($0))" } ?? parameter)
        chart.xAxis = .categories(names)
        chart.width = max(520, min(1100, 220 + 110 * Double(cohorts.count)))
        var points = Chart.Series(label: "subject", color: "#0072B2", shape: .circle)
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
                        tooltip: "\(item.subject): \(value)"))
            }
            let finite = drawn.compactMap(\.value).filter(\.isFinite).sorted()
            if let median = DescriptiveStatistics.quantile(sorted: finite, probability: 0.5) {
                medians.markers.append(Chart.Marker(x: Double(index), y: median > 0 ? median : nil, filled: true))
            }
        }
        chart.series = [points, medians]
        return chart.render()
    }

    /// Exposure against dose on log–log axes with the fitted power-model line
    /// exp(a)·dose^b over the range of doses (when the fit has a slope). Pairs with a missing or
    /// non-positive dose or exposure are not drawn (the fit leaves them out too).
    static func doseExposure(
        _ points: [(subject: String, dose: Double?, exposure: Double?)], fit: PowerModelFit,
        parameter: String, unit: String?, title: String
    ) -> SVGImage {
        var chart = Chart(title: title, xLabel: "Dose", yLabel: unit.map { "\(parameter) (\($0))" } ?? parameter)
        chart.xAxis = .logarithmic
        var scatter = Chart.Series(label: "subject", color: "#0072B2", shape: .circle)
        var doses: [Double] = []
        for point in points {
            guard let dose = point.dose, let exposure = point.exposure, dose > 0, exposure > 0,
                dose.isFinite, exposure.isFinite
            else { continue }
            doses.append(dose)
            scatter.markers.append(
                Chart.Marker(x: dose, y: exposure, filled: true, tooltip: "\(point.subject): \(exposure)"))
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
