import CARKinetics
import Foundation
import Testing

/// Builds the design of a public NIST linear problem from its model form (see each file's "Model:").
private func nistDesign(_ problem: NISTLinearProblem) throws -> (Matrix, [Double]) {
    let y = problem.rows.map { $0[0] }
    let m = problem.rows.count
    switch problem.name {
    case "Longley": // y = B0 + B1*x1 + … + B6*x6
        return (Matrix(rows: m, columns: 7) { i, j in j == 0 ? 1 : problem.rows[i][j] }, y)
    case "NoInt1": // y = B1*x
        return (Matrix(rows: m, columns: 1) { i, _ in problem.rows[i][1] }, y)
    default: // polynomials y = B0 + B1*x + … + Bk*x^k
        let degree = problem.certified.count - 1
        return (Matrix(rows: m, columns: degree + 1) { i, j in pow(problem.rows[i][1], Double(j)) }, y)
    }
}

@Suite("Linear least squares")
struct LinearLeastSquaresTests {
    @Test(
        "NIST StRD linear problems: every certified value at LRE ≥ 7",
        arguments: ["Norris", "Pontius", "NoInt1", "Longley", "Wampler1", "Wampler2"])
    func nist(name: String) throws {
        let problem = try NISTLinearProblem(fixture: name)
        let (design, y) = try nistDesign(problem)
        let fit = try LinearLeastSquares.solve(design: design, response: y)
        #expect(fit.rank == problem.certified.count)
        #expect(fit.degreesOfFreedom == problem.rows.count - problem.certified.count)
        for (j, certified) in problem.certified.enumerated() {
            let lre = testLRE(fit.coefficients[j], certified.value)
            #expect(lre >= 7, "\(name) \(certified.name): \(fit.coefficients[j]) vs \(certified.value), LRE \(lre)")
            let se = fit.standardErrors?[j] ?? .nan
            let seLRE = testLRE(se, certified.standardDeviation)
            #expect(seLRE >= 7, "\(name) SD(\(certified.name)): \(se) vs \(certified.standardDeviation), LRE \(seLRE)")
        }
        let sdLRE = testLRE(fit.residualStandardDeviation, problem.residualStandardDeviation)
        #expect(sdLRE >= 7, "\(name) residual SD \(fit.residualStandardDeviation), LRE \(sdLRE)")
        let ssrLRE = testLRE(fit.ssr, problem.residualSumOfSquares)
        #expect(ssrLRE >= 7, "\(name) SSR \(fit.ssr), LRE \(ssrLRE)")
        // The library's public LRE agrees with the independent one used here.
        #expect(logRelativeError(estimate: fit.ssr, certified: problem.residualSumOfSquares) == max(0, ssrLRE))
    }
}
