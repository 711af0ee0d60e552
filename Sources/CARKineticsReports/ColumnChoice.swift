import CARKineticsData
import Foundation

/// A choice of result columns by name (`pkfit … --columns subject,cmax,auc_0_28`): the grammar of the list and
/// the table it selects.
///
/// The list is names separated by commas, spaces around a name ignored; names are matched exactly (as the
/// CSV header spells them). An empty list, an empty name (`a,,b`, a trailing comma) or a name given twice is
/// an error, and so is a name the table does not have: the error lists the table's columns.
public enum ColumnChoice {
    /// Why a column list was refused; `description` is worded for a person.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong, with the offending name quoted (control characters escaped, capped).
        public var description: String
    }

    /// The names of `text`, in order.
    public static func names(_ text: String) throws(Failure) -> [String] {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        if names.count == 1, names[0].isEmpty { throw Failure(description: "no column names; expected a,b,c") }
        var seen = Set<String>()
        for (index, name) in names.enumerated() {
            if name.isEmpty {
                throw Failure(description: "name \(index + 1) of \(names.count) is empty; expected a,b,c")
            }
            if !seen.insert(name).inserted {
                throw Failure(description: "'\(MessageText.capped(name, limit: 80))' is given twice")
            }
        }
        return names
    }

    /// `table` with exactly the columns `names`, in that order.
    public static func select(_ table: ResultTable, _ names: [String]) throws(Failure) -> ResultTable {
        var indices: [Int] = []
        for name in names {
            guard let index = table.columns.firstIndex(of: name) else {
                throw Failure(
                    description:
                        "no column '\(MessageText.capped(name, limit: 80))'; the columns are \(table.columns.joined(separator: ", "))"
                )
            }
            indices.append(index)
        }
        return pick(table, indices)
    }

    /// `table` with those of `names` it has, in the order of `names` (a default set that fits every variant
    /// of a table: names it lacks are passed over).
    public static func keep(_ table: ResultTable, _ names: [String]) -> ResultTable {
        pick(table, names.compactMap { table.columns.firstIndex(of: $0) })
    }

    private static func pick(_ table: ResultTable, _ indices: [Int]) -> ResultTable {
        // No envelope: a projection does not follow the full table's schema (its required columns).
        ResultTable(
            columns: indices.map { table.columns[$0] },
            rows: table.rows.map { row in indices.map { $0 < row.count ? row[$0] : .empty } })
    }
}
