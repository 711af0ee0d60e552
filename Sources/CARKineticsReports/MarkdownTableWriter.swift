import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics

/// GitHub-flavoured Markdown pipe tables, for notebooks and wikis; for reading, not for machines.
///
/// Numeric columns (any number or integer cell) are right-aligned. Text from the data is escaped with
/// ``MarkdownReport/escape(_:)``, so an ID such as `A|B` or `<b>` shows literally and cannot break a row.
enum MarkdownTableWriter {
    /// The table with numbers to 6 significant digits (as the `table` format), integers in full, NaN as
    /// `NaN`, infinities as `inf` / `-inf` and empty cells blank; ends with a newline.
    static func render(_ table: ResultTable) -> String {
        lines(table) { cell in
            if case .empty = cell { return "" }
            return TableWriter.format(cell)
        }.joined(separator: "\n") + "\n"
    }

    /// The table's lines (header, alignment row, one line per row) with each cell shown by `text`.
    static func lines(_ table: ResultTable, text: (ResultCell) -> String) -> [String] {
        let numeric = table.columns.indices.map { c in
            table.rows.contains { row in
                guard c < row.count else { return false }
                switch row[c] {
                case .number, .integer: return true
                case .text, .empty: return false
                }
            }
        }
        var lines = ["| " + table.columns.map(MarkdownReport.escape).joined(separator: " | ") + " |"]
        lines.append("|" + numeric.map { $0 ? " ---: |" : " --- |" }.joined())
        for row in table.rows {
            let cells = table.columns.indices.map { $0 < row.count ? MarkdownReport.escape(text(row[$0])) : "" }
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines
    }
}
