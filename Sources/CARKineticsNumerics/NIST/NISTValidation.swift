import Foundation

/// Runs NIST StRD problems through the library's solvers and scores them by log relative error (LRE,
/// the number of correct significant digits against the certified values).
///
/// Nonlinear problems are fitted from each starting vector with ``FormulaFit`` at the **default**
/// ``LevenbergMarquardt/Options`` (the same for every problem) and exact Jacobians from the model text.
/// Linear problems are solved with ``LinearLeastSquares/solve(design:response:options:)`` on a design
/// built from the model text: column `j` is `∂f/∂βⱼ` at each observation, which is exact for a model
/// linear in its parameters (a model that is not is rejected).
public enum NISTValidation {
    /// The outcome of one problem from one start (or the one linear solve).
    public struct Result: Sendable {
        /// The dataset name.
        public var problem: String
        /// Linear or nonlinear.
        public var kind: NISTProblem.Kind
        /// The 1-based start number for nonlinear problems; nil for linear ones.
        public var start: Int?
        /// Parameter estimates in the file's parameter order.
        public var estimates: [Double]
        /// The estimated residual sum of squares.
        public var residualSumOfSquares: Double
        /// LRE of each estimate, capped at the significant digits of its certified value (at most 15).
        public var parameterLRE: [Double]
        /// The smallest ``parameterLRE``.
        public var minimumLRE: Double
        /// LRE of ``residualSumOfSquares`` against the certified value.
        public var residualSumOfSquaresLRE: Double
        /// Solver iterations (nonlinear problems).
        public var iterations: Int?
        /// Why the solver stopped (nonlinear problems).
        public var termination: Termination?
    }

    /// Reads every `.dat` file in `directory` and in its `nonlinear/` and `linear/` subfolders (each
    /// folder's files in name order; the folder name is the kind when a file does not state it).
    /// - Throws: ``NISTError`` for an unreadable or malformed file, a dataset found twice, or no files.
    public static func problems(in directory: URL) throws(NISTError) -> [NISTProblem] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw NISTError(file: directory.path, line: nil, "not a directory")
        }
        var problems: [NISTProblem] = []
        let folders: [(URL, NISTProblem.Kind?)] = [
            (directory, nil),
            (directory.appendingPathComponent("nonlinear"), .nonlinear),
            (directory.appendingPathComponent("linear"), .linear),
        ]
        for (folder, hint) in folders {
            guard let names = try? manager.contentsOfDirectory(atPath: folder.path) else { continue }
            for name in names.sorted() where name.hasSuffix(".dat") {
                let url = folder.appendingPathComponent(name)
                let problem = try NISTProblem(contentsOf: url, kindHint: hint)
                if problems.contains(where: { $0.name == problem.name }) {
                    throw NISTError(
                        file: url.path, line: nil, "dataset '\(problem.name)' was already read from another file")
                }
                problems.append(problem)
            }
        }
        if problems.isEmpty {
            throw NISTError(
                file: directory.path, line: nil, "no .dat files here or in its nonlinear/ and linear/ folders")
        }
        return problems
    }

    /// Solves one problem: one result per start for nonlinear problems, one result for linear ones.
    /// - Throws: ``NISTError`` when the model does not bind to the data, a linear problem's model is not
    ///   linear in its parameters, or the linear solver rejects the design.
    public static func run(_ problem: NISTProblem) throws(NISTError) -> [Result] {
        let model: BoundFormula
        do {
            model = try problem.boundModel()
        } catch {
            throw NISTError(file: problem.name, line: nil, "model '\(problem.model)': \(error)")
        }
        switch problem.kind {
        case .nonlinear:
            var results: [Result] = []
            for (k, start) in problem.starts.enumerated() {
                let fit: NonlinearFit
                do {
                    fit = try FormulaFit.fit(
                        model, start: start, values: problem.predictorValues,
                        response: problem.responseValues)
                } catch {
                    throw NISTError(file: problem.name, line: nil, error.description)
                }
                results.append(
                    score(
                        problem, start: k + 1, estimates: fit.parameters, ssr: fit.ssr,
                        iterations: fit.iterations, termination: fit.termination))
            }
            return results
        case .linear:
            let (design, response) = try linearDesign(problem, model)
            let fit: LinearFit
            do {
                fit = try LinearLeastSquares.solve(design: design, response: response)
            } catch {
                throw NISTError(file: problem.name, line: nil, "linear least squares: \(error)")
            }
            return [
                score(problem, start: nil, estimates: fit.coefficients, ssr: fit.ssr, iterations: nil, termination: nil)
            ]
        }
    }

    /// The design `∂f/∂β` and the response with the parameter-free part of the model removed,
    /// `g(y) − f(x; 0)`. Checks linearity by comparing the gradient at `β = 0` and `β = 1`.
    private static func linearDesign(
        _ problem: NISTProblem, _ model: BoundFormula
    ) throws(NISTError) -> (Matrix, [Double]) {
        let m = problem.responseValues.count
        let n = model.parameterCount
        var design = Matrix(rows: m, columns: n)
        var response = [Double](repeating: 0, count: m)
        let zeros = [Double](repeating: 0, count: n)
        let ones = [Double](repeating: 1, count: n)
        var atZero = [Double](repeating: 0, count: n)
        var atOne = [Double](repeating: 0, count: n)
        var x = [Double](repeating: 0, count: problem.predictors.count)
        for i in 0..<m {
            for v in x.indices { x[v] = problem.predictorValues[v][i] }
            let offset = x.withUnsafeBufferPointer { xb in
                zeros.withUnsafeBufferPointer { p in
                    atZero.withUnsafeMutableBufferPointer { model.value(parameters: p, variables: xb, gradient: $0) }
                }
            }
            _ = x.withUnsafeBufferPointer { xb in
                ones.withUnsafeBufferPointer { p in
                    atOne.withUnsafeMutableBufferPointer { model.value(parameters: p, variables: xb, gradient: $0) }
                }
            }
            for j in 0..<n {
                guard abs(atZero[j] - atOne[j]) <= 1e-12 * max(abs(atZero[j]), abs(atOne[j])) else {
                    throw NISTError(
                        file: problem.name, line: nil,
                        "the model '\(problem.model)' of a linear problem is not linear in '\(problem.parameters[j])'")
                }
                design.elements[i + j * m] = atZero[j]
            }
            response[i] = model.transformResponse(problem.responseValues[i]) - offset
        }
        return (design, response)
    }

    private static func score(
        _ problem: NISTProblem, start: Int?, estimates: [Double], ssr: Double,
        iterations: Int?, termination: Termination?
    ) -> Result {
        let lre = estimates.indices.map { j in
            logRelativeError(
                estimate: estimates[j], certified: problem.certifiedValues[j],
                maximumDigits: Double(problem.certifiedSignificantDigits[j]))
        }
        let ssrLRE = logRelativeError(
            estimate: ssr, certified: problem.certifiedResidualSumOfSquares,
            maximumDigits: Double(problem.certifiedResidualSumOfSquaresDigits))
        return Result(
            problem: problem.name, kind: problem.kind, start: start, estimates: estimates,
            residualSumOfSquares: ssr, parameterLRE: lre, minimumLRE: lre.min() ?? 0,
            residualSumOfSquaresLRE: ssrLRE, iterations: iterations, termination: termination)
    }
}
