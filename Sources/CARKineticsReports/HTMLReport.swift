import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics

/// Renders a ``Report`` as one self-contained HTML5 document.
///
/// Self-contained: CSS and SVG are inline, there are no scripts and no external references, and
/// a Content-Security-Policy meta tag (`default-src 'none'`) makes a browser refuse any fetch or
/// script even if one were introduced. Every string from the data (subject IDs, group values,
/// column names, units, captions) is escaped with `MarkupEscaping`. The markup is also
/// well-formed XML (void elements self-closed), so it can be checked with any XML parser.
public enum HTMLReport {
    /// The complete HTML document (UTF-8 text). Deterministic: no random identifiers, and no date other than
    /// the one the report's provenance states. The stylesheet has print rules (A4, wide tables wrap rather
    /// than lose columns, no figure split across pages).
    public static func render(_ report: Report) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title>\(MarkupEscaping.escape(report.title))</title>
            <style>\(stylesheet)</style>
            </head>
            <body>
            <main>
            <h1>\(MarkupEscaping.escape(report.title))</h1>

            """
        var figureNumber = 0
        var tableNumber = 0
        for block in report.blocks {
            switch block {
            case .heading(let text, let level):
                let h = min(6, max(2, level))
                html += "<h\(h)>\(MarkupEscaping.escape(text))</h\(h)>\n"
            case .paragraph(let text):
                html += "<p>\(MarkupEscaping.escape(text))</p>\n"
            case .facts(let pairs):
                html += "<dl class=\"facts\">\n"
                for pair in pairs {
                    html +=
                        "<dt>\(MarkupEscaping.escape(pair.label))</dt><dd>\(MarkupEscaping.escape(pair.value))</dd>\n"
                }
                html += "</dl>\n"
            case .table(let table, let caption):
                tableNumber += 1
                html += render(table, caption: caption.map { "Table \(tableNumber). \($0)" })
            case .figure(let image, let caption):
                figureNumber += 1
                html +=
                    "<figure>\n\(image.markup)\n<figcaption>Figure \(figureNumber). \(MarkupEscaping.escape(caption))</figcaption>\n</figure>\n"
            case .figureGrid(let figures):
                html += "<div class=\"grid\">\n"
                for (image, caption) in figures {
                    figureNumber += 1
                    html +=
                        "<figure>\n\(image.markup)\n<figcaption>Figure \(figureNumber). \(MarkupEscaping.escape(caption))</figcaption>\n</figure>\n"
                }
                html += "</div>\n"
            }
        }
        html += "</main>\n</body>\n</html>\n"
        return html
    }

    private static func render(_ table: ResultTable, caption: String?) -> String {
        var html = "<div class=\"table-wrap\"><table>\n"
        if let caption { html += "<caption>\(MarkupEscaping.escape(caption))</caption>\n" }
        html +=
            "<thead><tr>" + table.columns.map { "<th scope=\"col\">\(MarkupEscaping.escape($0))</th>" }.joined()
            + "</tr></thead>\n<tbody>\n"
        for row in table.rows {
            html += "<tr>"
            for cell in row {
                let text = MarkupEscaping.escape(Report.displayText(cell))
                switch cell {
                case .number(let value):
                    html += "<td class=\"num\" title=\"\(MarkupEscaping.escape("\(value)"))\">\(text)</td>"
                case .integer:
                    html += "<td class=\"num\">\(text)</td>"
                case .text(let value) where value.count > 24:
                    html += "<td class=\"long\">\(text)</td>"
                case .text, .empty:
                    html += "<td>\(text)</td>"
                }
            }
            html += "</tr>\n"
        }
        return html + "</tbody>\n</table></div>\n"
    }

    private static let stylesheet = """

        body { font-family: Helvetica, Arial, sans-serif; color: #222; background: #fafafa; margin: 0; }
        main { max-width: 1240px; margin: 0 auto; padding: 24px 32px 48px; background: white; }
        h1 { font-size: 1.6em; border-bottom: 2px solid #0072B2; padding-bottom: 6px; }
        h2 { font-size: 1.3em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
        h3 { font-size: 1.1em; margin-top: 1.5em; }
        dl.facts { display: grid; grid-template-columns: max-content auto; gap: 4px 16px; }
        dl.facts dt { font-weight: bold; }
        dl.facts dd { margin: 0; }
        .table-wrap { overflow-x: auto; margin: 12px 0 20px; }
        table { border-collapse: collapse; font-size: 0.9em; }
        caption { text-align: left; font-weight: bold; padding: 4px 0 8px; }
        th, td { border: 1px solid #d0d0d0; padding: 4px 6px; text-align: left; vertical-align: top; }
        th { background: #eef3f8; }
        tbody tr:nth-child(even) { background: #f7f7f7; }
        td { white-space: nowrap; }
        td.long { white-space: normal; min-width: 11em; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        figure { margin: 16px 0 28px; }
        figure svg { max-width: 100%; height: auto; border: 1px solid #e5e5e5; }
        figcaption { font-size: 0.9em; color: #444; margin-top: 4px; }
        div.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(500px, 1fr)); gap: 8px 20px; }
        div.grid figure { margin: 8px 0 16px; }
        td.long { overflow-wrap: anywhere; }
        @page { size: A4; margin: 12mm 10mm; }
        @media print {
          body { background: white; font-size: 9pt; }
          main { max-width: none; padding: 0; }
          h1 { font-size: 15pt; }
          h2 { font-size: 12pt; margin-top: 1em; break-after: avoid; page-break-after: avoid; }
          h3 { font-size: 10pt; break-after: avoid; page-break-after: avoid; }
          p { margin: 4px 0 6px; }
          figure { margin: 4px 0 8px; break-inside: avoid; page-break-inside: avoid; }
          figure svg { border: none; width: 100%; height: auto; max-height: 255mm; }
          figcaption { font-size: 7.5pt; }
          div.grid { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 2px 10px; }
          div.grid figure { margin: 2px 0 6px; }
          .table-wrap { overflow: visible; margin: 4px 0 8px; }
          table { width: 100%; font-size: 6.5pt; }
          caption { break-after: avoid; page-break-after: avoid; padding: 2px 0 4px; }
          thead { display: table-header-group; }
          tr { break-inside: avoid; page-break-inside: avoid; }
          th, td { padding: 1px 3px; }
          th { white-space: normal; overflow-wrap: break-word; }
          td.long { min-width: 0; white-space: normal; overflow-wrap: anywhere; }
          dl.facts { gap: 1px 10px; font-size: 8pt; }
          dl.facts dd { overflow-wrap: anywhere; }
        }

        """
}
