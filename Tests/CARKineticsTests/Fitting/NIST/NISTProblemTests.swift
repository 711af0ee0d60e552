import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

let nistNonlinearNames = [
    "Chwirut1", "Chwirut2", "DanWood", "Eckerle4", "Gauss1", "Gauss2", "Gauss3", "Kirby2",
    "Lanczos2", "Lanczos3", "MGH09", "Misra1a", "Misra1b", "Misra1c", "Nelson", "Rat42",
    "Roszman1", "Thurber",
]
let nistLinearNames = ["Filip", "Longley", "NoInt1", "Norris", "Pontius", "Wampler1", "Wampler2"]

func nistProblem(_ folder: String, _ name: String) throws -> NISTProblem {
    try NISTProblem(contentsOf: fixtureURL("nist/\(folder)/\(name).dat"))
}

@Suite struct NISTProblemTests {
    @Test func misra1a() throws {
        let p = try nistProblem("nonlinear", "Misra1a")
        #expect(p.name == "Misra1a" && p.kind == .nonlinear)
        #expect(p.model == "y = b1*(1-exp[-b2*x])  +  e")
        #expect(p.response == "y" && p.predictors == ["x"])
        #expect(p.parameters == ["b1", "b2"])
        #expect(p.starts == [[500, 0.0001], [250, 0.0005]])
        #expect(p.certifiedValues == [2.3894212918E+02, 5.5015643181E-04])
        #expect(p.certifiedStandardDeviations == [2.7070075241E+00, 7.2668688436E-06])
        #expect(p.certifiedSignificantDigits == [11, 11])
        #expect(p.certifiedResidualSumOfSquares == 1.2455138894E-01)
        #expect(p.certifiedResidualStandardDeviation == 1.0187876330E-01)
        #expect(p.responseValues.count == 14 && p.responseValues.first == 10.07 && p.responseValues.last == 81.78)
        #expect(
            p.predictorValues == [
                [77.6, 114.9, 141.1, 190.8, 239.9, 289.0, 332.8, 378.4, 434.8, 477.3, 536.8, 593.1, 689.1, 760.0]
            ])
    }

    @Test func nelsonHasLogResponseAndTwoPredictors() throws {
        let p = try nistProblem("nonlinear", "Nelson")
        #expect(p.model == "log[y] = b1 - b2*x1 * exp[-b3*x2]  +  e")
        #expect(p.predictors == ["x1", "x2"] && p.predictorValues.count == 2)
        #expect(p.responseValues.count == 128 && p.predictorValues[1].count == 128)
        #expect(p.starts[1] == [2.5, 0.000000005, -0.05])
        #expect(try p.boundModel().transformResponse(M_E) == 1)
    }

    @Test func multiLineModelsAndConstantLines() throws {
        let gauss = try nistProblem("nonlinear", "Gauss1")
        #expect(gauss.model == "y = b1*exp( -b2*x ) + b3*exp( -(x-b4)**2 / b5**2 ) + b6*exp( -(x-b7)**2 / b8**2 ) + e")
        #expect(gauss.parameters == (1...8).map { "b\($0)" })
        let kirby = try nistProblem("nonlinear", "Kirby2")
        #expect(kirby.model == "y = (b1 + b2*x + b3*x**2) / (1 + b4*x + b5*x**2)  +  e")
        // Roszman1 defines `pi = 3.14...` before the model line.
        let roszman = try nistProblem("nonlinear", "Roszman1")
        #expect(roszman.model == "y =  b1 - b2*x - arctan[b3/(x-b4)]/pi  +  e")
        #expect(roszman.parameters == ["b1", "b2", "b3", "b4"])
    }

    @Test func linearFiles() throws {
        let longley = try nistProblem("linear", "Longley")
        #expect(longley.kind == .linear && longley.starts.isEmpty)
        #expect(longley.parameters == (0...6).map { "B\($0)" })
        #expect(longley.predictors == (1...6).map { "x\($0)" })
        #expect(longley.certifiedValues[0] == -3482258.63459582 && longley.certifiedValues[2] == -0.358191792925910E-01)
        #expect(longley.certifiedSignificantDigits == [15, 15, 15, 15, 15, 15, 15])
        #expect(longley.certifiedResidualSumOfSquares == 836424.055505915)
        #expect(longley.certifiedResidualStandardDeviation == 304.854073561965)
        #expect(longley.responseValues.count == 16 && longley.predictorValues[5].last == 1962)
        let pontius = try nistProblem("linear", "Pontius")
        #expect(pontius.model == "y = B0 + B1*x + B2*(x**2)" && pontius.responseValues.count == 40)
        let wampler = try nistProblem("linear", "Wampler1")
        #expect(wampler.certifiedResidualSumOfSquares == 0 && wampler.certifiedResidualSumOfSquaresDigits == 15)
    }

    /// Filip-style models continue after a trailing operator; files may have CRLF line ends.
    @Test func continuationLinesAndCRLF() throws {
        let text = try fixtureText("nist/linear/Pontius.dat")
        let edited = text.replacingOccurrences(
            of: "y = B0 + B1*x + B2*(x**2)\n",
            with: "y = B0 + B1*x +\n                   B2*(x**2) + e\n"
        )
        .replacingOccurrences(of: "\n", with: "\r\n")
        let p = try NISTProblem(parsing: edited, file: "Pontius.dat")
        #expect(p.model == "y = B0 + B1*x + B2*(x**2) + e")
        #expect(p.parameters == ["B0", "B1", "B2"] && p.responseValues.count == 40)
        let results = try NISTValidation.run(p)
        #expect(results[0].minimumLRE >= 7)
    }

    @Test func everyFixtureReads() throws {
        for name in nistNonlinearNames {
            let p = try nistProblem("nonlinear", name)
            #expect(
                p.kind == .nonlinear && p.starts.count == 2 && p.certifiedValues.count == p.parameters.count, "\(name)")
            #expect(p.predictorValues.allSatisfy { $0.count == p.responseValues.count }, "\(name)")
        }
        for name in nistLinearNames {
            let p = try nistProblem("linear", name)
            #expect(p.kind == .linear && p.certifiedValues.count == p.parameters.count, "\(name)")
        }
    }

    @Test func damagedFilesAreReportedWithTheirLine() throws {
        let text = try fixtureText("nist/nonlinear/Misra1a.dat")
        var lines = text.components(separatedBy: "\n")
        while lines.last?.isEmpty == true { lines.removeLast() }

        let truncated = lines.dropLast().joined(separator: "\n")
        do {
            _ = try NISTProblem(parsing: truncated, file: "Misra1a.dat")
            Issue.record("truncated file accepted")
        } catch {
            #expect(error.description == "Misra1a.dat:60: the file states 14 observations but 13 data rows follow")
        }

        var corrupted = lines
        corrupted[62] = "      17.94E0     1a1.1E0"
        do {
            _ = try NISTProblem(parsing: corrupted.joined(separator: "\n"), file: "Misra1a.dat")
            Issue.record("corrupted file accepted")
        } catch {
            #expect(error.line == 63 && error.column == 19)
            #expect(error.message == "expected a number for 'x' but found '1a1.1E0'")
        }

        var noStart = lines
        noStart[41] = "  b2 =   5.5015643181E-04  7.2668688436E-06"
        #expect(throws: NISTError.self) { try NISTProblem(parsing: noStart.joined(separator: "\n"), file: "x.dat") }
        var badModel = lines
        badModel[33] = "               y = b1*(1-exp[-b2*x)  +  e"
        do {
            _ = try NISTProblem(parsing: badModel.joined(separator: "\n"), file: "x.dat")
            Issue.record("bad model accepted")
        } catch {
            #expect(error.line == 34 && error.message.contains("expected ']' to close '['"))
        }
    }

    /// Exact gradients of every public NIST model against central differences (with one Richardson step),
    /// at random parameters around the certified values and at the problem's own data points.
    @Test func modelDerivativesMatchFiniteDifferences() throws {
        var generator = SplitMix(seed: 7)
        func uniform() -> Double { Double(generator.next() >> 11) / Double(1 << 53) }
        for (folder, names) in [("nonlinear", nistNonlinearNames), ("linear", nistLinearNames)] {
            for name in names {
                let problem = try nistProblem(folder, name)
                let model = try problem.boundModel()
                for trial in 0..<5 {
                    let row = Int(uniform() * Double(problem.responseValues.count))
                    let x = problem.predictorValues.map { $0[row] }
                    let p = problem.certifiedValues.map {
                        $0 * (0.9 + 0.2 * uniform()) + (trial == 0 ? 0 : 1e-3 * uniform())
                    }
                    var g = [Double](repeating: .nan, count: p.count)
                    let f = p.withUnsafeBufferPointer { pb in
                        x.withUnsafeBufferPointer { xb in
                            g.withUnsafeMutableBufferPointer {
                                model.value(parameters: pb, variables: xb, gradient: $0)
                            }
                        }
                    }
                    let plain = p.withUnsafeBufferPointer { pb in
                        x.withUnsafeBufferPointer { model.value(parameters: pb, variables: $0) }
                    }
                    #expect(f == plain, "\(name)")
                    for j in p.indices {
                        func at(_ step: Double) -> Double {
                            var q = p
                            q[j] += step
                            return q.withUnsafeBufferPointer { pb in
                                x.withUnsafeBufferPointer { model.value(parameters: pb, variables: $0) }
                            }
                        }
                        let h = 1e-5 * max(abs(p[j]), 1e-8)
                        let d1 = (at(h) - at(-h)) / (2 * h)
                        let d2 = (at(h / 2) - at(-h / 2)) / h
                        let fd = (4 * d2 - d1) / 3
                        // Truncation error is relative to the derivative; rounding error is about ε·|f|/h.
                        let tolerance = 1e-6 * abs(g[j]) + 100 * Double.ulpOfOne * abs(f) / h
                        #expect(
                            abs(g[j] - fd) <= tolerance,
                            "\(name) \(problem.parameters[j]): exact \(g[j]) vs differences \(fd)")
                    }
                }
            }
        }
    }
}
