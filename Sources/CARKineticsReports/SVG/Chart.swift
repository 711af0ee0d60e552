import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics
import Foundation

/// A two-dimensional chart drawn with ``SVGCanvas``: axes with ticks and grid lines, series of
/// lines and markers, horizontal reference lines and a legend on the right. The plot builders
/// (``ConcentrationPlots``, ``CohortPlots``) fill one in; it is not API.
struct Chart {
    enum XAxis {
        /// Numeric data on a linear axis.
        case linear
        /// Positive numeric data on a log10 axis.
        case logarithmic
        /// Named categories at x = 0, 1, …, k − 1.
        case categories([String])
        /// Time in days on ln(1 + t) (``AxisLayout/log1p(maximum:)``); points before day 0 are not drawn.
        case log1p
    }

    /// A shaded band between a lower and an upper line (e.g. the 5th–95th percentiles of a cohort's levels).
    struct Band {
        var points: [(x: Double, lower: Double, upper: Double)]
        var color: String
        var opacity = 0.18
    }

    /// The stretches of `items` between the nils that hold at least two elements: the pieces of a line or band
    /// interrupted where a value is missing (one point alone draws nothing).
    static func unbrokenRuns<Element>(_ items: [Element?]) -> [[Element]] {
        var runs: [[Element]] = []
        var current: [Element] = []
        for item in items {
            if let item {
                current.append(item)
            } else {
                if current.count >= 2 { runs.append(current) }
                current = []
            }
        }
        if current.count >= 2 { runs.append(current) }
        return runs
    }

    /// A box plot at category position `x`: box from q1 to q3, a line at the median, whiskers to low and high.
    struct Box {
        var x: Double
        var low: Double
        var q1: Double
        var median: Double
        var q3: Double
        var high: Double
        var color: String
        var halfWidth = 0.28
    }

    /// No legend lists more entries than this; beyond it the plot builders draw summaries instead of
    /// labelling every subject (and the legend itself ends with "+n more").
    static let legendLimit = 12

    struct Marker {
        var x: Double
        /// `nil` places the marker on the floor of the y axis (a value a log axis cannot show).
        var y: Double?
        var filled: Bool
        var tooltip: String?
        /// Overrides the series' shape (BLQ markers).
        var shape: MarkerShape?
    }

    struct Series {
        var label: String?
        var color: String
        var shape: MarkerShape = .circle
        /// Each inner array is one unbroken polyline.
        var lines: [[(x: Double, y: Double)]] = []
        var markers: [Marker] = []
        var lineWidth = 1.5
        var dash: String?
        /// Half-width of horizontal bars drawn at each marker instead of a symbol (median lines).
        var barHalfWidth: Double?
        /// Marker radius in pixels.
        var markerSize = 4.5
    }

    struct LegendEntry {
        var label: String
        var color: String
        var shape: MarkerShape?
        var filled = true
        var dash: String?
        /// Text without a symbol ("+3 more").
        var textOnly = false
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var xAxis: XAxis = .linear
    var logarithmicY = true
    var series: [Series] = []
    /// Horizontal dashed reference lines (value, label), e.g. the LLOQ; named in the legend (compact charts:
    /// in the caption).
    var references: [(value: Double, label: String)] = []
    var extraLegend: [LegendEntry] = []
    var width = 900.0
    var height = 440.0
    /// Legend in one row under the title instead of a column on the right (for small plots).
    var legendOnTop = false
    /// A fixed y range (data units) instead of the data's own, so panels side by side share one scale.
    var yRange: (lower: Double, upper: Double)?
    /// Shaded bands, drawn under the series.
    var bands: [Band] = []
    /// Box plots, drawn under the series (category axes).
    var boxes: [Box] = []
    /// Small margins and type for small multiples (no legend, short axis titles).
    var compact = false
    /// The last time a ln(1 + t) axis must show (e.g. the study's last sample), beyond the data drawn.
    var xMaximum: Double?

    private let axisColor = "#444"
    private let gridColor = "#e3e3e3"

    func render() -> SVGImage {
        var canvas = SVGCanvas(width: width, height: height)
        let allEntries =
            series.compactMap { s in
                s.label.map {
                    LegendEntry(
                        label: $0, color: s.color, shape: s.barHalfWidth == nil && !s.markers.isEmpty ? s.shape : nil,
                        dash: s.dash)
                }
            } + extraLegend
            // Reference lines are named in the legend, not on the plot, where a label and the points would hide
            // each other.
            // One entry per label: lines at ±1.96 share theirs.
            + references.enumerated().filter { k, reference in
                !references.prefix(k).contains { $0.label == reference.label }
            }.map { LegendEntry(label: $0.element.label, color: "#888", shape: nil, dash: "6 4") }
        let legend = Self.capped(allEntries)
        let legendWidth = legend.isEmpty || legendOnTop || compact ? 0.0 : 170
        let left = compact ? 46.0 : 78.0
        let right = (compact ? 8 : 16) + legendWidth
        let bottom = compact ? 30.0 : 56.0
        let legendRows = legendOnTop && !compact ? Self.rowLayout(legend, x: left, maxX: width - 16) : []
        let top = (compact ? 22.0 : 40.0) + 18 * Double(legendRows.map(\.row).max().map { $0 + 1 } ?? 0)
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let tickSize = compact ? 9.0 : 12

        canvas.text(title, x: compact ? 6 : left, y: compact ? 15 : 24, size: compact ? 11 : 15, weight: "bold")
        let yLayout = yAxisLayout()
        let xLayout = xAxisLayout()
        func px(_ x: Double) -> Double { left + xLayout.fraction(x) * plotWidth }
        func py(_ y: Double?) -> Double {
            guard let y else { return top + plotHeight }
            return top + (1 - yLayout.fraction(y)) * plotHeight
        }

        canvas.rect(x: left, y: top, width: plotWidth, height: plotHeight, fill: "white", stroke: axisColor)
        for tick in yLayout.ticks {
            let y = py(tick.value)
            if tick.isMajor { canvas.line(x1: left, y1: y, x2: left + plotWidth, y2: y, stroke: gridColor) }
            canvas.line(x1: left - (tick.isMajor ? 6 : 3), y1: y, x2: left, y2: y, stroke: axisColor)
            if let label = tick.label {
                canvas.text(
                    label, x: left - (compact ? 5 : 9), y: y + 4, anchor: .end,
                    size: tick.isMajor ? tickSize : tickSize - 2, color: tick.isMajor ? "#222" : "#666")
            }
        }
        for tick in xLayout.ticks {
            let x = px(tick.value)
            if case .categories = xAxis {
            } else if tick.isMajor {
                canvas.line(x1: x, y1: top, x2: x, y2: top + plotHeight, stroke: gridColor)
            }
            canvas.line(x1: x, y1: top + plotHeight, x2: x, y2: top + plotHeight + 6, stroke: axisColor)
            if let label = tick.label {
                canvas.text(label, x: x, y: top + plotHeight + (compact ? 14 : 20), anchor: .middle, size: tickSize)
            }
        }
        canvas.text(
            xLabel, x: left + plotWidth / 2, y: height - (compact ? 4 : 12), anchor: .middle, size: compact ? 10 : 13)
        canvas.text(
            yLabel, x: compact ? 10 : 18, y: top + plotHeight / 2, anchor: .middle, size: compact ? 10 : 13,
            rotate: -90)

        for reference in references {
            let y = py(reference.value)
            canvas.line(x1: left, y1: y, x2: left + plotWidth, y2: y, stroke: "#888", width: 1, dash: "6 4")
        }
        for band in bands where band.points.count >= 2 {
            let upper = band.points.map { (px($0.x), py($0.upper)) }
            let lower = band.points.reversed().map { (px($0.x), py($0.lower)) }
            canvas.polygon(upper + lower, fill: band.color, opacity: band.opacity)
        }
        for box in boxes {
            let x0 = px(box.x - box.halfWidth)
            let x1 = px(box.x + box.halfWidth)
            let xm = px(box.x)
            canvas.line(x1: xm, y1: py(box.low), x2: xm, y2: py(box.q1), stroke: box.color, width: 1.2)
            canvas.line(x1: xm, y1: py(box.q3), x2: xm, y2: py(box.high), stroke: box.color, width: 1.2)
            for end in [box.low, box.high] {
                canvas.line(
                    x1: px(box.x - box.halfWidth / 2), y1: py(end), x2: px(box.x + box.halfWidth / 2), y2: py(end),
                    stroke: box.color, width: 1.2)
            }
            canvas.rect(
                x: x0, y: py(box.q3), width: x1 - x0, height: max(0.5, py(box.q1) - py(box.q3)), fill: "#eef3f8",
                stroke: box.color)
            canvas.line(x1: x0, y1: py(box.median), x2: x1, y2: py(box.median), stroke: box.color, width: 2.5)
        }
        for s in series {
            for line in s.lines {
                canvas.polyline(line.map { (px($0.x), py($0.y)) }, stroke: s.color, width: s.lineWidth, dash: s.dash)
            }
            for m in s.markers {
                if let half = s.barHalfWidth {
                    canvas.line(
                        x1: px(m.x - half), y1: py(m.y), x2: px(m.x + half), y2: py(m.y), stroke: s.color,
                        width: s.lineWidth)
                } else {
                    canvas.marker(
                        m.shape ?? s.shape, x: px(m.x), y: py(m.y), color: s.color, filled: m.filled,
                        size: s.markerSize, tooltip: m.tooltip)
                }
            }
        }
        if compact {
        } else if legendOnTop {
            for (entry, place) in zip(legend, legendRows) {
                drawLegendEntry(entry, into: &canvas, x: place.x, y: 42 + 18 * Double(place.row))
            }
        } else {
            drawLegend(legend, into: &canvas, x: width - legendWidth, top: top, height: plotHeight)
        }
        return canvas.image(title: title)
    }

    /// At most ``legendLimit`` entries: the first `legendLimit − 1` and a last one saying how many are not listed.
    static func capped(_ entries: [LegendEntry]) -> [LegendEntry] {
        guard entries.count > legendLimit else { return entries }
        return Array(entries.prefix(legendLimit - 1)) + [
            LegendEntry(label: "+\(entries.count - legendLimit + 1) more", color: "#666", shape: nil, textOnly: true)
        ]
    }

    private func drawLegend(
        _ entries: [LegendEntry], into canvas: inout SVGCanvas, x: Double, top: Double, height: Double
    ) {
        let rowHeight = 18.0
        let capacity = max(1, Int(height / rowHeight))
        let shown = entries.count > capacity ? Array(entries.prefix(capacity - 1)) : entries
        for (i, entry) in shown.enumerated() {
            let y = top + 8 + Double(i) * rowHeight
            if entry.textOnly {
            } else if entry.shape == nil || entry.dash != nil {
                canvas.line(x1: x + 4, y1: y, x2: x + 26, y2: y, stroke: entry.color, width: 2, dash: entry.dash)
            }
            if let shape = entry.shape {
                canvas.marker(shape, x: x + 15, y: y, color: entry.color, filled: entry.filled)
            }
            let label = entry.label.count > 20 ? String(entry.label.prefix(19)) + "…" : entry.label
            canvas.text(label, x: x + 32, y: y + 4, size: 12)
        }
        if shown.count < entries.count {
            canvas.text(
                "+\(entries.count - shown.count) more", x: x + 32, y: top + 8 + Double(shown.count) * rowHeight + 4,
                size: 12, color: "#666")
        }
    }

    /// Where each legend entry goes when entries run side by side, each as wide as its label needs
    /// (about 7 px per character at 12 px), wrapping to a new row at `maxX`.
    static func rowLayout(_ entries: [LegendEntry], x: Double, maxX: Double) -> [(x: Double, row: Int)] {
        var places: [(x: Double, row: Int)] = []
        var position = x
        var row = 0
        for entry in entries {
            let width = 28 + 7 * Double(entry.label.count)
            if position > x && position + width > maxX {
                position = x
                row += 1
            }
            places.append((position, row))
            position += width + 18
        }
        return places
    }

    private func drawLegendEntry(_ entry: LegendEntry, into canvas: inout SVGCanvas, x: Double, y: Double) {
        if entry.textOnly {
        } else if entry.shape == nil || entry.dash != nil {
            canvas.line(x1: x, y1: y, x2: x + 22, y2: y, stroke: entry.color, width: 2, dash: entry.dash)
        }
        if let shape = entry.shape {
            canvas.marker(shape, x: x + 11, y: y, color: entry.color, filled: entry.filled)
        }
        canvas.text(entry.label, x: x + 28, y: y + 4, size: 12)
    }

    private func yValues() -> [Double] {
        series.flatMap { s in s.lines.flatMap { $0.map(\.y) } + s.markers.compactMap(\.y) } + references.map(\.value)
            + bands.flatMap { $0.points.flatMap { [$0.lower, $0.upper] } } + boxes.flatMap { [$0.low, $0.high] }
    }

    private func yAxisLayout() -> AxisLayout {
        if let yRange {
            return logarithmicY
                ? .logarithmic(minimum: yRange.lower, maximum: yRange.upper)
                : .linear(minimum: yRange.lower, maximum: yRange.upper)
        }
        let values = yValues().filter { $0.isFinite && (!logarithmicY || $0 > 0) }
        guard let low = values.min(), let high = values.max() else {
            return logarithmicY ? .logarithmic(minimum: 1, maximum: 10) : .linear(minimum: 0, maximum: 1)
        }
        return logarithmicY ? .logarithmic(minimum: low, maximum: high) : .linear(minimum: min(0, low), maximum: high)
    }

    private func xAxisLayout() -> AxisLayout {
        switch xAxis {
        case .categories(let names):
            let ticks = names.enumerated().map { AxisTick(value: Double($0.offset), label: $0.element, isMajor: true) }
            return AxisLayout(lower: -0.5, upper: Double(max(1, names.count)) - 0.5, ticks: ticks, isLogarithmic: false)
        case .logarithmic:
            let values = series.flatMap { s in s.lines.flatMap { $0.map(\.x) } + s.markers.map(\.x) }.filter {
                $0.isFinite && $0 > 0
            }
            guard let low = values.min(), let high = values.max() else { return .logarithmic(minimum: 1, maximum: 10) }
            return .logarithmic(minimum: low, maximum: high)
        case .log1p:
            let values = series.flatMap { s in s.lines.flatMap { $0.map(\.x) } + s.markers.map(\.x) }.filter {
                $0.isFinite && $0 >= 0
            }
            return .log1p(maximum: max(values.max() ?? 0, xMaximum ?? 0))
        case .linear:
            let values = series.flatMap { s in s.lines.flatMap { $0.map(\.x) } + s.markers.map(\.x) }.filter(\.isFinite)
            guard let low = values.min(), let high = values.max() else { return .linear(minimum: 0, maximum: 1) }
            return .linear(minimum: min(0, low), maximum: high, padding: 0.03)
        }
    }
}

/// Colours for subjects: the Okabe–Ito colour-blind-safe set (yellow left out, too pale on white)
/// followed by darker distinct tones; beyond that, colours repeat with a different marker shape.
enum Palette {
    static let colors = [
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
        "#8C564B", "#7F7F7F", "#BCBD22", "#17BECF", "#9467BD",
    ]

    static func color(_ index: Int) -> String { colors[index % colors.count] }

    static func shape(_ index: Int) -> MarkerShape {
        MarkerShape.allCases[(index / colors.count) % MarkerShape.allCases.count]
    }
}
