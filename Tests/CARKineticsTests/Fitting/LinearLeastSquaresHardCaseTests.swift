import CARKinetics
import Foundation
import Testing

/// Weights of the `order`-th forward difference, (−1)^(order−i)·C(order, i). On equally spaced points they
/// are orthogonal to every polynomial of degree < order, so adding them to exact polynomial data changes the
/// residuals but not the least-squares solution — which lets these tests know the exact answer.
private func differenceWeights(order: Int) -> [Double] {
    var weights = [1.0]
    for _ in 0..<order { weights = zip(weights + [0], [0] + weights).map { $1 - $0 } }
    return weights
}

/// A residual vector orthogonal to polynomials of degree < order: alternating shifted difference patterns.
private func orthogonalResidual(count: Int, order: Int, scale: Double) -> [Double] {
    let weights = differenceWeights(order: order)
    var e = [Double](repeating: 0, count: count)
    for shift in 0..<(count - order) {
        for (k, w) in weights.enumerated() { e[shift + k] += w * (shift % 2 == 0 ? scale : -scale) }
    }
    return e
}

private func exactSum(ofSquares values: [Double]) -> Double { values.reduce(0) { $0 + $1 * $1 } }

@Suite("Linear least squares: hard and degenerate cases")
struct LinearLeastSquaresHardCaseTests {
    @Test("Filip-class design (degree 10 on [-8.5, -3], cond ≈ 1e15): refinement recovers every digit")
    func filipClass() throws {
        // x = n/4 keeps every power x^j (j ≤ 10) exact in double, and β = ±1 keeps y exact, so the certified
        // answer is known exactly; the residual (scale 2^-10, exact) is orthogonal to the columns.
        let xs = (-34 ... -12).map { Double($0) / 4 }
        let m = xs.count
        let n = 11
        let design = Matrix(rows: m, columns: n) { i, j in pow(xs[i], Double(j)) }
        #expect(try LAPACK.conditionNumber(of: design) > 1e14)
        let beta = (0..<n).map { $0 % 2 == 0 ? 1.0 : -1.0 }
        let e = orthogonalResidual(count: m, order: n, scale: 1.0 / 1024)
        let y = zip(design.multiplied(by: beta), e).map(+)

        let fit = try LinearLeastSquares.solve(design: design, response: y)
        #expect(fit.rank == n)
        for j in 0..<n {
            #expect(testLRE(fit.coefficients[j], beta[j]) >= 13, "B\(j) = \(fit.coefficients[j])")
        }
        #expect(testLRE(fit.ssr, exactSum(ofSquares: e)) >= 12)
        let largest = e.map(abs).max() ?? 0
        for i in 0..<m { #expect(abs(fit.residuals[i] - e[i]) <= 1e-12 * largest) }

        // Without refinement the same pivoted QR loses nearly every digit, so the test really is hard.
        let plain = try LinearLeastSquares.solve(design: design, response: y, options: .init(maximumRefinementSteps: 0))
        #expect(zip(plain.coefficients, beta).map { testLRE($0, $1) }.min()! < 7)
    }

    @Test("Wampler-class design with residuals 10^6 times the signal: κ²‖r‖ error removed")
    func largeResidualPolynomial() throws {
        // Wampler's model form: y = B0 + B1·x + … + B5·x⁵ at x = 0…20, here with β = 1 and an exact
        // residual orthogonal to the design, of size comparable to Wampler5's.
        let xs = (0...20).map(Double.init)
        let design = Matrix(rows: 21, columns: 6) { i, j in pow(xs[i], Double(j)) }
        let beta = [Double](repeating: 1, count: 6)
        let e = orthogonalResidual(count: 21, order: 6, scale: 1e6)
        let y = zip(design.multiplied(by: beta), e).map(+)

        let fit = try LinearLeastSquares.solve(design: design, response: y)
        for j in 0..<6 { #expect(testLRE(fit.coefficients[j], 1) >= 13, "B\(j) = \(fit.coefficients[j])") }
        let ssr = exactSum(ofSquares: e)
        #expect(testLRE(fit.ssr, ssr) >= 13)
        #expect(testLRE(fit.residualStandardDeviation, (ssr / 15).squareRoot()) >= 13)
        #expect(fit.degreesOfFreedom == 15)
    }

    @Test("duplicated column: rank reported, basic solution, no covariance")
    func rankDeficient() throws {
        // y = 1 + 2x exactly, design [1, x, x].
        let xs = [0.0, 1, 2, 3, 4]
        let design = Matrix(rows: 5, columns: 3) { i, j in j == 0 ? 1 : xs[i] }
        let y = xs.map { 1 + 2 * $0 }
        let fit = try LinearLeastSquares.solve(design: design, response: y)
        #expect(fit.rank == 2)
        #expect(fit.degreesOfFreedom == 3)
        #expect(fit.covariance == nil && fit.standardErrors == nil)
        // Basic solution: exactly one of the duplicated columns is zero, the other carries the slope.
        #expect(fit.coefficients[1] == 0 || fit.coefficients[2] == 0)
        #expect(abs(fit.coefficients[1] + fit.coefficients[2] - 2) < 1e-14)
        #expect(abs(fit.coefficients[0] - 1) < 1e-14)
        #expect(fit.ssr < 1e-28)
    }

    @Test("all-zero design: rank 0, zero coefficients, the response is the residual")
    func zeroDesign() throws {
        let fit = try LinearLeastSquares.solve(design: Matrix(rows: 3, columns: 2), response: [1, -2, 2])
        #expect(fit.rank == 0 && fit.degreesOfFreedom == 3)
        #expect(fit.coefficients == [0, 0] && fit.residuals == [1, -2, 2])
        #expect(fit.ssr == 9 && fit.residualStandardDeviation == 3.0.squareRoot())
        #expect(fit.covariance == nil)
    }

    @Test("fewer rows than columns: exact basic fit with zero degrees of freedom")
    func underdetermined() throws {
        let design = try Matrix(rows: 2, columns: 3, elements: [1, 1, 0, 1, 0, 1]) // rows [1 0 0], [1 1 1]
        let fit = try LinearLeastSquares.solve(design: design, response: [3, 7])
        #expect(fit.rank == 2 && fit.degreesOfFreedom == 0)
        #expect(fit.residualStandardDeviation.isNaN && fit.covariance == nil)
        #expect(fit.residuals.allSatisfy { abs($0) < 1e-14 })
        #expect(fit.coefficients.filter { $0 == 0 }.count == 1)
    }

    @Test("simple regression matches closed-form estimates and standard errors")
    func closedForm() throws {
        // x = 1…6, y = [2, 4, 5, 4, 5, 7]: Sxy = 13.5, Sxx = 17.5, Syy = 13.5, intercept = ȳ − slope·x̄.
        let xs = [1.0, 2, 3, 4, 5, 6]
        let y = [2.0, 4, 5, 4, 5, 7]
        let fit = try LinearLeastSquares.solve(
            design: Matrix(rows: 6, columns: 2) { i, j in j == 0 ? 1 : xs[i] }, response: y)
        let slope = 13.5 / 17.5
        let intercept = 27.0 / 6 - slope * 3.5
        let ssr = 13.5 - 13.5 * 13.5 / 17.5 // Syy − Sxy²/Sxx
        let s2 = ssr / 4
        expectClose(fit.coefficients[1], slope, relative: 1e-15, "slope")
        expectClose(fit.coefficients[0], intercept, relative: 1e-15, "intercept")
        expectClose(fit.ssr, ssr, relative: 1e-14, "ssr")
        expectClose(fit.standardErrors?[1], (s2 / 17.5).squareRoot(), relative: 1e-13, "SE slope")
        expectClose(
            fit.standardErrors?[0], (s2 * (1.0 / 6 + 3.5 * 3.5 / 17.5)).squareRoot(), relative: 1e-13, "SE intercept")
        expectClose(fit.covariance?[0, 1], -3.5 * s2 / 17.5, relative: 1e-13, "covariance")
        #expect(fit.covariance?[0, 1] == fit.covariance?[1, 0])
    }

    @Test("invalid input is reported with typed errors")
    func invalidInput() throws {
        let design = Matrix(rows: 3, columns: 2, repeating: 1)
        #expect(throws: LeastSquaresError.dimensionMismatch(designRows: 3, responseCount: 2)) {
            try LinearLeastSquares.solve(design: design, response: [1, 2])
        }
        #expect(throws: LeastSquaresError.nonFiniteResponse(row: 1)) {
            try LinearLeastSquares.solve(design: design, response: [1, .nan, 2])
        }
        var bad = design
        bad[2, 1] = .infinity
        #expect(throws: LeastSquaresError.nonFiniteDesign(row: 2, column: 1)) {
            try LinearLeastSquares.solve(design: bad, response: [1, 2, 3])
        }
        #expect(throws: LeastSquaresError.emptyProblem(rows: 0, columns: 2)) {
            try LinearLeastSquares.solve(design: Matrix(rows: 0, columns: 2), response: [])
        }
        #expect(throws: LeastSquaresError.self) {
            try LinearLeastSquares.solve(design: design, response: [1, 2, 3], options: .init(rankTolerance: -1))
        }
        #expect(LeastSquaresError.nonFiniteDesign(row: 2, column: 1).description.contains("row 3, column 2"))
    }

    @Test("log relative error follows the NIST definition")
    func lre() {
        #expect(abs(logRelativeError(estimate: 1.000001, certified: 1) - 6) < 1e-9)
        #expect(logRelativeError(estimate: 2, certified: 2) == 15)
        #expect(abs(logRelativeError(estimate: 1e-9, certified: 0) - 9) < 1e-9) // absolute when certified is 0
        #expect(logRelativeError(estimate: .nan, certified: 1) == 0)
        #expect(logRelativeError(estimate: -1, certified: 1) == 0) // clamped below at 0
        #expect(logRelativeError(estimate: 1 + 1e-17, certified: 1, maximumDigits: 12) == 12)
    }
}
