import ArgumentParser
import CARKinetics

@main
struct PKFit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pkfit",
        abstract: "Cellular kinetics of CAR-T therapies: NCA, model fits, cohort summaries and reports.",
        subcommands: [NCACommand.self, FitCommand.self, PopFitCommand.self, SummaryCommand.self, ReportCommand.self, Validate.self]
    )
}
