import CARKinetics
import Foundation
import Testing

@Suite("Student t")
struct StudentTTests {
    // t(0.95, df) and t(0.975, df), reference values from scipy.stats.t.ppf (independent implementation).
    static let table: [(df: Double, t95: Double, t975: Double)] = [
        (1, 6.313751514675037, 12.706204736174694),
        (2, 2.9199855803537242, 4.302652729749462),
        (3, 2.3533634348018233, 3.1824463052837078),
        (5, 2.0150483733330233, 2.5705818356363146),
        (10, 1.8124611228116756, 2.228138851986274),
        (30, 1.697260886593957, 2.0422724563012378),
    ]

    @Test("quantiles match reference values to 1e-10 relative", arguments: table)
    func quantiles(_ row: (df: Double, t95: Double, t975: Double)) {
        expectClose(StudentT.quantile(0.95, degreesOfFreedom: row.df), row.t95, relative: 1e-10, "t(0.95, \(row.df))")
        expectClose(
            StudentT.quantile(0.975, degreesOfFreedom: row.df), row.t975, relative: 1e-10, "t(0.975, \(row.df))")
        expectClose(StudentT.quantile(0.05, degreesOfFreedom: row.df), -row.t95, relative: 1e-10, "t(0.05, \(row.df))")
    }

    @Test("closed forms for one and two degrees of freedom")
    func closedForms() {
        for p in [0.6, 0.9, 0.99, 0.9999] {
            expectClose(
                StudentT.quantile(p, degreesOfFreedom: 1), tan(Double.pi * (p - 0.5)), relative: 1e-11, "df 1, p \(p)")
            let two = (2 * p - 1) / (2 * p * (1 - p)).squareRoot()
            expectClose(StudentT.quantile(p, degreesOfFreedom: 2), two, relative: 1e-11, "df 2, p \(p)")
        }
        #expect(StudentT.quantile(0.5, degreesOfFreedom: 7) == 0)
    }

    @Test("distribution function")
    func cdf() {
        // df = 4, t = 1.5: closed form gives exactly 0.896
        expectClose(StudentT.cdf(1.5, degreesOfFreedom: 4), 0.896, relative: 1e-13, "cdf(1.5, 4)")
        expectClose(StudentT.cdf(-2.2, degreesOfFreedom: 7), 0.03186550765131839, relative: 1e-11, "cdf(-2.2, 7)")
        expectClose(StudentT.quantile(1e-6, degreesOfFreedom: 3), -103.29946778041935, relative: 1e-9, "far tail")
    }
}
