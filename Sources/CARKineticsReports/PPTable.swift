import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics

/// The SDTM PP dataset of `pkfit nca --format pp`: one row per profile × parameter, with the variables of
/// ``PPVariable/pp(referenceTime:)``, and its SUPPPP qualifiers (``PPVariable/supppp``).
///
/// Driven by `NCARegistry`: every column with a `PPTest` becomes a `PPTESTCD`, in registry order (CDISC
/// codes, and sponsor-defined codes where CDISC has none); text columns (window-end flags, unit, notes) are not
/// parameters and are left out. The same rows are written as CSV, SAS transport and Dataset-JSON
/// (docs/pp-output.md). Conventions:
/// - `PPORRES` is the value at full precision (shortest round-trip decimal), `PPSTRESC` the same text and
///   `PPSTRESN` the number; no unit conversion is made, so `PPSTRESU` = `PPORRESU`.
/// - Units: levels in the profile's unit (from the unit column, e.g. `AVALU`), times in the analysis' time
///   unit (`NCAOptions/timeUnit`: `h`, `day`, …), AUCs `<time>*<unit>` (`h*ug/mL`), rates `1/<time>`,
///   percentages `%`; dimensionless values and counts have no unit. When the input has no unit column, level
///   and AUC units are empty rather than guessed. `NOT DONE` rows have no units.
/// - Interval AUCs (`AUCINT`, and the sponsor code `AUCINTIS` for the λz-extrapolated variant) carry `PPSTINT` /
///   `PPENINT` as ISO 8601 durations of the window in its real unit (`ISODuration`); other parameters leave
///   them empty.
/// - A value that is not computable has empty results, `PPSTAT` = `NOT DONE` and the reason in `PPREASND`.
/// - `PPSEQ` numbers each subject's rows from 1 across all its profiles; `PPGRPID` is the profile's number
///   within its subject when the subject has several profiles, else empty (`--group` values are not carried).
/// - Text is ASCII: our own text spelled out (`λz` → `lambda z`, `µ` → `u`), input text checked.
public enum PPTable {
    /// What every PP row of one profile carries besides the NCA values: the identifiers, the qualifiers read
    /// from the input or given, and the profile's place among its subject's profiles.
    struct Profile: Sendable {
        var study: ResultCell
        var subject: ResultCell
        /// `PPGRPID`.
        var group: ResultCell
        /// `PPCAT`, `PPSPEC`, `PPRFTDTC` (nil when the dataset has no `PPRFTDTC`).
        var analyte: ResultCell
        var specimen: ResultCell
        var referenceTime: ResultCell?
        /// The subject's profiles before this one: each has one row per parameter, so `PPSEQ` runs on.
        var earlierProfiles: Int
        /// The levels' unit in ASCII (`ug/mL`), nil when unknown.
        var levelUnit: String?
    }

    /// The PP rows and the SUPPPP records of `results` (NCA run with `options`), one ``Profile`` per result.
    static func make(
        _ results: [NCAResult], profiles: [Profile], layout: Layout
    ) -> (pp: ResultTable, supplement: ResultTable) {
        var rows: [[ResultCell]] = []
        rows.reserveCapacity(results.count * layout.parameters.count)
        var supplement: [[ResultCell]] = []
        var row: [ResultCell] = []
        var units = PPUnitCache(layout: layout)
        for (result, profile) in zip(results, profiles) {
            let profileUnits = units.units(profile.levelUnit)
            for k in layout.parameters.indices {
                layout.fill(&row, parameter: k, of: result, profile: profile, units: profileUnits)
                rows.append(row)
                layout.appendQualifiers(parameter: k, of: result, profile: profile, to: &supplement)
            }
        }
        return (
            ResultTable(columns: layout.variables.map(\.name), rows: rows),
            ResultTable(columns: PPVariable.supppp.map(\.name), rows: supplement)
        )
    }

    /// The parameters a PP table has for given options, and how each row is filled: shared by the whole-table
    /// and the streamed export, so both write the same cells.
    struct Layout: Sendable {
        /// What a PP row needs of its registry column (the whole ``NCAColumn`` would be copied, with all its
        /// names and closures, for every row).
        struct Parameter: Sendable {
            var cell: @Sendable (NCAResult) -> NCAColumnValue
            var reason: @Sendable (NCAResult) -> String?
            var excludedBy: @Sendable (NCAResult) -> [AcceptanceCriterion]
            var dependsOnLambdaZ: Bool
            var unit: UnitKind
            var code: ResultCell
            var test: ResultCell
            /// `PPSTINT` and `PPENINT`.
            var start: ResultCell
            var end: ResultCell
        }

        let options: NCAOptions
        /// The registry's columns that are PP parameters, in registry order.
        let parameters: [Parameter]
        /// The dataset's variables (``PPVariable/pp(referenceTime:)``).
        let variables: [PPVariable]
        /// `PPANMETH`.
        let method: ResultCell

        init(options: NCAOptions, referenceTime: Bool = false) {
            self.options = options
            variables = PPVariable.pp(referenceTime: referenceTime)
            method = .text(options.aucMethod == .linear ? "LINEAR METHOD" : "LINEAR UP LOG DOWN METHOD")
            parameters = NCARegistry.columns(for: options).compactMap { column in
                guard column.unit != .text, let test = column.ppTest else { return nil }
                let interval = options.resolvedIntervals.first {
                    column.name == $0.columnName || column.name == $0.columnName + "_extrap"
                }
                func duration(_ time: Double?) -> ResultCell {
                    time.flatMap { ISODuration.format($0, in: options.timeUnit) }.map(ResultCell.text) ?? .empty
                }
                return Parameter(
                    cell: column.cell, reason: column.reason, excludedBy: column.excludedBy,
                    dependsOnLambdaZ: column.dependsOnLambdaZ, unit: column.unit, code: .text(test.code),
                    test: .text(test.name), start: duration(interval?.start), end: duration(interval?.end))
            }
        }

        /// Overwrites `row` with parameter `k` of `result`, one cell per variable, in ``variables`` order;
        /// `units` holds each parameter's unit for the profile's level unit (``units(levelUnit:)``).
        func fill(
            _ row: inout [ResultCell], parameter k: Int, of result: NCAResult, profile: Profile, units: [ResultCell]
        ) {
            let parameter = parameters[k]
            let text: String?
            let number: ResultCell
            switch parameter.cell(result) {
            case .number(let x):
                text = CSVWriter.number(x)
                number = .number(x)
            case .integer(let n):
                text = String(n)
                number = .integer(n)
            case .text, .empty:
                text = nil
                number = .empty
            }
            let value = text.map(ResultCell.text) ?? .empty
            // NOT DONE rows carry no unit (SDTMIG: units go with a result).
            let unit = text == nil ? .empty : units[k]
            // Cells assigned in place (a row literal per record costs an allocation per record).
            if row.count != variables.count { row = [ResultCell](repeating: .empty, count: variables.count) }
            row[0] = profile.study
            row[1] = Self.domain
            row[2] = profile.subject
            row[3] = .integer(sequence(k, profile))
            row[4] = profile.group
            row[5] = parameter.code
            row[6] = parameter.test
            row[7] = profile.analyte
            row[8] = Self.subcategory
            row[9] = value
            row[10] = unit
            row[11] = value
            row[12] = number
            row[13] = unit
            row[14] = text == nil ? Self.notDone : .empty
            row[15] = text == nil ? .text(PPText.spelled(PPTable.reason(parameter.reason, result))) : .empty
            row[16] = profile.specimen
            row[17] = method
            var next = 18
            if let referenceTime = profile.referenceTime {
                row[next] = referenceTime
                next += 1
            }
            row[next] = parameter.start
            row[next + 1] = parameter.end
        }

        private static let domain = ResultCell.text("PP")
        private static let subcategory = ResultCell.text("NON-COMPARTMENTAL")
        private static let notDone = ResultCell.text("NOT DONE")

        /// Each parameter's `PPORRESU` for profiles whose levels are in `levelUnit`.
        func units(levelUnit: String?) -> [ResultCell] {
            parameters.map {
                unitText($0.unit, levelUnit: levelUnit, timeUnit: options.timeUnit).map(ResultCell.text) ?? .empty
            }
        }

        /// `PPSEQ` of parameter `k` of a profile.
        func sequence(_ k: Int, _ profile: Profile) -> Int { profile.earlierProfiles * parameters.count + k + 1 }

        /// Appends the SUPPPP records of parameter `k` of `result` (``PPVariable/supppp`` order): `PPEXCLBY`, the
        /// acceptance criteria that exclude it, and `LAMZNOTE`, the λz points chosen by hand it depends on.
        /// Neither is a PP variable: `PPSTAT`/`PPREASND` are for values not done, and these values were done.
        func appendQualifiers(
            parameter k: Int, of result: NCAResult, profile: Profile, to records: inout [[ResultCell]]
        ) {
            let parameter = parameters[k]
            func record(_ qualifier: (name: String, label: String), _ value: String) {
                records.append([
                    profile.study, .text("PP"), profile.subject, .text("PPSEQ"),
                    .text(String(sequence(k, profile))), .text(qualifier.name), .text(qualifier.label),
                    .text(PPText.spelled(value)), .text("DERIVED"), .empty,
                ])
            }
            if let criteria = AcceptanceCriterion.text(parameter.excludedBy(result)) {
                record(PPVariable.qualifiers.excludedBy, criteria)
            }
            if parameter.dependsOnLambdaZ, let choice = result.lambdaZChoice {
                record(PPVariable.qualifiers.lambdaZNote, "\(choice.rule): \(choice.reason)")
            }
        }
    }

    /// The `PPORRESU` text of a unit kind (`h`, `h*ug/mL`, `1/h`); nil when the levels' unit is unknown and the
    /// kind depends on it.
    public static func unitText(_ kind: UnitKind, levelUnit: String?, timeUnit: TimeUnit = .days) -> String? {
        ParameterNames.unitText(kind, levelUnit: levelUnit, timeUnit: timeUnit, product: "*")
    }

    /// Why a column is empty for `result`: the parameter's own reason (`own`, the column's `reason`) where the NCA
    /// records one, otherwise why Tlast or λz is missing (every other empty column derives from the terminal fit).
    static func reason(_ own: (NCAResult) -> String?, _ result: NCAResult) -> String {
        if let reason = own(result) { return reason }
        if let reason = result.tlast.reason { return reason }
        if case .failure(let failure) = result.lambdaZ { return "λz: \(failure)" }
        return "not computable"
    }
}

/// Each parameter's unit per level unit, computed once per level unit (most cohorts have one).
struct PPUnitCache: Sendable {
    let layout: PPTable.Layout
    private var byUnit: [String: [ResultCell]] = [:]
    private var unknown: [ResultCell]?

    init(layout: PPTable.Layout) { self.layout = layout }

    mutating func units(_ levelUnit: String?) -> [ResultCell] {
        guard let levelUnit else {
            if let unknown { return unknown }
            let units = layout.units(levelUnit: nil)
            unknown = units
            return units
        }
        if let units = byUnit[levelUnit] { return units }
        let units = layout.units(levelUnit: levelUnit)
        byUnit[levelUnit] = units
        return units
    }
}

/// Text in a submission dataset: printable ASCII (SAS transport v5 and the FDA's rules), with the characters
/// our own messages and common units use spelled out.
enum PPText {
    /// `text` in printable ASCII: `λz` → `lambda z`, `µ`/`μ` → `u`, `≥`/`≤` → `>=`/`<=`, dashes → `-`, `×` → `x`,
    /// `²` → `2`; nil when anything else is not ASCII.
    static func ascii(_ text: String) -> String? {
        if isASCII(text) { return text }
        let replaced = spelledOut(text)
        return isASCII(replaced) ? replaced : nil
    }

    /// ``ascii(_:)`` for our own messages (reasons, criteria), whose user-given parts were checked before any
    /// row was written (`PPExport`): anything still not ASCII becomes `?` rather than stopping a stream midway.
    static func spelled(_ text: String) -> String {
        if isASCII(text) { return text }
        var out = ""
        for scalar in spelledOut(text).unicodeScalars {
            out.unicodeScalars.append(scalar.value >= 0x20 && scalar.value < 0x7F ? scalar : "?")
        }
        return out
    }

    private static func spelledOut(_ text: String) -> String {
        text.replacingOccurrences(of: "λz", with: "lambda z").replacingOccurrences(of: "λ", with: "lambda")
            .replacingOccurrences(of: "µ", with: "u").replacingOccurrences(of: "μ", with: "u")
            .replacingOccurrences(of: "≥", with: ">=").replacingOccurrences(of: "≤", with: "<=")
            .replacingOccurrences(of: "–", with: "-").replacingOccurrences(of: "—", with: "-")
            .replacingOccurrences(of: "×", with: "x").replacingOccurrences(of: "²", with: "2")
    }

    static func isASCII(_ text: String) -> Bool { text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } }
}
