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
    }

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
    }

    struct LegendEntry {
        var label: String
        var color: String
        var shape: MarkerShape?
        var filled = true
        var dash: String?
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var xAxis: XAxis = .linear
    var logarithmicY = true
    var series: [Series] = []
    /// Horizontal dashed reference lines (value, label), e.g. the LLOQ.
    var references: [(value: Double, label: String)] = []
    var extraLegend: [LegendEntry] = []
    var width = 900.0
    var height = 440.0
    /// Legend in one row under the title instead of a column on the right (for small plots).
    var legendOnTop = false

    private let axisColor = "#444"
    private let gridColor = "#e3e3e3"

    func render() -> SVGImage {
        var canvas = SVGCanvas(width: width, height: height)
        let legend =
            series.compactMap { s in
                s.label.map {
                    LegendEntry(
                        label: $0, color: s.color, shape: s.barHalfWidth == nil && !s.markers.isEmpty ? s.shape : nil,
                        dash: s.dash)
                }
            } + extraLegend
        let legendWidth = legend.isEmpty || legendOnTop ? 0.0 : 170
        let left = 78.0
        let right = 16 + legendWidth
        let bottom = 56.0
        let legendRows = legendOnTop ? Self.rowLayout(legend, x: left, maxX: width - 16) : []
        let top = 40.0 + 18 * Double(legendRows.map(\.row).max().map { $0 + 1 } ?? 0)
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom

        canvas.text(title, x: left, y: 24, size: 15, weight: "bold")
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
                    label, x: left - 9, y: y + 4, anchor: .end, size: tick.isMajor ? 12 : 10,
                    color: tick.isMajor ? "#222" : "#666")
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
                canvas.text(label, x: x, y: top + plotHeight + 20, anchor: .middle)
            }
        }
        canvas.text(xLabel, x: left + plotWidth / 2, y: height - 12, anchor: .middle, size: 13)
        canvas.text(yLabel, x: 18, y: top + plotHeight / 2, anchor: .middle, size: 13, rotate: -90)

        for reference in references {
            let y = py(reference.value)
            canvas.line(x1: left, y1: y, x2: left + plotWidth, y2: y, stroke: "#888", width: 1, dash: "6 4")
            canvas.text(reference.label, x: left + plotWidth - 4, y: y - 8, anchor: .end, size: 10, color: "#666")
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
                        m.shape ?? s.shape, x: px(m.x), y: py(m.y), color: s.color, filled: m.filled, tooltip: m.tooltip
                    )
                }
            }
        }
        if legendOnTop {
            for (entry, place) in zip(legend, legendRows) {
                drawLegendEntry(entry, into: &canvas, x: place.x, y: 42 + 18 * Double(place.row))
            }
        } else {
            drawLegend(legend, into: &canvas, x: width - legendWidth, top: top, height: plotHeight)
        }
        return canvas.image(title: title)
    }

    private func drawLegend(
        _ entries: [LegendEntry], into canvas: inout SVGCanvas, x: Double, top: Double, height: Double
    ) {
        let rowHeight = 18.0
        let capacity = max(1, Int(height / rowHeight))
        let shown = entries.count > capacity ? Array(entries.prefix(capacity - 1)) : entries
        for (i, entry) in shown.enumerated() {
            let y = top + 8 + Double(i) * rowHeight
            if entry.shape == nil || entry.dash != nil {
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
        if entry.shape == nil || entry.dash != nil {
            canvas.line(x1: x, y1: y, x2: x + 22, y2: y, stroke: entry.color, width: 2, dash: entry.dash)
        }
        if let shape = entry.shape {
            canvas.marker(shape, x: x + 11, y: y, color: entry.color, filled: entry.filled)
        }
        canvas.text(entry.label, x: x + 28, y: y + 4, size: 12)
    }

    private func yValues() -> [Double] {
        series.flatMap { s in s.lines.flatMap { $0.map(\.y) } + s.markers.compactMap(\.y) } + references.map(\.value)
    }

    private func yAxisLayout() -> AxisLayout {
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
