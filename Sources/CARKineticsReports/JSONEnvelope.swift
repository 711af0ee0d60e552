import CARKineticsData

/// What a JSON table states about itself besides its rows: the schema its layout follows and the unit of each
/// field (docs/schema/, docs/nca-rules.md "Output conventions").
///
/// Written right after `generator`: `"schema": "https://carkinetics.example/schema/nca/1",
/// "units": {"cmax": "copies/ug", …}`. Units are spelled as in PP (`day*copies/ug`, `1/h`, `%`); columns
/// without a unit (counts, text, dimensionless numbers) are left out, and so are level-dependent columns when
/// the profiles do not state one level unit (each row's `unit` column then says it).
public struct JSONEnvelope: Sendable, Equatable {
    /// What the keys of ``units`` name.
    public enum Keys: Sendable, Equatable {
        /// Column names; a column the table does not have is not written.
        case columns
        /// Values of the `parameter` column: each parameter's statistics are in its unit.
        case parameters
    }

    /// The schema identifier, `https://carkinetics.example/schema/<table>/<version>`, the `$id` of
    /// `docs/schema/<table>.schema.json`; the version changes when a column is added, renamed, removed or
    /// changes meaning.
    public var schema: String
    /// (key, unit text) in output order.
    public var units: [Unit]
    /// What the keys of ``units`` are.
    public var keys: Keys

    /// One key's unit.
    public struct Unit: Sendable, Equatable {
        /// A column name, or a parameter name (``Keys/parameters``).
        public var key: String
        /// Its unit, PP spelling: `copies/ug`, `day`, `day*copies/ug`, `1/h`, `%`.
        public var unit: String
    }

    /// `docs/schema/nca.schema.json`: `pkfit nca --format json`.
    public static let ncaSchema = "https://carkinetics.example/schema/nca/1"
    /// `docs/schema/fit.schema.json`: `pkfit fit --format json`.
    public static let fitSchema = "https://carkinetics.example/schema/fit/1"
    /// `docs/schema/summary.schema.json`: `pkfit summary --format json` (statistics or dose–exposure rows).
    public static let summarySchema = "https://carkinetics.example/schema/summary/1"

    /// An envelope whose units are those of `names` (columns, or parameters for `keys` ``Keys/parameters``),
    /// from their unit kinds (``ParameterNames/unitKind(_:)``) with levels in `levelUnit` and times in `timeUnit`.
    public init(schema: String, names: [String], keys: Keys = .columns, levelUnit: String?, timeUnit: TimeUnit) {
        self.schema = schema
        self.keys = keys
        var seen: Set<String> = []
        units = names.compactMap { name in
            guard seen.insert(name).inserted, let kind = ParameterNames.unitKind(name),
                let text = PPTable.unitText(kind, levelUnit: levelUnit, timeUnit: timeUnit)
            else { return nil }
            return Unit(key: name, unit: text)
        }
    }

    /// The level unit every profile states, or nil when none or several are stated.
    public static func levelUnit(_ units: some Sequence<String?>) -> String? {
        let distinct = Set(units.compactMap { $0 })
        return distinct.count == 1 ? distinct.first : nil
    }

    /// `, "schema": "…", "units": {…}` for a table with `columns` (the bytes after `generator`).
    func bytes(columns: [String]) -> [UInt8] {
        var out = Array(", \"schema\": ".utf8)
        JSONWriter.appendQuoted(schema, to: &out)
        out += Array(", \"units\": {".utf8)
        let present = Set(columns)
        var first = true
        for unit in units where keys == .parameters || present.contains(unit.key) {
            if !first { out += Array(", ".utf8) }
            first = false
            JSONWriter.appendQuoted(unit.key, to: &out)
            out += Array(": ".utf8)
            JSONWriter.appendQuoted(unit.unit, to: &out)
        }
        out += Array("}".utf8)
        return out
    }
}
