import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

@Suite struct FormulaFitTests {
    /// Every public nonlinear problem from both starts reaches the certified values through the formula
    /// path (text model, exact Jacobian, default options).
    @Test(arguments: nistNonlinearNames)
    func certifiedValuesFromBothStarts(name: String) throws {
        let problem = try nistProblem("nonlinear", name)
        let model = try problem.boundModel()
        for start in problem.starts {
            let fit = try FormulaFit.fit(
                model, start: start, values: problem.predictorValues, response: problem.responseValues)
            #expect(fit.converged, "\(name): \(fit.termination)")
            for (j, estimate) in fit.parameters.enumerated() {
                let lre = logRelativeError(estimate, problem.certifiedValues[j])
                #expect(lre >= 6, "\(name) \(problem.parameters[j]) from \(start): \(estimate) (LRE \(lre))")
            }
            #expect(logRelativeError(fit.ssr, problem.certifiedResidualSumOfSquares) >= 6, "\(name) ssr \(fit.ssr)")
        }
    }

    @Test func textFormulaAndTransformedResponse() throws {
        // log[C] = a - k*t on exact data: C = 100·exp(-0.3 t).
        let t = [0.5, 1, 2, 4, 8, 12]
        let c = t.map { 100 * exp(-0.3 * $0) }
        let fit = try FormulaFit.fit(
            formula: "log[C] = a - k*t", parameters: ["a", "k"], start: [1, 1],
            variables: ["t"], values: [t], response: c)
        #expect(isClose(fit.parameters[0], log(100), relative: 1e-12))
        #expect(isClose(fit.parameters[1], 0.3, relative: 1e-12))
        #expect(fit.ssr < 1e-24)
    }

    @Test func unusableInputIsAnError() throws {
        let model = try Formula(parsing: "log[y] = a*x").bind(parameters: ["a"], variables: ["x"])
        #expect(throws: FormulaFitError.startCount(expected: 1, actual: 2)) {
            try FormulaFit.fit(model, start: [1, 2], values: [[1, 2]], response: [1, 2])
        }
        #expect(throws: FormulaFitError.variableLength(variable: "x", expected: 2, actual: 3)) {
            try FormulaFit.fit(model, start: [1], values: [[1, 2, 3]], response: [1, 2])
        }
        #expect(throws: FormulaFitError.nonFiniteResponse(observation: 2, value: -1)) {
            try FormulaFit.fit(model, start: [1], values: [[1, 2]], response: [1, -1])
        }
        #expect(throws: FormulaFitError.nonFiniteVariable(variable: "x", observation: 1)) {
            try FormulaFit.fit(model, start: [1], values: [[.nan, 2]], response: [1, 2])
        }
        do {
            _ = try FormulaFit.fit(
                formula: "y = a*", parameters: ["a"], start: [1], variables: [], values: [], response: [1])
            Issue.record("bad formula accepted")
        } catch {
            #expect(
                error.description
                    == "formula: column 7: expected a number, a name or an opening bracket but the formula ended")
        }
    }
}
