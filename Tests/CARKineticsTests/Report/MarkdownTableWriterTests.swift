import CARKinetics
import Testing

@Suite("Markdown table format")
struct MarkdownTableWriterTests {
    @Test("pipe table: right-aligned numeric columns, 6 significant digits, escaped text, blank empty cells")
    func rendering() {
        let table = ResultTable(
            columns: ["subject", "cmax", "n", "note"],
            rows: [
                [.text("A|B"), .number(48692.1234), .integer(3), .text("λz: *none*")],
                [.text("C_1"), .number(.nan), .empty, .empty],
                [.text("D"), .number(-.infinity), .integer(0), .text("")],
            ])
        #expect(
            table.rendered(as: .markdown) == """
                | subject | cmax | n | note |
                | --- | ---: | ---: | --- |
                | A\\|B | 48692.1 | 3 | λz: \\*none\\* |
                | C\\_1 | NaN |  |  |
                | D | -inf | 0 | - |

                """)
    }

    @Test("OutputFormat lists every format the CLI accepts")
    func formats() {
        #expect(OutputFormat.allCases.map(\.rawValue) == ["csv", "json", "table", "markdown", "pp"])
        // pp renders whatever table it is given as CSV: the PP shape is built by PPTable.
        let table = ResultTable(columns: ["a"], rows: [[.number(0.1)]])
        #expect(table.rendered(as: .pp) == "a\n0.1\n")
    }
}
