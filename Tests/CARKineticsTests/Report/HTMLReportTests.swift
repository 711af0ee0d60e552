import CARKinetics
import Foundation
import Testing

@testable import CARKineticsReports

@Suite("HTML and Markdown reports")
struct HTMLReportTests {
    static let hostile = "<script>alert(1)</script>"

    var report: Report {
        let table = ResultTable(
            columns: ["subject", "cmax", "n"],
            rows: [
                [.text(Self.hostile), .number(48692.123), .integer(3)],
                [.text("A&B|C"), .empty, .integer(0)],
            ])
        let plot = CohortPlots.pointsByCohort(
            [(name: "A&B", values: [SubjectValue(subject: Self.hostile, value: 5)])],
            parameter: "cmax", unit: nil, title: "Cmax")
        return Report(
            title: "CK report <draft>",
            blocks: [
                .heading("Input", level: 2),
                .facts([(label: "Subjects", value: "2"), (label: "File", value: "a&b.csv")]),
                .table(table, caption: "Per-subject NCA"),
                .figure(plot, caption: "Cmax by cohort"),
                .figure(plot, caption: "again"),
                .paragraph("Note: <b>not bold</b>"),
            ])
    }

    @Test("HTML is well-formed, self-contained, one SVG per figure, hostile IDs shown as text")
    func html() throws {
        let html = HTMLReport.render(report)
        let xml = XMLCheck(html)
        #expect(xml.error == nil, "\(xml.error ?? "")")
        #expect(xml.count("svg") == 2 && xml.count("figure") == 2 && xml.count("table") == 1)
        #expect(xml.count("script") == 0 && xml.count("b") == 0)
        #expect(!html.contains("<script"))
        #expect(xml.text.contains(Self.hostile) && xml.text.contains("A&B|C") && xml.text.contains("<b>not bold</b>"))
        // no fetches: no src/href attributes anywhere
        #expect(xml.attributes.allSatisfy { $0["src"] == nil && $0["href"] == nil })
        // 3 significant figures in the cell, full precision in its tooltip
        #expect(html.contains("<td class=\"num\" title=\"48692.123\">48700</td>"))
        #expect(xml.text.contains("Table 1. Per-subject NCA") && xml.text.contains("Figure 2. again"))
    }

    @Test("Markdown: pipe table with escaped cells, figures as linked SVG files")
    func markdown() {
        let (text, figures) = MarkdownReport.render(report, figureStem: "my report")
        #expect(text.contains("| subject | cmax | n |"))
        #expect(text.contains("| --- | ---: | ---: |"))
        #expect(text.contains("| \\<script\\>alert(1)\\</script\\> | 48700 | 3 |"))
        #expect(text.contains("| A\\&B\\|C |  | 0 |"))
        #expect(figures.map(\.fileName) == ["my_report-figure-1.svg", "my_report-figure-2.svg"])
        #expect(text.contains("![Cmax by cohort](my_report-figure-1.svg)"))
        // every table row has the same number of unescaped pipes
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("|") }
        let counts = rows.map { row in
            zip(row, [" "] + row).filter { $0.0 == "|" && $0.1 != "\\" }.count
        }
        #expect(Set(counts).count == 1)
    }

    @Test("escaping of every markup-significant character and forbidden controls")
    func escaping() {
        #expect(MarkupEscaping.escape("a<b>&\"c'\u{0}") == "a&lt;b&gt;&amp;&quot;c&#39;\u{FFFD}")
        #expect(MarkupEscaping.escape("µL\tx") == "µL\tx")
    }
}
