import ArgumentParser
import CARKinetics
import Foundation

/// `pkfit response`: exposure by response — responders against non-responders per NCA parameter.
struct ResponseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "response",
        abstract:
            "Exposure–response: GMR (Welch 90% CI), Mann–Whitney U and logistic regression on ln exposure per parameter.",
        discussion: """
            The response is a per-subject column (the same value on every row of a subject). Without --responder, \
            yes/no, Y/N, true/false, 1/0, responder/non-responder, R/NR and CR/PR vs SD/PD are recognised. \
            Exposures come from the NCA (same flags as pkfit nca); missing or non-positive exposures are left out \
            and counted (n_excluded). Definitions and validation: docs/response.md.
            """)

    @OptionGroup var input: InputOptions
    @OptionGroup var nca: NCAOptionGroup

    @Option(help: "The per-subject response column.")
    var response: String

    @Option(help: "A value of the response column meaning responder (repeatable); all other values are non-responders.")
    var responder: [String] = []

    @Option(help: "Comma-separated NCA parameters to compare (default: cmax, the interval AUCs, aucinf_obs).")
    var parameters: String?

    @Flag(help: "Firth's penalised likelihood for every logistic fit (otherwise only when the outcome is separated).")
    var firth = false

    @OptionGroup var output: OutputOptions<TableFormat>
    @OptionGroup var rows: RowAuditOptions

    func validate() throws {
        if input.group.contains(response) {
            throw ValidationError(
                "--response '\(response)' is also a --group column; a response cannot split the groups it is compared within"
            )
        }
        if let parameters { _ = try Self.parseParameters(parameters) }
        try FileSafety.check(inputs: input.files + nca.lambdaZ.inputs, outputs: output.outputs + rows.outputs)
    }

    static func parseParameters(_ text: String) throws -> [String] {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        if names.contains(where: \.isEmpty) {
            throw ValidationError("--parameters '\(text)': expected comma-separated names, e.g. cmax,auc_0_28")
        }
        if let repeated = names.enumerated().first(where: { names[..<$0.offset].contains($0.element) })?.element {
            throw ValidationError("--parameters '\(text)': '\(repeated)' is named twice")
        }
        return names
    }

    func run() throws {
        // Built once: with an ADNCA file it reads the inputs' headers (docs/input-formats.md).
        let selection = input.selection
        var analysis = ResponseAnalysis(
            selection: selection, options: try nca.options(groupColumns: selection.groups),
            responseColumn: response,
            responderValues: responder,
            parameters: try parameters.map(Self.parseParameters), firth: firth)
        analysis.invalidRows = rows.invalidRows
        let files = input.urls
        let result: ResponseAnalysis.Output
        do {
            result = try analysis.run(files: files)
        } catch {
            throw CommandFailure(message: error.commandLineDescription)
        }
        rows.reportExclusions(result.nca.ledgers)
        InputOptions.noteTimeUnit(assumed: result.nca.timeUnitAssumed)
        let audit = NCAAnalysis(selection: analysis.readSelection)
        try rows.emit(ResponseTables.comparison(result), through: output) { () throws(DataError) in
            try audit.audit(result.nca, files: files)
        }
    }
}
