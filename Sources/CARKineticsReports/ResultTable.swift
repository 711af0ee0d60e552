import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics

/// One cell of a result table.
public enum ResultCell: Sendable, Equatable {
    /// Any double, including NaN and infinities (writers represent them explicitly, never drop them).
    case number(Double)
    case integer(Int)
    case text(String)
    /// Not computable or not applicable.
    case empty
}

/// A rectangular table of results: what every command produces and every writer renders.
public struct ResultTable: Sendable, Equatable {
    /// Column names, in output order.
    public var columns: [String]
    /// Each row has `columns.count` cells.
    public var rows: [[ResultCell]]
    /// The schema and units a JSON rendering states after `generator` (``JSONEnvelope``); nil for tables
    /// without a published schema.
    public var envelope: JSONEnvelope?

    /// A table with these columns and rows.
    public init(columns: [String], rows: [[ResultCell]] = []) {
        self.columns = columns
        self.rows = rows
    }

    /// The cells of the named column, or nil when there is no such column.
    public func column(_ name: String) -> [ResultCell]? {
        guard let index = columns.firstIndex(of: name) else { return nil }
        return rows.map { index < $0.count ? $0[index] : .empty }
    }
}

/// Output formats of result tables.
public enum OutputFormat: String, Sendable, CaseIterable {
    /// RFC 4180, full precision (shortest round-trip decimals).
    case csv
    /// An array of objects, one per row (see `JSONWriter` for NaN and empty cells).
    case json
    /// Aligned columns for a terminal, 6 significant digits.
    case table
    /// A Markdown pipe table, 6 significant digits (see `MarkdownTableWriter`).
    case markdown
    /// The SDTM PP-style long table as CSV (``PPTable``); only `pkfit nca` produces it. Rendering any
    /// table in this format writes it as CSV: the PP shape is built by the command, not by the writer.
    case pp
}

extension ResultTable {
    /// The table as text in the given format.
    public func rendered(as format: OutputFormat) -> String {
        switch format {
        case .csv: CSVWriter.render(self)
        case .json: JSONWriter.render(self)
        case .table: TableWriter.render(self)
        case .markdown: MarkdownTableWriter.render(self)
        case .pp: CSVWriter.render(self)
        }
    }
}
