import Foundation

/// One NIST Statistical Reference Datasets (StRD) regression problem, read from its `.dat` file: model
/// text, parameter names in file order, starting values, certified values and the data.
///
/// The reader follows the content rather than fixed line numbers: the model is the first equation after
/// `Model:` whose left side names the response column; parameters are the model's names that are not data
/// columns, with values from the lines that start with them; the data are the numeric rows after the last
/// `Data:` line that lists column names. When the file states the number of observations, the row count
/// is checked against it, so a truncated or damaged file is reported rather than silently fitted.
public struct NISTProblem: Sendable {
    /// Linear problems are solved directly; nonlinear ones are fitted from each start.
    public enum Kind: String, Sendable {
        case linear, nonlinear
    }

    /// The dataset name (`Misra1a`, `Longley`).
    public var name: String
    /// Linear or nonlinear least squares, from the file's `Procedure:` line (or the caller's hint).
    public var kind: Kind
    /// The model text, continuation lines joined, e.g. `y = b1*(1-exp[-b2*x])  +  e`.
    public var model: String
    /// The response column name (the model's response, e.g. `y` for `log[y] = ...`).
    public var response: String
    /// Predictor column names in file order (`x`, or `x1 ... xk`).
    public var predictors: [String]
    /// Parameter names in file order.
    public var parameters: [String]
    /// Starting values: `starts[k][j]` is start `k + 1` of parameter `j`. Empty for linear problems.
    public var starts: [[Double]]
    /// Certified parameter values, in ``parameters`` order.
    public var certifiedValues: [Double]
    /// Certified standard deviations of the parameter estimates.
    public var certifiedStandardDeviations: [Double]
    /// Significant digits written in each certified value (the cap of its log relative error).
    public var certifiedSignificantDigits: [Int]
    /// The certified residual sum of squares.
    public var certifiedResidualSumOfSquares: Double
    /// Significant digits written in the certified residual sum of squares.
    public var certifiedResidualSumOfSquaresDigits: Int
    /// The certified residual standard deviation, when the file gives one.
    public var certifiedResidualStandardDeviation: Double?
    /// Observed responses, one per observation.
    public var responseValues: [Double]
    /// Predictor values: `predictorValues[k][i]` is predictor `k` at observation `i`.
    public var predictorValues: [[Double]]

    /// Reads a `.dat` file. The kind comes from the file's `Procedure:` line, else from `kindHint` (e.g.
    /// the folder it was found in), else from whether starting values are present.
    public init(contentsOf url: URL, kindHint: Kind? = nil) throws(NISTError) {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw NISTError(file: url.path, line: nil, "cannot read the file: \(error.localizedDescription)")
        }
        try self.init(parsing: text, file: url.path, kindHint: kindHint)
    }

    /// Parses the text of a `.dat` file; `file` names it in errors.
    public init(parsing text: String, file: String, kindHint: Kind? = nil) throws(NISTError) {
        let reader = NISTReader(text: text, file: file)
        self = try reader.read(kindHint: kindHint)
    }

    init(
        name: String, kind: Kind, model: String, response: String, predictors: [String], parameters: [String],
        starts: [[Double]], certifiedValues: [Double], certifiedStandardDeviations: [Double],
        certifiedSignificantDigits: [Int], certifiedResidualSumOfSquares: Double,
        certifiedResidualSumOfSquaresDigits: Int, certifiedResidualStandardDeviation: Double?,
        responseValues: [Double], predictorValues: [[Double]]
    ) {
        self.name = name
        self.kind = kind
        self.model = model
        self.response = response
        self.predictors = predictors
        self.parameters = parameters
        self.starts = starts
        self.certifiedValues = certifiedValues
        self.certifiedStandardDeviations = certifiedStandardDeviations
        self.certifiedSignificantDigits = certifiedSignificantDigits
        self.certifiedResidualSumOfSquares = certifiedResidualSumOfSquares
        self.certifiedResidualSumOfSquaresDigits = certifiedResidualSumOfSquaresDigits
        self.certifiedResidualStandardDeviation = certifiedResidualStandardDeviation
        self.responseValues = responseValues
        self.predictorValues = predictorValues
    }

    /// The model parsed and bound: parameters in file order, variables in predictor order.
    public func boundModel() throws(FormulaError) -> BoundFormula {
        try Formula(parsing: model).bind(parameters: parameters, variables: predictors)
    }
}
