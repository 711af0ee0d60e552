import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics
import Foundation

/// Plots of exposure–response and persistence (issue 17).
enum ResponsePlots {
    /// The fitted logistic curve P(responder) = 1/(1 + e^−(β₀ + β₁ ln x)) over the observed exposure range (log
    /// x axis, 200 points evenly spaced in ln x) with each subject's outcome as a point at 1 (responder) or
    /// 0 (non-responder).
    static func logisticCurve(
        responders: [SubjectValue], nonResponders: [SubjectValue], fit: LogisticFit,
        parameter: String, unit: String?, title: String
    ) -> SVGImage {
        var chart = Chart(title: title, xLabel: unit.map { "\(parameter) (\($0))" } ?? parameter, yLabel: "P(response)")
        chart.xAxis = .logarithmic
        chart.logarithmicY = false
        var yes = Chart.Series(label: "responder", color: "#009E73", shape: .circle)
        var no = Chart.Series(label: "non-responder", color: "#D55E00", shape: .square)
        for (series, values, outcome) in [(0, responders, 1.0), (1, nonResponders, 0.0)] {
            for item in values {
                guard let x = item.value, x > 0, x.isFinite else { continue }
                let marker = Chart.Marker(x: x, y: outcome, filled: true, tooltip: "\(item.subject): \(x)")
                if series == 0 { yes.markers.append(marker) } else { no.markers.append(marker) }
            }
        }
        let xs = (yes.markers + no.markers).map(\.x)
        var curve = Chart.Series(
            label: "\(fit.method == .firth ? "Firth" : "ML") logistic fit", color: "#0072B2", lineWidth: 2)
        if let low = xs.min(), let high = xs.max(), high > low {
            let a = log(low)
            let b = log(high)
            curve.lines = [
                (0...200).map { k in
                    let x = exp(a + (b - a) * Double(k) / 200)
                    return (x, 1 / (1 + exp(-(fit.intercept + fit.slope * log(x)))))
                }
            ]
        }
        chart.series = [curve, yes, no]
        return chart.render()
    }

    /// Kaplan–Meier step curves per group (days on a linear axis, Ŝ from 0 to 1), censored times marked with
    /// open markers on the curve.
    static func kaplanMeier(
        _ groups: [(name: String, estimate: KaplanMeier)], title: String, timeUnit: TimeUnitText = .days
    ) -> SVGImage {
        var chart = Chart(title: title, xLabel: timeUnit.axisTitle, yLabel: "Proportion with detectable CAR-T")
        chart.logarithmicY = false
        for (index, group) in groups.enumerated() {
            var series = Chart.Series(
                label: "\(group.name) (n=\(group.estimate.count))", color: Palette.color(index),
                shape: Palette.shape(index), lineWidth: 2)
            var line: [(x: Double, y: Double)] = [(0, 1)]
            var level = 1.0
            for step in group.estimate.steps {
                line.append((step.time, level))
                level = step.survival
                line.append((step.time, level))
                if step.censored > 0 {
                    series.markers.append(
                        Chart.Marker(
                            x: step.time, y: level, filled: false,
                            tooltip: "\(step.censored) censored at day \(step.time)"))
                }
            }
            series.lines = [line]
            chart.series.append(series)
        }
        return chart.render()
    }
}
