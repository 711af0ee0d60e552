import ArgumentParser
import CARKinetics
import Foundation

/// The acceptance criteria of λz and AUCinf, and terminal phases chosen by hand (docs/nca-rules.md); part of
/// every command that runs NCA.
struct LambdaZOptionGroup: ParsableArguments {
    @Option(
        name: .customLong("lambda-z-min-r2"),
        help: "λz is excluded from summaries when the R² of its regression is below this (default 0.9).")
    var minimumR2: String?

    @Option(
        name: .customLong("lambda-z-min-span"),
        help: "λz is excluded when its span ratio (λz time range / half-life) is below this (default 2).")
    var minimumSpan: String?

    @Option(
        name: .customLong("aucinf-max-extrapolated"),
        help: "AUCinf is excluded when more than this percent of it is extrapolated (default 20), or when λz is.")
    var maximumExtrapolated: String?

    @Option(
        name: .customLong("lambda-z-points"),
        help:
            "CSV choosing λz points by hand: subject[,group columns],first,last,exclude,reason (docs/nca-rules.md).")
    var pointsFile: String?

    /// The points file, as an input the output-safety checks must know.
    var inputs: [String] { pointsFile.map { [$0] } ?? [] }

    /// Sets the criteria and reads the points file (for an analysis with these group columns) into `options`.
    func apply(to options: inout NCAOptions, groupColumns: [String]) throws {
        if let minimumR2 {
            options.lambdaZMinimumR2 = try Self.threshold(minimumR2, "--lambda-z-min-r2", in: 0...1)
        }
        if let minimumSpan {
            options.lambdaZMinimumSpanRatio = try Self.threshold(minimumSpan, "--lambda-z-min-span", in: 0...1e300)
        }
        if let maximumExtrapolated {
            options.aucinfMaximumPercentExtrapolated = try Self.threshold(
                maximumExtrapolated, "--aucinf-max-extrapolated", in: 0...100)
        }
        if let pointsFile {
            do {
                options.lambdaZPoints = try LambdaZPoints(
                    contentsOf: URL(fileURLWithPath: pointsFile), displayName: pointsFile, groupColumns: groupColumns)
            } catch {
                throw CommandFailure(message: error.description)
            }
        }
    }

    /// A number in the cell grammar within `range`.
    static func threshold(_ text: String, _ flag: String, in range: ClosedRange<Double>) throws -> Double {
        guard case .number(let value) = NumberText.parse(text), range.contains(value) else {
            let bounds =
                range.upperBound >= 1e300
                ? "a number >= 0" : "a number from 0 to \(range.upperBound == 1 ? "1" : "100")"
            throw ValidationError("\(flag) '\(text)': expected \(bounds)")
        }
        return value
    }
}
