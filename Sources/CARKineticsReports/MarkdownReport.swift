import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics

/// Renders a ``Report`` as GitHub-flavoured Markdown for notebooks and wikis.
///
/// Tables become pipe tables; figures become image links to SVG files that the caller writes next
/// to the Markdown file (Markdown cannot hold SVG portably). Text from the data is escaped with
/// backslashes for the characters Markdown would interpret inside a line (backslash, backtick and `* _ [ ] < > | ~ & # !`),
/// so an ID such as `<script>` or `A|B` shows literally and cannot break a table row.
public enum MarkdownReport {
    /// The Markdown text and the figures it links to, as (file name, image) in figure order; the
    /// file names are `<stem>-figure-<n>.svg` with `stem` reduced to letters, digits, `.`, `_`, `-`.
    public static func render(
        _ report: Report, figureStem: String
    ) -> (text: String, figures: [(fileName: String, image: SVGImage)]) {
        let stem = String(
            figureStem.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" })
        var lines = ["# \(escape(report.title))", ""]
        var figures: [(fileName: String, image: SVGImage)] = []
        var tableNumber = 0
        for block in report.blocks {
            switch block {
            case .heading(let text, let level):
                lines += [String(repeating: "#", count: min(6, max(2, level))) + " " + escape(text), ""]
            case .paragraph(let text):
                lines += [escape(text), ""]
            case .facts(let pairs):
                lines += pairs.map { "- **\(escape($0.label)):** \(escape($0.value))" } + [""]
            case .table(let table, let caption):
                tableNumber += 1
                if let caption { lines += ["**Table \(tableNumber). \(escape(caption))**", ""] }
                lines += self.table(table) + [""]
            case .figure(let image, let caption):
                let name = "\(stem)-figure-\(figures.count + 1).svg"
                figures.append((name, image))
                lines += ["![\(escape(caption))](\(name))", "", "*Figure \(figures.count). \(escape(caption))*", ""]
            case .figureGrid(let grid):
                for (image, caption) in grid {
                    let name = "\(stem)-figure-\(figures.count + 1).svg"
                    figures.append((name, image))
                    lines += [
                        "![\(escape(caption))](\(name))", "", "*Figure \(figures.count). \(escape(caption))*", "",
                    ]
                }
            }
        }
        return (lines.joined(separator: "\n"), figures)
    }

    /// A pipe table with cells as reports show them (3 significant figures, empty cells blank).
    public static func table(_ table: ResultTable) -> [String] {
        MarkdownTableWriter.lines(table, text: Report.displayText)
    }

    /// `text` with Markdown's inline syntax characters backslash-escaped and line breaks as spaces.
    public static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "~", "&", "#", "!":
                result.append("\\")
                result.append(character)
            case "\n", "\r", "\r\n":
                result.append(" ")
            default:
                result.append(character)
            }
        }
        return result
    }
}
