import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics

/// The SDTM PP-style long table of `pkfit nca --format pp`: one row per profile × parameter.
///
/// Driven by `NCARegistry`: every column with a `PPTest` becomes a `PPTESTCD`, in registry order (CDISC
/// codes, and sponsor-defined codes for the QC counts); text columns (window-end flags, unit, notes) are not
/// parameters and are left out. Conventions, decided and documented in docs/pp-output.md:
/// - `PPORRES` is the value at full precision (shortest round-trip decimal), `PPSTRESC` the same text and
///   `PPSTRESN` the number; no unit conversion is made, so `PPSTRESU` = `PPORRESU`.
/// - Units: levels in the profile's unit (from the unit column, e.g. `AVALU`), times in the analysis' time
///   unit (`NCAOptions/timeUnit`: `h`, `day`, …), AUCs `<time>*<unit>` (`h*ug/mL`), rates `1/<time>`,
///   percentages `%`; dimensionless values and counts have no unit. When the input has no unit column, level
///   and AUC units are empty rather than guessed.
/// - Interval AUCs (`AUCINT`, and `AUCINTIS` for the λz-extrapolated variant, PKNCA's aucint.inf.obs code)
///   carry `PPSTINT` / `PPENINT` as ISO 8601 durations of the window in its real unit (`ISODuration`: 0–24 h
///   is `P0D`, `P1D`); other parameters leave them empty.
/// - A value that is not computable has empty results, `PPSTAT` = `NOT DONE` and the reason in `PPREASND`.
/// - `PPGRPID` holds the profile's `--group` values joined by `; ` (empty without groups), so profiles of one
///   subject stay apart; `PPSEQ` numbers each subject's rows from 1 across all its profiles.
public enum PPTable {
    /// Column names, in output order.
    public static let columns = [
        "STUDYID", "DOMAIN", "USUBJID", "PPSEQ", "PPGRPID", "PPTESTCD", "PPTEST", "PPORRES", "PPORRESU",
        "PPSTRESC", "PPSTRESN", "PPSTRESU", "PPSTAT", "PPREASND", "PPSTINT", "PPENINT", "PPEXCLBY", "LAMZNOTE",
    ]

    /// The PP table of `results` (NCA run with `options`); `studyIDs`, when given, has one entry per result.
    public static func make(_ results: [NCAResult], options: NCAOptions, studyIDs: [String]? = nil) -> ResultTable {
        let layout = Layout(options: options)
        var profilesSeen: [String: Int] = [:]
        var rows: [[ResultCell]] = []
        rows.reserveCapacity(results.count * layout.parameters.count)
        var row = [ResultCell](repeating: .empty, count: columns.count)
        for (index, result) in results.enumerated() {
            let earlier = profilesSeen[result.subject] ?? 0
            profilesSeen[result.subject] = earlier + 1
            let study = studyIDs.map { ResultCell.text($0[index]) } ?? .empty
            let group = Layout.group(result.groups)
            for k in layout.parameters.indices {
                layout.fill(&row, parameter: k, of: result, group: group, study: study, earlierProfiles: earlier)
                rows.append(row)
            }
        }
        return ResultTable(columns: columns, rows: rows)
    }

    /// The parameters a PP table has for given options, and how each row is filled: shared by ``make`` and
    /// the streamed export, so both write the same cells.
    struct Layout: Sendable {
        /// What a PP row needs of its registry column (the whole ``NCAColumn`` would be copied, with all its
        /// names and closures, for every row).
        struct Parameter: Sendable {
            var cell: @Sendable (NCAResult) -> NCAColumnValue
            var reason: @Sendable (NCAResult) -> String?
            var excludedBy: @Sendable (NCAResult) -> [AcceptanceCriterion]
            var dependsOnLambdaZ: Bool
            var unit: UnitKind
            var code: String
            var test: ResultCell
            /// `PPSTINT` and `PPENINT`.
            var start: ResultCell
            var end: ResultCell
        }

        let options: NCAOptions
        /// The registry's columns that are PP parameters, in registry order.
        let parameters: [Parameter]

        init(options: NCAOptions) {
            self.options = options
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
                    dependsOnLambdaZ: column.dependsOnLambdaZ, unit: column.unit, code: test.code,
                    test: .text(test.name),
                    start: duration(interval?.start), end: duration(interval?.end))
            }
        }

        /// The `PPGRPID` cell of a profile with these `--group` values.
        static func group(_ groups: [String]) -> ResultCell {
            let joined = groups.joined(separator: "; ")
            return joined.isEmpty ? .empty : .text(joined)
        }

        /// Overwrites `row` (one cell per ``PPTable/columns``) with parameter `k` of `result`, whose `PPGRPID`
        /// is `group` (``group(_:)``). `earlierProfiles` counts the subject's profiles before this one: every
        /// profile has one row per parameter, so `PPSEQ` runs on across them.
        func fill(
            _ row: inout [ResultCell], parameter k: Int, of result: NCAResult, group: ResultCell, study: ResultCell,
            earlierProfiles: Int
        ) {
            let parameter = parameters[k]
            row[0] = study
            row[1] = .text("PP")
            row[2] = .text(result.subject)
            row[3] = .integer(earlierProfiles * parameters.count + k + 1)
            row[4] = group
            row[5] = .text(parameter.code)
            row[6] = parameter.test
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
            let unit =
                unitText(parameter.unit, levelUnit: result.unit, timeUnit: options.timeUnit).map(ResultCell.text)
                ?? .empty
            row[7] = text.map(ResultCell.text) ?? .empty
            row[8] = unit
            row[9] = row[7]
            row[10] = number
            row[11] = unit
            row[12] = text == nil ? .text("NOT DONE") : .empty
            row[13] = text == nil ? .text(PPTable.reason(parameter.reason, result)) : .empty
            row[14] = parameter.start
            row[15] = parameter.end
            // Not SDTM PP variables (PPSTAT/PPREASND are for values not done): in a submission they would be
            // SUPPPP records with these QNAMs (docs/pp-output.md).
            row[16] = AcceptanceCriterion.text(parameter.excludedBy(result)).map(ResultCell.text) ?? .empty
            if parameter.dependsOnLambdaZ, let choice = result.lambdaZChoice {
                row[17] = .text("\(choice.rule): \(choice.reason)")
            } else {
                row[17] = .empty
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
