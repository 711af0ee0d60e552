import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

@Suite struct NISTValidationTests {
    @Test func readsTheFixtureTree() throws {
        let problems = try NISTValidation.problems(in: fixtureURL("nist"))
        #expect(problems.map(\.name) == nistNonlinearNames + nistLinearNames)
    }

    /// Linear problems through the design built from the model text reach LRE ≥ 7 on every coefficient.
    @Test(arguments: nistLinearNames)
    func linearProblems(name: String) throws {
        let results = try NISTValidation.run(try nistProblem("linear", name))
        #expect(results.count == 1 && results[0].start == nil)
        #expect(results[0].minimumLRE >= 7, "\(name): \(results[0].parameterLRE)")
        #expect(results[0].residualSumOfSquaresLRE >= 7, "\(name) ssr \(results[0].residualSumOfSquares)")
    }

    @Test func nonlinearProblemScoresEachStart() throws {
        let results = try NISTValidation.run(try nistProblem("nonlinear", "Misra1a"))
        #expect(results.map(\.start) == [1, 2])
        for result in results {
            #expect(result.minimumLRE >= 10 && result.minimumLRE <= 11) // certified to 11 digits
            #expect(result.termination?.isConvergence == true)
        }
    }

    @Test func nonlinearModelInALinearFileIsRejected() throws {
        var problem = try nistProblem("linear", "Norris")
        problem.model = "y = B0 + exp(B1*x)"
        #expect(throws: NISTError.self) { try NISTValidation.run(problem) }
    }

    /// Non-finite estimates are spelled as in every JSON output of the package (JSONWriter): strings, never
    /// `null` (which would read as "no value").
    @Test func json() throws {
        let linear = NISTValidation.Result(
            problem: "Norris", kind: .linear, start: nil, estimates: [0.1, -2.5e-15],
            residualSumOfSquares: 1, parameterLRE: [], minimumLRE: 0,
            residualSumOfSquaresLRE: 0, iterations: nil, termination: nil)
        var first = linear
        first.problem = "Misra1a"
        first.kind = .nonlinear
        first.start = 1
        first.estimates = [238.94212918, .nan, -.infinity]
        var second = first
        second.start = 2
        second.estimates = [1, 2]
        #expect(
            NISTValidation.estimatesJSON([first, second, linear]) == """
                {"generator": {"name": "CARKinetics", "version": "\(PackageVersion.current)"}, "schema": "https://carkinetics.example/schema/validate/1", "units": {}, "estimates": {
                  "Misra1a": {
                    "start1": [238.94212918, "NaN", "-Infinity"],
                    "start2": [1.0, 2.0]
                  },
                  "Norris": [0.1, -2.5e-15]
                }}

                """)
    }
}
