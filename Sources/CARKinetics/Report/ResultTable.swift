// Placeholder with the shared contract's shape (TEAM-BRIEF "Result tables and writers"), so the summary
// branch compiles before the nca branch lands; the nca helper owns this type and its definition replaces
// this file when the branches are merged.

/// One cell of a result table.
public enum ResultCell: Sendable, Equatable {
    case number(Double), integer(Int), text(String), empty
}

/// A rectangular table of results: named columns and rows of cells.
public struct ResultTable: Sendable {
    public var columns: [String]
    public var rows: [[ResultCell]]

    public init(columns: [String], rows: [[ResultCell]]) {
        self.columns = columns
        self.rows = rows
    }
}
