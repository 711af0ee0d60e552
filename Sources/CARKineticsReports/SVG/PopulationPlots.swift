import CARKineticsData
import CARKineticsModels
import CARKineticsStatistics
import Foundation

/// The figures of a population fit: observed against predicted, residuals, and the visual predictive check.
enum PopulationPlots {
    /// Points above which markers carry no tooltip (the file would grow by a tooltip per sample).
    static let tooltipLimit = 200

    /// Observed against PRED (`individual` false) or IPRED, with the line of identity. Samples below the limit
    /// are open triangles at their limit (they are not observations). `logarithmic`: both axes on log scale
    /// (the built-in models, whose error is on the log scale); values ≤ 0 are then not drawn.
    static func observedAgainstPredicted(
        _ predictions: [[PopulationPrediction]], individual: Bool, logarithmic: Bool, unit: String?
    ) -> SVGImage {
        let name = individual ? "IPRED" : "PRED"
        let unitText = unit ?? "unit not given"
        var chart = Chart(
            title: "Observed vs \(name)", xLabel: "\(name) (\(unitText))", yLabel: "Observed (\(unitText))")
        chart.xAxis = logarithmic ? .logarithmic : .linear
        chart.logarithmicY = logarithmic
        chart.width = 560
        chart.height = 440
        chart.legendOnTop = true
        let all = predictions.flatMap { $0 }
        let many = all.count > tooltipLimit
        var quantified = Chart.Series(label: "observation", color: "#0072B2", shape: .circle)
        quantified.markerSize = many ? 2.2 : 3.5
        var censored = Chart.Series(label: "BLQ, at its limit", color: "#D55E00", shape: .triangleUp)
        censored.markerSize = many ? 2.6 : 4
        var low = Double.infinity
        var high = -Double.infinity
        // On log axes a prediction far below every observation and limit (a BLQ sample's IPRED can be 1e-5)
        // would stretch the axis over decades with nothing in them: such predictions sit at a tenth of the
        // lowest observation or limit, the left edge.
        let floor = logarithmic ? (all.map(\.observed).filter { $0 > 0 && $0.isFinite }.min() ?? 1) / 10 : -.infinity
        for p in all {
            let x = max(floor, individual ? p.individual : p.population)
            let y = p.observed
            guard x.isFinite, y.isFinite, !logarithmic || (x > 0 && y > 0) else { continue }
            low = min(low, x, y)
            high = max(high, x, y)
            let tooltip = many ? nil : "t=\(SignificantFigures.format(p.time)): \(SignificantFigures.format(y))"
            if p.censored {
                censored.markers.append(Chart.Marker(x: x, y: y, filled: false, tooltip: tooltip))
            } else {
                quantified.markers.append(Chart.Marker(x: x, y: y, filled: true, tooltip: tooltip))
            }
        }
        if low.isFinite, high > low {
            if !logarithmic { low = min(0, low) }
            chart.series.append(
                Chart.Series(
                    label: "identity", color: "#444444", lines: [[(low, low), (high, high)]], lineWidth: 1,
                    dash: "5 3"))
            chart.yRange = (low, high)
        }
        chart.series.append(quantified)
        if !censored.markers.isEmpty { chart.series.append(censored) }
        return chart.render()
    }

    /// CWRES against time (ln(1 + t) axis) or against PRED, with lines at 0 and ±1.96.
    static func residuals(
        _ predictions: [[PopulationPrediction]], againstTime: Bool, logarithmicPrediction: Bool, unit: String?,
        timeUnit: TimeUnitText
    ) -> SVGImage {
        var chart = Chart(
            title: againstTime ? "CWRES vs time" : "CWRES vs PRED",
            xLabel: againstTime ? timeUnit.axisTitle : "PRED (\(unit ?? "unit not given"))", yLabel: "CWRES")
        chart.xAxis = againstTime ? .log1p : (logarithmicPrediction ? .logarithmic : .linear)
        chart.logarithmicY = false
        chart.width = 560
        chart.height = 400
        chart.legendOnTop = true
        let all = predictions.flatMap { $0 }
        let many = all.count > tooltipLimit
        var points = Chart.Series(label: "CWRES (quantified samples)", color: "#0072B2", shape: .circle)
        points.markerSize = many ? 2.2 : 3.5
        var largest = 3.0
        for p in all {
            guard let r = p.conditionalResidual, r.isFinite else { continue }
            let x = againstTime ? p.time : p.population
            guard x.isFinite, !(chart.xAxis.isLogarithmic && !(x > 0)) else { continue }
            largest = max(largest, abs(r))
            points.markers.append(
                Chart.Marker(
                    x: x, y: r, filled: true,
                    tooltip: many ? nil : "t=\(SignificantFigures.format(p.time)): \(SignificantFigures.format(r))"))
        }
        let bound = min(10, largest.rounded(.up))
        chart.yRange = (-bound, bound)
        // Residuals beyond ±10 sit on the frame rather than stretch the axis.
        points.markers = points.markers.map { marker in
            var marker = marker
            if let y = marker.y { marker.y = max(-bound, min(bound, y)) }
            return marker
        }
        chart.series.append(points)
        chart.references = [(0, "0"), (1.96, "±1.96"), (-1.96, "±1.96")]
        return chart.render()
    }

    /// The VPC: observed 5th, 50th and 95th percentiles per bin (lines; a percentile below the limit is not
    /// drawn) over the 95% intervals of the simulated percentiles (shaded; an interval reaching below the limit
    /// is drawn down to the floor of the axis), the observations behind them (grey) and the LLOQ.
    static func predictiveCheck(
        _ bins: [PredictiveCheck.Bin], subjects: [PopulationSubject], logarithmic: Bool, lloq: Double?,
        unit: String?, timeUnit: TimeUnitText, replicates: Int
    ) -> SVGImage {
        var chart = Chart(
            title: "Visual predictive check (\(replicates) simulated data sets)", xLabel: timeUnit.axisTitle,
            yLabel: StudyPlots.concentrationLabel(unit))
        chart.xAxis = .log1p
        chart.logarithmicY = logarithmic
        chart.width = 900
        chart.height = 380
        chart.legendOnTop = true
        var points = Chart.Series(label: nil, color: "#b8c2cc", shape: .circle)
        points.markerSize = 1.8
        var low = Double.infinity
        var high = -Double.infinity
        for subject in subjects {
            for (t, (v, c)) in zip(subject.times, zip(subject.values, subject.censored)) where !c {
                guard v.isFinite, !logarithmic || v > 0 else { continue }
                points.markers.append(Chart.Marker(x: t, y: v, filled: true, tooltip: nil))
                low = min(low, v)
                high = max(high, v)
            }
        }
        for bin in bins {
            for value in bin.observed.compactMap({ $0 })
                + bin.simulated.flatMap({ [$0.lower, $0.upper] }).compactMap({
                    $0
                })
            {
                guard !logarithmic || value > 0 else { continue }
                low = min(low, value)
                high = max(high, value)
            }
        }
        if let lloq, lloq > 0 { low = min(low, lloq) }
        if low.isFinite && high > low {
            if logarithmic {
                chart.yRange = (low, high)
            } else {
                chart.yRange = (min(0, low), high)
            }
        }
        let floor = chart.yRange?.lower ?? 0
        chart.series.append(points)
        let styles: [(name: String, color: String, dash: String?)] = [
            ("5th percentile", "#0072B2", "6 3"), ("median", "#D55E00", nil), ("95th percentile", "#0072B2", "6 3"),
        ]
        for (s, style) in styles.enumerated() {
            let band = bins.map { bin -> (x: Double, lower: Double, upper: Double)? in
                let interval = bin.simulated[s]
                guard let upper = interval.upper, let lower = interval.lower ?? (logarithmic ? floor : nil) else {
                    return nil
                }
                return (bin.time, max(lower, floor), upper)
            }
            chart.bands += Chart.unbrokenRuns(band).map { Chart.Band(points: $0, color: style.color, opacity: 0.16) }
            var line = Chart.Series(
                label: "observed \(style.name)", color: style.color, shape: .circle, lineWidth: 2,
                dash: style.dash)
            line.markerSize = 2.6
            for bin in bins {
                guard let y = bin.observed[s] else { continue }
                line.markers.append(
                    Chart.Marker(
                        x: bin.time, y: y, filled: true,
                        tooltip:
                            "\(timeUnit.singular) \(SignificantFigures.format(bin.time)), n=\(bin.count): observed \(style.name) \(SignificantFigures.format(y))"
                    ))
            }
            line.lines = Chart.unbrokenRuns(bins.map { bin in bin.observed[s].map { (x: bin.time, y: $0) } })
            chart.series.append(line)
        }
        chart.extraLegend.append(
            Chart.LegendEntry(label: "simulated 95% interval", color: "#0072B2", shape: .square, filled: false))
        if let lloq, lloq > 0 { chart.references.append((lloq, StudyPlots.lloqLabel(lloq))) }
        return chart.render()
    }

    /// The fraction of samples below the limit per bin: observed (line) over the simulated 95% interval (shaded).
    static func fractionBelow(_ bins: [PredictiveCheck.Bin], timeUnit: TimeUnitText) -> SVGImage {
        var chart = Chart(
            title: "Fraction below the LLOQ", xLabel: timeUnit.axisTitle, yLabel: "Fraction of samples BLQ")
        chart.xAxis = .log1p
        chart.logarithmicY = false
        chart.width = 900
        chart.height = 210
        chart.legendOnTop = true
        chart.yRange = (0, 1)
        chart.bands.append(
            Chart.Band(
                points: bins.map { ($0.time, $0.simulatedBelow.lower ?? 0, $0.simulatedBelow.upper ?? 0) },
                color: "#0072B2", opacity: 0.2))
        var line = Chart.Series(label: "observed", color: "#D55E00", shape: .circle, lineWidth: 2)
        line.markerSize = 3
        line.lines = [bins.map { ($0.time, $0.observedBelow) }]
        line.markers = bins.map {
            Chart.Marker(
                x: $0.time, y: $0.observedBelow, filled: true,
                tooltip:
                    "\(timeUnit.singular) \(SignificantFigures.format($0.time)), n=\($0.count): \(SignificantFigures.format($0.observedBelow))"
            )
        }
        chart.series.append(line)
        chart.extraLegend.append(
            Chart.LegendEntry(label: "simulated 95% interval", color: "#0072B2", shape: .square, filled: false))
        return chart.render()
    }
}

extension PopulationPlots {
    /// The VPC with the fraction below the LLOQ under it in one image, so the two are read together and never
    /// printed on different pages.
    static func stacked(_ top: SVGImage, _ bottom: SVGImage, title: String) -> SVGImage {
        var canvas = SVGCanvas(width: top.width, height: top.height + bottom.height)
        canvas.embed(top, x: 0, y: 0)
        canvas.embed(bottom, x: 0, y: top.height)
        return canvas.image(title: title)
    }
}

extension Chart.XAxis {
    /// Whether the axis cannot show values ≤ 0.
    var isLogarithmic: Bool {
        if case .logarithmic = self { return true }
        return false
    }
}
