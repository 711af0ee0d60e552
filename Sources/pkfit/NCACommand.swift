import ArgumentParser
import CARKinetics
import Foundation

extension AUCMethod: ExpressibleByArgument {}

/// `pkfit nca`: noncompartmental analysis, one row per subject.
struct NCACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nca",
        abstract: "Noncompartmental analysis (Cmax, Tmax, AUCs, λz, ...) per subject.",
        discussion: "Rules: docs/nca-rules.md. Errors name file, line and column; no output file is written on error.")

    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .customLong("auc-method"), help: "linear or linear-up-log-down.")
    var aucMethod: AUCMethod = .linearUpLogDown

    @Option(name: .customLong("interval"), help: "Partial AUC window A,B in days; repeatable (default 0,28 and 0,90).")
    var intervals: [String] = []

    @Option(name: .customLong("blq-rule"),
            help: "BLQ treatment by position, e.g. first=keep,middle=drop,last=keep (keep = set to 0).")
    var blqRule: String?

    func run() throws {
        var options = NCAOptions(aucMethod: aucMethod)
        if !intervals.isEmpty { options.intervals = try intervals.map(Self.parseInterval) }
        if let blqRule { options.blqRule = try Self.parseBLQRule(blqRule) }
        let analysis = NCAAnalysis(selection: input.selection, options: options)
        let result: NCAAnalysis.Output
        do {
            result = try analysis.run(files: input.files.map { URL(fileURLWithPath: $0) })
        } catch {
            throw CommandFailure(message: error.description)
        }
        do {
            try output.emit(result.table)
        } catch let error as OutputError {
            throw CommandFailure(message: error.description)
        }
    }

    static func parseInterval(_ text: String) throws -> AUCInterval {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = Double(parts[0].trimmingCharacters(in: .whitespaces)),
              let b = Double(parts[1].trimmingCharacters(in: .whitespaces)),
              let interval = AUCInterval(start: a, end: b) else {
            throw ValidationError("--interval '\(text)': expected A,B with 0 <= A < B, e.g. 0,28")
        }
        return interval
    }

    static func parseBLQRule(_ text: String) throws -> BLQRule {
        var rule = BLQRule.pknca
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard pair.count == 2, let treatment = BLQTreatment(rawValue: pair[1]) else {
                throw ValidationError("--blq-rule '\(text)': expected position=keep|drop, e.g. middle=keep")
            }
            switch pair[0] {
            case "first": rule.first = treatment
            case "middle": rule.middle = treatment
            case "last": rule.last = treatment
            default: throw ValidationError("--blq-rule '\(text)': position must be first, middle or last")
            }
        }
        return rule
    }
}

/// A failure already worded for the user: printed as is on stderr, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
