import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// The `expansion` model: ln C = a + ρ·t over the rising samples, from the first quantifiable sample at t ≥ 0 up
/// to and including the observed peak, solved by linear least squares. Reports ρ with its standard error and
/// 95% confidence interval, and the doubling time ln 2/ρ.
enum ExpansionRate {
    static func fit(times: [Double], logs: [Double]) -> KineticFit {
        let model = KineticModel.expansion
        guard let peak = logs.indices.max(by: { logs[$0] < logs[$1] }) else {
            return unfitted(.tooFewSamples(have: 0, need: model.minimumSamples), count: 0)
        }
        let t = Array(times[...peak])
        let y = Array(logs[...peak])
        guard t.count >= model.minimumSamples else {
            return unfitted(.tooFewSamples(have: t.count, need: model.minimumSamples), count: t.count)
        }
        let design = Matrix(rows: t.count, columns: 2) { row, column in column == 0 ? 1 : t[row] }
        let solution: LinearFit
        do {
            solution = try LinearLeastSquares.solve(design: design, response: y)
        } catch {
            return unfitted(.notIdentifiable("rising samples do not determine a slope (\(error))"), count: t.count)
        }
        let rho = solution.coefficients[1]
        guard rho > 0 else {
            return unfitted(
                .notIdentifiable("ln C does not increase over the rising samples (slope \(rho))"), count: t.count)
        }
        let dof = t.count - 2
        var estimate = ParameterEstimate(name: "rho", value: rho, standardError: nil, lower: nil, upper: nil)
        if let se = solution.standardErrors?[1] {
            let q = StudentT.quantile975(degreesOfFreedom: dof)
            estimate.standardError = se
            // Linear parameter: a symmetric interval is exact under the model's normal errors.
            estimate.lower = rho - q * se
            estimate.upper = rho + q * se
        }
        return KineticFit(
            model: model.rawValue, status: .converged, sampleCount: t.count, parameterCount: 2, estimates: [estimate],
            curve: nil, ssr: solution.ssr, iterations: 0, evaluations: 0, note: nil)
    }

    private static func unfitted(_ status: FitStatus, count: Int) -> KineticFit {
        KineticFit.unfitted(model: KineticModel.expansion.rawValue, status: status, sampleCount: count)
    }
}
