import ArgumentParser
import CARKinetics
import Foundation

/// `pkfit report`: a self-contained HTML report (and/or Markdown with SVG files).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "HTML report: input summary, cohort tables, per-subject NCA, plots (inline SVG, no scripts).",
        discussion: "--markdown PATH also writes PATH-figure-N.svg files next to PATH for the figures.")

    @OptionGroup var input: InputOptions
    @OptionGroup var nca: NCAFlags

    @Option(help: "HTML file to write (atomically); - is standard output.")
    var output: String?

    @Option(help: "Markdown file to write, with the figures as SVG files beside it.")
    var markdown: String?

    @Option(help: "Report title.")
    var title: String = "Cellular kinetics report"

    @Flag(help: "Fit a kinetic model per subject and show each profile with its fitted curve and a fit table.")
    var fit = false

    @Option(
        help:
            "Model for --fit: \(KineticModel.allCases.map(\.rawValue).joined(separator: ", ")) (default auto, which falls back to fewer parameters for sparse profiles)."
    )
    var model: KineticModel?

    @Option(
        help:
            "BLQ samples in --fit: m3 (censored likelihood) or drop; default m3 when every BLQ sample at t >= 0 has a known LLOQ, otherwise drop."
    )
    var blq: CensoringMethod?

    @Option(
        help:
            "Per-subject response column: adds exposure by response (GMR, Mann–Whitney, logistic curve) and persistence (Kaplan–Meier by group) sections."
    )
    var response: String?

    @Option(
        help:
            "With --response: a value meaning responder (repeatable); default: recognise yes/no, 1/0, CR/PR vs SD/PD, …."
    )
    var responder: [String] = []

    @Option(
        name: .customLong("group-order"),
        help:
            "Order of the groups, comma-separated (several group columns: values joined by ' / '); groups not named follow. Default: numeric-aware sort."
    )
    var groupOrder: String?

    @Option(
        name: .customLong("nominal-time"),
        help:
            "Column of nominal times for the median profiles (default NFRLT when the file has it; otherwise actual times are binned)."
    )
    var nominalTime: String?

    @Option(name: .customLong("dose-unit"), help: "Unit of the --dose column, for axis titles (e.g. 'CAR+ cells').")
    var doseUnit: String?

    @Flag(
        help:
            "Fit a population (nonlinear mixed-effects) model as pkfit popfit does and add its section: estimates, observed vs PRED/IPRED, CWRES, individual fits, VPC."
    )
    var popfit = false

    @OptionGroup var population: PopulationModelOptions

    @OptionGroup var rows: RowAuditOptions

    /// The names given to --group-order.
    var groupOrderNames: [String] {
        groupOrder.map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        } ?? []
    }

    func validate() throws {
        if output == nil && markdown == nil {
            throw ValidationError("Give --output report.html and/or --markdown report.md.")
        }
        if model != nil && !fit && !popfit {
            throw ValidationError("--model needs --fit or --popfit.")
        }
        if blq != nil && !fit && !popfit {
            throw ValidationError("--blq needs --fit or --popfit.")
        }
        if population.anyGiven && !popfit {
            throw ValidationError("--formula, --start, --random, --covariate, --error and --starts need --popfit.")
        }
        if popfit { try population.validate(model: fit ? nil : model?.rawValue) }
        if groupOrder != nil && (groupOrderNames.contains("") || Set(groupOrderNames).count != groupOrderNames.count) {
            throw ValidationError(
                "--group-order '\(groupOrder ?? "")': expected distinct group names separated by commas, e.g. DL1,DL2,DL3"
            )
        }
        if !responder.isEmpty && response == nil {
            throw ValidationError("--responder needs --response.")
        }
        if let response, input.group.contains(response) {
            throw ValidationError(
                "--response '\(response)' is also a --group column; a response cannot split the groups it is compared within"
            )
        }
        try FileSafety.check(
            inputs: input.files + nca.nca.lambdaZ.inputs,
            outputs: (output.map { [FileSafety.Output(flag: "--output", path: $0)] } ?? [])
                + (markdown.map { [FileSafety.Output(flag: "--markdown", path: $0)] } ?? []) + rows.outputs,
            figuresBeside: markdown)
    }

    func run() throws {
        // Built once: with an ADNCA file it reads the inputs' headers (docs/input-formats.md).
        let selection = input.selection
        let (result, options) = try nca.analyze(input, rows: rows)
        var fits: [SubjectFit]?
        if fit {
            let fitter = KineticFitter(model: model ?? .auto)
            var analysis = KineticAnalysis(selection: selection, method: .model(fitter))
            analysis.blq = blq
            let profiles = result.nca.profiles
            if blq == .m3 {
                let names = result.nca.profileFiles.map { result.nca.ledgers[$0].file }
                if let error = KineticAnalysis.missingLimit(profiles, fileNames: names) {
                    throw CommandFailure(message: error.description + "; give --lloq COLUMN|NUMBER, or --blq drop")
                }
            }
            fits = analysis.fit(profiles, timeUnit: result.nca.timeUnit)
        }
        var settings = CohortReport.Settings()
        settings.groupOrder = GroupOrder(explicit: groupOrderNames)
        let keys = result.summary.rows.map(\.groups)
        let unknown = settings.groupOrder.unknown(among: keys)
        if !unknown.isEmpty {
            var seen: [String] = []
            for key in keys.map(GroupOrder.name) where !seen.contains(key) { seen.append(key) }
            throw ValidationError(
                "--group-order: \(unknown.map { "'\($0)'" }.joined(separator: ", ")) \(unknown.count == 1 ? "is not a group" : "are not groups") of the data; the groups are \(seen.joined(separator: ", "))"
            )
        }
        settings.doseUnit = doseUnit
        let urls = input.urls
        do {
            settings.nominalTimes = try CohortReport.nominalTimes(
                of: result, files: urls, selection: selection, column: nominalTime ?? "NFRLT")
            settings.nominalTimeColumn = nominalTime ?? "NFRLT"
        } catch {
            // Without the default column the actual times are binned; a column asked for by name must be read.
            if nominalTime != nil { throw CommandFailure(message: "--nominal-time: \(error.description)") }
        }
        do {
            settings.provenance = Provenance(
                date: Provenance.timestamp(Self.reportDate()),
                commandLine: Provenance.shellQuoted(["pkfit"] + CommandLine.arguments.dropFirst()),
                inputs: try zip(urls, input.files).map { url, name throws(DataError) in
                    try Provenance.input(url, name: name)
                })
        } catch {
            throw CommandFailure(message: error.description)
        }
        var report = CohortReport.build(
            result, title: title, options: options, fits: fits,
            lloqAdvice: "with --lloq (e.g. --lloq LLOQ or --lloq 50)", settings: settings)
        if popfit {
            report.insert(
                try populationSection(
                    selection: selection, unit: result.unit,
                    timeUnit: TimeUnitText(result.nca.timeUnit, assumed: result.nca.timeUnitAssumed),
                    nominal: settings.nominalTimes.map { (result.nca.profiles, $0) },
                    nominalColumn: settings.nominalTimeColumn),
                beforeHeading: CohortReport.appendixHeading)
        }
        if let response {
            report.insert(
                try responseSections(response, options: options, unit: result.unit),
                beforeHeading: CohortReport.appendixHeading)
        }
        // Everything is rendered before the first file is written.
        var files: [(URL, String)] = []
        var standardOutput: String?
        if output == "-" {
            standardOutput = HTMLReport.render(report)
        } else if let output {
            files.append((URL(fileURLWithPath: output), HTMLReport.render(report)))
        }
        if let markdown {
            let url = URL(fileURLWithPath: markdown)
            let stem = url.deletingPathExtension().lastPathComponent
            let (text, figures) = MarkdownReport.render(report, figureStem: stem)
            files.append((url, text))
            let directory = url.deletingLastPathComponent()
            files += figures.map { (directory.appendingPathComponent($0.fileName), $0.image.markup + "\n") }
        }
        // HTML, Markdown, figures and audit are committed together: all renamed, or none.
        try rows.emit(
            audit: { () throws(DataError) in try nca.audit(result, input) },
            results: { transaction in
                for (url, text) in files { try transaction.add(text, to: url.path) }
            })
        // `--output -`: the HTML goes to standard output once every file is in place.
        if let standardOutput { try StandardStreams.writeOutput(standardOutput) }
    }

    /// Now, or the time in `SOURCE_DATE_EPOCH` (seconds since 1970, UTC) when it is set, as reproducible builds
    /// do: two runs on the same inputs then give the same bytes.
    static func reportDate() -> Date {
        if let text = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"], let seconds = Int64(text) {
            return Date(timeIntervalSince1970: TimeInterval(seconds))
        }
        return Date()
    }

    /// The population-model section: the model fitted as `pkfit popfit` fits it, with its diagnostics and VPC.
    private func populationSection(
        selection: ColumnSelection, unit: String?, timeUnit: TimeUnitText,
        nominal: (profiles: [Profile], times: [[Double?]])?, nominalColumn: String?
    ) throws -> [Report.Block] {
        // With --fit, --model chooses the per-subject model; the population model is then Stein or a formula.
        let builtIn = fit ? nil : model?.rawValue
        let run = population.run(model: builtIn, censoring: blq ?? .m3)
        let populationModel = try run.populationModel()
        let (fitted, data, _, lloq) = try run.fit(
            populationModel, input: input, selection: selection, announce: false)
        let predictor: PopulationPredictor
        do {
            predictor = try PopulationPredictor(model: populationModel, data: data, fit: fitted, lloq: lloq)
        } catch {
            throw CommandFailure(message: "--popfit: \(error.description)")
        }
        // The VPC bins by nominal time when the report has them: matched to the fit's samples by subject and
        // actual time (the population data keep the samples at t >= 0 that are not missing, in time order).
        var nominalBySample: [[Double?]]?
        if let nominal {
            var lookup: [String: [UInt64: Double]] = [:]
            for (profile, times) in zip(nominal.profiles, nominal.times) {
                for (observation, time) in zip(profile.observations, times) {
                    if let time { lookup[profile.subject, default: [:]][observation.time.bitPattern] = time }
                }
            }
            nominalBySample = predictor.subjects.map { subject in
                subject.times.map { lookup[subject.id]?[$0.bitPattern] }
            }
        }
        let diagnostics = PopulationDiagnostics.run(
            predictor, replicates: PopulationReport.replicates, nominal: nominalBySample)
        var sectionSettings = PopulationReport.Settings()
        sectionSettings.formulaText = population.formula
        sectionSettings.unit = unit
        sectionSettings.timeUnit = timeUnit
        sectionSettings.nominalTimeColumn = nominalColumn
        return PopulationReport.blocks(
            fit: fitted, model: populationModel, data: data, diagnostics: diagnostics, settings: sectionSettings)
    }

    /// The exposure–response and persistence sections (the files are read again with the response column).
    private func responseSections(_ column: String, options: NCAOptions, unit: String?) throws -> [Report.Block] {
        // Built once: with an ADNCA file it reads the inputs' headers (docs/input-formats.md).
        let selection = input.selection
        let files = input.urls
        var analysis = ResponseAnalysis(
            selection: selection, options: options, responseColumn: column, responderValues: responder)
        analysis.invalidRows = rows.invalidRows
        var persistence = PersistenceAnalysis(selection: selection)
        persistence.invalidRows = rows.invalidRows
        do {
            let compared = try analysis.run(files: files)
            let persisted = try persistence.run(files: files)
            return ResponseReport.blocks(
                compared, responseColumn: column, persistence: persisted, groupColumns: input.group,
                days: PersistenceCommand.days, unit: unit)
        } catch {
            throw CommandFailure(message: error.commandLineDescription)
        }
    }
}
