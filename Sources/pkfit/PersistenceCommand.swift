import ArgumentParser
import CARKinetics
import Foundation

extension KaplanMeier.Convention: ExpressibleByArgument {}

/// `pkfit persistence`: time to loss of detection, Kaplan–Meier per group and a log-rank test.
struct PersistenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "persistence",
        abstract:
            "Persistence: Kaplan–Meier time to loss of detection per group (median with 95% CI, survival at 90/180/365 days, log-rank p).",
        discussion: """
            Per profile, the persistence time is the last quantifiable sample at t >= 0 (days); an event when a BLQ \
            (or zero) sample follows it, otherwise censored there. Profiles without a quantifiable sample at \
            t >= 0 are left out and counted (n_not_evaluable). median/limits: inf = not reached. \
            Definitions and validation: docs/response.md.
            """)

    @OptionGroup var input: InputOptions

    @Option(help: "Also write one row per profile (persistence time, event, status) to this CSV file (atomically).")
    var individual: String?

    @Option(
        name: .customLong("km-convention"),
        help:
            "Where R survival and lifelines differ (median on a step at exactly 0.5, CI limits where S = 0, S past the last observed day): r (default) or lifelines."
    )
    var convention: KaplanMeier.Convention = .r

    @OptionGroup var output: OutputOptions<TableFormat>
    @OptionGroup var rows: RowAuditOptions

    static let days: [Double] = [90, 180, 365]

    func validate() throws {
        try FileSafety.check(
            inputs: input.files,
            outputs: output.outputs + rows.outputs
                + (individual.map { [FileSafety.Output(flag: "--individual", path: $0)] } ?? []))
    }

    func run() throws {
        // Built once: with an ADNCA file it reads the inputs' headers (docs/input-formats.md).
        let selection = input.selection
        var analysis = PersistenceAnalysis(selection: selection, days: Self.days, convention: convention)
        analysis.invalidRows = rows.invalidRows
        let files = input.urls
        let result: PersistenceAnalysis.Output
        do {
            result = try analysis.run(files: files)
        } catch {
            throw CommandFailure(message: error.description)
        }
        rows.reportExclusions(result.nca.ledgers)
        InputOptions.noteTimeUnit(assumed: result.nca.timeUnitAssumed)
        let table = ResponseTables.persistence(result, groupColumns: input.group, days: Self.days)
        let perSubject = individual.map { _ in
            ResponseTables.individual(result, groupColumns: input.group).rendered(as: .csv)
        }
        let audit = NCAAnalysis(selection: selection)
        // The table, the per-subject file and the audit are committed together: all renamed, or none.
        try rows.emit(
            audit: { () throws(DataError) in try audit.audit(result.nca, files: files) },
            results: { transaction in
                if let individual, let perSubject { try transaction.add(perSubject, to: individual) }
                try output.emit(table, into: transaction)
            })
    }
}
