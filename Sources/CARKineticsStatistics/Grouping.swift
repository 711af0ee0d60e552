import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics

/// Rows that share the same values of the grouping columns.
public struct Group<Row> {
    /// The values of the grouping columns, in the order the columns were given; empty for the
    /// overall group.
    public var key: [String]
    /// The rows of the group, in input order.
    public var rows: [Row]
}

extension Group: Sendable where Row: Sendable {}
extension Group: Equatable where Row: Equatable {}

/// Splitting rows into groups by the values of one or more key columns.
public enum Grouping {
    /// Groups `rows` by `key(row)`.
    ///
    /// Groups appear in the order in which their key first appears in the input, and rows keep
    /// their input order inside a group. First appearance was chosen over sorting because it is
    /// predictable and lets the data file decide the order: dose levels such as `0.25x10^8` or
    /// `DL-2` do not sort meaningfully as text or as numbers. Keys are compared as exact strings.
    /// A `key` that returns `[]` for every row (no grouping columns) gives one overall group; no
    /// rows give no groups.
    public static func byFirstAppearance<Row>(_ rows: [Row], key: (Row) -> [String]) -> [Group<Row>] {
        var groups: [Group<Row>] = []
        var index: [[String]: Int] = [:]
        for row in rows {
            let k = key(row)
            if let i = index[k] {
                groups[i].rows.append(row)
            } else {
                index[k] = groups.count
                groups.append(Group(key: k, rows: [row]))
            }
        }
        return groups
    }
}
