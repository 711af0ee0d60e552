import ArgumentParser
import CARKinetics
import Foundation

@main
struct PKFit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pkfit",
        abstract: "Cellular kinetics of CAR-T therapies: NCA, model fits, cohort summaries and reports.",
        version: PackageVersion.current,
        subcommands: [
            NCACommand.self, FitCommand.self, PopFitCommand.self, SummaryCommand.self, ResponseCommand.self,
            PersistenceCommand.self, ReportCommand.self, Validate.self,
        ]
    )

    /// ArgumentParser's `main()`, except that the error text is written with control characters escaped, in
    /// one `write(2)` call (not byte by byte), and standard descriptors that were closed are first given a
    /// read-only `/dev/null` (`StandardStreams.prepare()`); a mistyped subcommand gets a suggestion
    /// (`CommandSuggestion`) instead of "unexpected arguments".
    static func main() {
        StandardStreams.prepare()
        if let message = CommandSuggestion.unknownSubcommand(Array(CommandLine.arguments.dropFirst()), of: Self.self) {
            StandardStreams.writeError(
                "Error: \(MessageText.escaped(message))\nUsage: pkfit <subcommand>\n  See 'pkfit --help' for more information.\n"
            )
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { try? StandardStreams.writeOutput(message + "\n") }
            } else if !message.isEmpty {
                StandardStreams.writeError(MessageText.escaped(message, keepingLineBreaks: true) + "\n")
            }
            Foundation.exit(code.rawValue)
        }
    }
}
