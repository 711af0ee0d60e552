import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics

/// A finished SVG picture: standalone SVG 1.1 markup that can be written to a `.svg` file or
/// placed inline in HTML.
public struct SVGImage: Sendable, Equatable {
    /// Width in CSS pixels.
    public var width: Double
    /// Height in CSS pixels.
    public var height: Double
    /// The complete `<svg>…</svg>` element, with `xmlns`, a `viewBox` and a `<title>`.
    public var markup: String
}

/// Accumulates SVG elements; every text and attribute value from outside is escaped here.
struct SVGCanvas {
    let width: Double
    let height: Double
    private var body: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    static func number(_ x: Double) -> String {
        // Two decimals are far below a pixel; trimming keeps the markup short. Coordinates are written by the
        // hundred thousand in a large report, so the usual range is done with integers (String(format:) was a
        // fifth of a 5,000-subject report's time); ties round away from zero, invisible at 1/100 px.
        let scaled = (x * 100).rounded()
        if scaled.magnitude < 1e15 {
            let hundredths = Int(scaled)
            if hundredths == 0 { return "0" }
            let magnitude = hundredths.magnitude
            var text = hundredths < 0 ? "-" : ""
            text += String(magnitude / 100)
            let fraction = magnitude % 100
            if fraction != 0 {
                text += fraction % 10 == 0 ? ".\(fraction / 10)" : (fraction < 10 ? ".0\(fraction)" : ".\(fraction)")
            }
            return text
        }
        var s = String(format: "%.2f", x)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s == "-0" ? "0" : s
    }

    private static func attributes(_ pairs: [(String, String)]) -> String {
        pairs.map { " \($0.0)=\"\(MarkupEscaping.escape($0.1))\"" }.joined()
    }

    mutating func line(
        x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1,
        dash: String? = nil
    ) {
        var a = [
            ("x1", Self.number(x1)), ("y1", Self.number(y1)), ("x2", Self.number(x2)), ("y2", Self.number(y2)),
            ("stroke", stroke), ("stroke-width", Self.number(width)),
        ]
        if let dash { a.append(("stroke-dasharray", dash)) }
        body.append("<line\(Self.attributes(a))/>")
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 1.5, dash: String? = nil) {
        guard points.count >= 2 else { return }
        let list = points.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")
        var a = [
            ("points", list), ("fill", "none"), ("stroke", stroke), ("stroke-width", Self.number(width)),
            ("stroke-linejoin", "round"),
        ]
        if let dash { a.append(("stroke-dasharray", dash)) }
        body.append("<polyline\(Self.attributes(a))/>")
    }

    mutating func rect(
        x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil,
        opacity: Double? = nil
    ) {
        var a = [
            ("x", Self.number(x)), ("y", Self.number(y)), ("width", Self.number(width)),
            ("height", Self.number(height)), ("fill", fill),
        ]
        if let stroke { a.append(("stroke", stroke)) }
        if let opacity { a.append(("fill-opacity", Self.number(opacity))) }
        body.append("<rect\(Self.attributes(a))/>")
    }

    /// A filled polygon without outline (bands).
    mutating func polygon(_ points: [(Double, Double)], fill: String, opacity: Double) {
        guard points.count >= 3 else { return }
        let list = points.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")
        body.append(
            "<polygon\(Self.attributes([("points", list), ("fill", fill), ("fill-opacity", Self.number(opacity)), ("stroke", "none")]))/>"
        )
    }

    /// Another finished image placed at (x, y) inside this one (small multiples on one page).
    mutating func embed(_ image: SVGImage, x: Double, y: Double) {
        // A nested <svg> is its own viewport; the inner one keeps its title and viewBox.
        let opening = "<svg xmlns=\"http://www.w3.org/2000/svg\" "
        var markup = image.markup
        if markup.hasPrefix(opening) {
            markup = "<svg x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" " + markup.dropFirst(opening.count)
        }
        body.append(markup)
    }

    /// A marker centred at (x, y): filled in `color`, or open (white fill, coloured outline).
    mutating func marker(
        _ shape: MarkerShape, x: Double, y: Double, color: String, filled: Bool, size: Double = 4.5,
        tooltip: String? = nil
    ) {
        let fill = filled ? color : "white"
        let style = [("fill", fill), ("stroke", color), ("stroke-width", "1.5")]
        let element: String
        switch shape {
        case .circle:
            element =
                "<circle\(Self.attributes([("cx", Self.number(x)), ("cy", Self.number(y)), ("r", Self.number(size))] + style))"
        case .square:
            let s = size * 0.9
            element =
                "<rect\(Self.attributes([("x", Self.number(x - s)), ("y", Self.number(y - s)), ("width", Self.number(2 * s)), ("height", Self.number(2 * s))] + style))"
        case .triangleUp, .triangleDown, .diamond:
            let k = size * 1.2
            let vertices: [(Double, Double)]
            switch shape {
            case .triangleUp: vertices = [(x, y - k), (x + k, y + 0.8 * k), (x - k, y + 0.8 * k)]
            case .triangleDown: vertices = [(x, y + k), (x + k, y - 0.8 * k), (x - k, y - 0.8 * k)]
            default: vertices = [(x, y - k), (x + k, y), (x, y + k), (x - k, y)]
            }
            let list = vertices.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " ")
            element = "<polygon\(Self.attributes([("points", list)] + style))"
        }
        if let tooltip {
            body.append("\(element)><title>\(MarkupEscaping.escape(tooltip))</title></\(shape.elementName)>")
        } else {
            body.append("\(element)/>")
        }
    }

    enum Anchor: String { case start, middle, end }

    mutating func text(
        _ content: String, x: Double, y: Double, anchor: Anchor = .start, size: Double = 12,
        weight: String? = nil, rotate: Double? = nil, color: String = "#222"
    ) {
        var a = [
            ("x", Self.number(x)), ("y", Self.number(y)), ("text-anchor", anchor.rawValue),
            ("font-size", Self.number(size)), ("fill", color),
        ]
        if let weight { a.append(("font-weight", weight)) }
        if let rotate { a.append(("transform", "rotate(\(Self.number(rotate)) \(Self.number(x)) \(Self.number(y)))")) }
        body.append("<text\(Self.attributes(a))>\(MarkupEscaping.escape(content))</text>")
    }

    /// The finished image; `title` becomes the `<title>` and accessible name.
    func image(title: String) -> SVGImage {
        let header =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" "
            + "viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\" role=\"img\" "
            + "aria-label=\"\(MarkupEscaping.escape(title))\" font-family=\"Helvetica, Arial, sans-serif\">"
        let markup =
            ([
                header, "<title>\(MarkupEscaping.escape(title))</title>",
                "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"white\"/>",
            ] + body + ["</svg>"])
            .joined(separator: "\n")
        return SVGImage(width: width, height: height, markup: markup)
    }
}

/// Marker symbols; several are needed so subjects stay distinguishable when colours repeat.
enum MarkerShape: CaseIterable {
    case circle, square, triangleUp, diamond, triangleDown

    var elementName: String {
        switch self {
        case .circle: "circle"
        case .square: "rect"
        case .triangleUp, .triangleDown, .diamond: "polygon"
        }
    }
}
