import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics

/// The content of a report, independent of its output format (``HTMLReport``, ``MarkdownReport``).
public struct Report: Sendable {
    /// One piece of content, in reading order.
    public enum Block: Sendable {
        /// A section heading; level 2 is a section, 3 a subsection.
        case heading(String, level: Int)
        /// A paragraph of plain text.
        case paragraph(String)
        /// Label–value pairs (e.g. the input summary).
        case facts([(label: String, value: String)])
        /// A table; numbers are shown to 3 significant figures (full precision in the HTML tooltip).
        case table(ResultTable, caption: String?)
        /// A plot with its caption.
        case figure(SVGImage, caption: String)
        /// Small plots side by side (as many per row as fit), each with its own caption and number.
        case figureGrid([(image: SVGImage, caption: String)])
    }

    /// Document title.
    public var title: String
    /// Content in reading order.
    public var blocks: [Block]

    /// Creates a report; see the properties.
    public init(title: String, blocks: [Block] = []) {
        self.title = title
        self.blocks = blocks
    }

    /// Inserts `blocks` before the first level-2 heading `heading` (at the end when there is none), e.g. extra
    /// sections before a report's appendix.
    public mutating func insert(_ more: [Block], beforeHeading heading: String) {
        let index =
            blocks.firstIndex {
                if case .heading(let text, 2) = $0 { return text == heading }
                return false
            } ?? blocks.endIndex
        blocks.insert(contentsOf: more, at: index)
    }

    /// How a table cell reads in a report: text as is, integers in full, numbers to 3 significant
    /// figures, empty cells blank.
    static func displayText(_ cell: ResultCell) -> String {
        switch cell {
        case .text(let text): text
        case .integer(let value): String(value)
        case .number(let value): SignificantFigures.format(value)
        case .empty: ""
        }
    }
}
