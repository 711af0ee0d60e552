import ArgumentParser
import CARKinetics
import Foundation

/// `pkfit validate …`: accuracy checks of the installation against reference datasets.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the numerical engine against reference datasets.",
        subcommands: [ValidateNIST.self]
    )
}

/// `pkfit validate nist DIR [--json OUT] [--min-lre 6]`.
struct ValidateNIST: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nist",
        abstract: "Fit the NIST StRD regression problems and score the estimates against the certified values.",
        discussion: """
            Reads every .dat file in DIR and in DIR/nonlinear and DIR/linear. Each nonlinear problem is fitted \
            from start 1 and start 2 with the default Levenberg–Marquardt options (the same for every problem) \
            and exact Jacobians from the model text; each linear problem is solved by linear least squares on \
            a design built from the model text. The table shows, per problem and start, the smallest log \
            relative error (LRE, correct significant digits) over the parameters, the LRE of the residual sum \
            of squares, and the solver's iterations. Exits with status 1 if any parameter LRE is below --min-lre.
            """
    )

    @Argument(help: "Directory with NIST StRD .dat files (and/or nonlinear/ and linear/ subfolders).")
    var directory: String

    @Option(name: .long, help: "Write the estimates as JSON to this file (parameters in file order, full precision).")
    var json: String?

    @Option(name: .customLong("min-lre"), help: "Smallest acceptable parameter LRE.")
    var minLRE: Double = 6

    func validate() throws {
        guard minLRE.isFinite, minLRE >= 0 else { throw ValidationError("--min-lre must be a number ≥ 0, got \(minLRE)") }
    }

    func run() throws {
        let problems = try NISTValidation.problems(in: URL(fileURLWithPath: directory))
        var results: [NISTValidation.Result] = []
        for problem in problems { results += try NISTValidation.run(problem) }

        if let json {
            let text = NISTValidation.estimatesJSON(results)
            do {
                try AtomicFileWriter.write(text, to: URL(fileURLWithPath: json))
            } catch {
                throw OutputFailure(message: "cannot write \(json): \(error.localizedDescription)")
            }
        }
        var report = table(results)

        let failing = results.filter { !($0.minimumLRE >= minLRE) }
        let solves = results.count
        let lowest = results.min { $0.minimumLRE < $1.minimumLRE }
        if let lowest {
            report += "\(problems.count) problems, \(solves) solves; lowest parameter LRE \(format(lowest.minimumLRE)) (\(label(lowest)))\n"
        }
        do {
            try StandardStreams.writeOutput(report)
        } catch {
            throw OutputFailure(message: error.description)
        }
        if !failing.isEmpty {
            let names = failing.map(label).joined(separator: ", ")
            StandardStreams.writeError("pkfit validate nist: \(failing.count) of \(solves) below LRE \(format(minLRE)): \(names)\n")
            throw ExitCode.failure
        }
    }

    private func label(_ result: NISTValidation.Result) -> String {
        result.start.map { "\(result.problem) start \($0)" } ?? result.problem
    }

    private func format(_ value: Double) -> String { String(format: "%.1f", value) }

    private func table(_ results: [NISTValidation.Result]) -> String {
        let header = ["problem", "start", "min LRE", "RSS LRE", "iterations", "termination"]
        let rows = results.map { r in
            [r.problem, r.start.map(String.init) ?? "-", format(r.minimumLRE), format(r.residualSumOfSquaresLRE),
             r.iterations.map(String.init) ?? "-", r.termination.map { "\($0)" } ?? "linear solve"]
        }
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return c == 0 || c == cells.count - 1 ? cell + pad : pad + cell
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
        }
        return ([header] + rows).map(line).joined()
    }
}

/// A failure to write an output file (not a usage error, so no usage text; exit status 1).
private struct OutputFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
