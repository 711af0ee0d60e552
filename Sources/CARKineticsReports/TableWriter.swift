import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics
import Foundation

/// Human-readable aligned columns for a terminal: numbers with 6 significant digits, right-aligned;
/// text left-aligned; empty cells shown as `-`. Not for machines (precision is cut).
enum TableWriter {
    /// The whole table as aligned text.
    static func render(_ table: ResultTable) -> String {
        let cells = table.rows.map { row in table.columns.indices.map { $0 < row.count ? format(row[$0]) : "-" } }
        let numeric = table.columns.indices.map { c in
            table.rows.contains { row in
                guard c < row.count else { return false }
                switch row[c] {
                case .number, .integer: return true
                default: return false
                }
            }
        }
        let widths = table.columns.indices.map { c in
            max(table.columns[c].count, cells.map { $0[c].count }.max() ?? 0)
        }
        func line(_ values: [String]) -> String {
            values.indices.map { c in
                let pad = String(repeating: " ", count: widths[c] - values[c].count)
                return numeric[c] ? pad + values[c] : values[c] + pad
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        var out = line(table.columns) + "\n"
        out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        for row in cells { out += line(row) + "\n" }
        return out
    }

    static func format(_ cell: ResultCell) -> String {
        switch cell {
        case .number(let x):
            if x.isNaN { return "NaN" }
            if x.isInfinite { return x > 0 ? "inf" : "-inf" }
            return String(format: "%.6g", x)
        case .integer(let n): return String(n)
        case .text(let s): return s.isEmpty ? "-" : s
        case .empty: return "-"
        }
    }
}

extension String {
    /// Left-aligned last columns are padded; a terminal line should not end in spaces.
    fileprivate func trimmingTrailingSpaces() -> String {
        var end = endIndex
        while end > startIndex, self[index(before: end)] == " " { end = index(before: end) }
        return String(self[..<end])
    }
}
