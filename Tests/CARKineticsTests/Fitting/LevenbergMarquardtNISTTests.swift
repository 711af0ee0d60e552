import CARKinetics
import Foundation
import Testing

/// The public NIST StRD nonlinear problems, fitted from both certified starting points with the default
/// options and exact Jacobians.
@Suite("Levenberg–Marquardt on NIST StRD nonlinear problems")
struct LevenbergMarquardtNISTTests {
    static let problems = [
        "Misra1a", "Chwirut2", "Chwirut1", "Lanczos3", "Gauss1", "Gauss2", "DanWood", "Misra1b",
        "Kirby2", "Nelson", "Misra1c", "Gauss3", "Lanczos2", "Roszman1", "Thurber", "Rat42", "Eckerle4", "MGH09",
    ]

    @Test("certified parameters, SSR and standard deviations", arguments: problems, [1, 2])
    func certifiedValues(name: String, start: Int) throws {
        let problem = try NISTNonlinearProblem(name: name)
        let model = try #require(NISTModel.named(name))
        let lsq = NISTLeastSquares(problem: problem, model: model)
        var solver = LevenbergMarquardt(parameterCount: problem.start1.count, residualCount: problem.y.count)
        let fit = solver.minimize(
            start: start == 1 ? problem.start1 : problem.start2,
            residuals: lsq.residuals, jacobian: lsq.jacobian)
        #expect(fit.converged, "\(name) start \(start): \(fit.termination)")
        let parameterLRE = zip(fit.parameters, problem.certifiedParameters).map(logRelativeError).min() ?? 0
        let ssrLRE = logRelativeError(fit.ssr, problem.certifiedSSR)
        let sdLRE = logRelativeError(fit.residualStandardDeviation, problem.certifiedResidualSD)
        let seLRE = zip(fit.standardErrors ?? [], problem.certifiedStandardDeviations).map(logRelativeError).min() ?? 0
        if ProcessInfo.processInfo.environment["LM_NIST_TABLE"] != nil {
            print(
                String(
                    format: "NIST %-9@ start %d  params %5.2f  ssr %5.2f  sd %5.2f  se %5.2f  iter %4d  evals %5d  %@",
                    name, start, parameterLRE, ssrLRE, sdLRE, seLRE, fit.iterations, fit.evaluations,
                    fit.termination.description))
        }
        #expect(parameterLRE >= 6, "\(name) start \(start): parameters \(fit.parameters)")
        #expect(ssrLRE >= 6, "\(name) start \(start): ssr \(fit.ssr)")
        #expect(sdLRE >= 6, "\(name) start \(start): residual SD \(fit.residualStandardDeviation)")
        #expect(seLRE >= 4, "\(name) start \(start): standard errors \(String(describing: fit.standardErrors))")
    }
}
