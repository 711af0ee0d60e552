import ArgumentParser
import CARKinetics
import Foundation

extension AUCMethod: ExpressibleByArgument {}

/// NCA computation options; shared by every command that runs NCA (`nca`, and later reports).
struct NCAOptionGroup: ParsableArguments {
    @Option(name: .customLong("auc-method"), help: "linear or linear-up-log-down.")
    var aucMethod: AUCMethod = .linearUpLogDown

    @Option(
        name: .customLong("interval"),
        help:
            "Partial AUC window A,B in the output time unit, or with a unit suffix (0,24h, 0,28d, 0,2w, 0,90min); repeatable (default 0,28d and 0,90d, converted to the output time unit)."
    )
    var intervals: [String] = []

    @Option(
        name: .customLong("blq-rule"),
        help: "BLQ treatment by position, e.g. first=keep,middle=drop,last=keep (keep = set to 0).")
    var blqRule: String?

    @OptionGroup var lambdaZ: LambdaZOptionGroup

    /// The library options these flags describe, for an analysis with these group columns (a λz points file
    /// names profiles by them).
    func options(groupColumns: [String]) throws -> NCAOptions {
        var options = NCAOptions(aucMethod: aucMethod)
        try lambdaZ.apply(to: &options, groupColumns: groupColumns)
        if !intervals.isEmpty {
            options.intervals = try intervals.map(Self.parseInterval)
            for (k, interval) in options.intervals.enumerated() where options.intervals[..<k].contains(interval) {
                throw ValidationError("--interval '\(intervals[k])' is given twice")
            }
        }
        if let blqRule { options.blqRule = try Self.parseBLQRule(blqRule) }
        return options
    }

    static func parseInterval(_ text: String) throws -> AUCInterval {
        do {
            return try AUCIntervalGrammar.parse(text)
        } catch {
            throw ValidationError("--interval '\(text)': \(error.message)")
        }
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
