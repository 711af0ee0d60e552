import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// NIST StRD Filip — the hardest linear problem of the StRD: a degree-10 polynomial, condition number ~1e15,
/// on which numpy's lstsq gets no digit right. NIST's model line elides terms (`+ ... +`).
@Suite("Linear least squares: NIST Filip")
struct FilipTests {
    static let certified: [Double] = [
        -1467.48961422980, -2772.17959193342, -2316.37108160893, -1127.97394098372, -354.478233703349,
        -75.1242017393757, -10.8753180355343, -1.06221498588947, -0.670191154593408E-01,
        -0.246781078275479E-02, -0.402962525080404E-04,
    ]
    static let certifiedSD: [Double] = [
        298.084530995537, 559.779865474950, 466.477572127796, 227.204274477751, 71.6478660875927,
        15.2897178747400, 2.23691159816033, 0.221624321934227, 0.142363763154724E-01,
        0.535617408889821E-03, 0.896632837373868E-05,
    ]

    @Test("an elided model line is written out term by term")
    func ellipsis() {
        #expect(
            NISTReader.expandingEllipsis("y = B0 + B1*x + B2*(x**2) + ... + B5*(x**5) + e")
                == "y = B0 + B1*x + B2*(x**2) + B3*(x**3) + B4*(x**4) + B5*(x**5) + e")
        // Neighbours that do not differ only in stepping integers are left for the parser to reject.
        #expect(NISTReader.expandingEllipsis("y = a*x + ... + b*exp(x)") == "y = a*x + ... + b*exp(x)")
        #expect(NISTReader.expandingEllipsis("y = B0 + B1*x") == "y = B0 + B1*x")
    }

    @Test("validation path: every coefficient and standard error of Filip to LRE >= 7")
    func filip() throws {
        let problem = try NISTProblem(contentsOf: fixtureURL("nist/linear/Filip.dat"))
        #expect(problem.kind == .linear)
        #expect(problem.parameters == (0...10).map { "B\($0)" })
        #expect(problem.responseValues.count == 82)
        guard let result = try NISTValidation.run(problem).first else {
            Issue.record("no result")
            return
        }
        for j in 0..<11 {
            let lre = logRelativeError(estimate: result.estimates[j], certified: Self.certified[j])
            #expect(lre >= 7, "B\(j): \(result.estimates[j]) vs \(Self.certified[j]) (LRE \(lre))")
        }
        #expect(result.minimumLRE >= 7)
        #expect(result.residualSumOfSquaresLRE >= 7)
        // Standard errors through the solver directly, on the same design.
        let x = problem.predictorValues[0]
        let design = Matrix(rows: x.count, columns: 11) { row, column in
            (0..<column).reduce(1.0) { power, _ in power * x[row] }
        }
        let fit = try LinearLeastSquares.solve(design: design, response: problem.responseValues)
        for j in 0..<11 {
            let se = fit.standardErrors?[j] ?? .nan
            #expect(logRelativeError(estimate: se, certified: Self.certifiedSD[j]) >= 7, "SD B\(j)")
        }
    }
}
