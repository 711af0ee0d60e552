import CARKineticsModels
import CARKineticsNumerics
import Foundation

/// The diagnostics of a population fit that the report draws: PRED, IPRED and residuals per observation, each
/// subject's individual and population curves, and a visual predictive check (docs/report.md).
public struct PopulationDiagnostics: Sendable {
    /// Model curves of one subject on a common time grid (natural scale).
    public struct Curves: Sendable {
        public var times: [Double]
        /// IPRED: the model at the subject's η̂.
        public var individual: [Double]
        /// PRED: the model at η = 0 with the subject's covariates.
        public var population: [Double]
    }

    /// The subjects of the fit, in data order.
    public var subjects: [PopulationSubject]
    /// Per subject, per observation.
    public var predictions: [[PopulationPrediction]]
    public var curves: [Curves]
    /// The VPC bins.
    public var predictiveCheck: [PredictiveCheck.Bin]
    /// Simulated data sets behind the VPC and the seed they came from.
    public var replicates: Int
    public var seed: UInt64
    /// Whether the VPC bins are nominal times (otherwise binned actual times).
    public var nominalBins: Bool
    /// Observations left out of the VPC for want of a nominal time.
    public var withoutNominalTime: Int

    /// Points of each curve: 160 steps even on ln(1 + t) from 0 to the last sample of the study, plus each
    /// sample time, so the peak and every sample are on the line.
    public static let curveSteps = 160

    /// The diagnostics of `predictor`.
    /// - Parameters:
    ///   - replicates: simulated data sets for the VPC (the report uses 200).
    ///   - seed: the simulation's seed (fixed, so a report is reproducible).
    ///   - nominal: nominal times per subject and observation (``PopulationPredictor/subjects`` order), or nil to
    ///     bin the actual times.
    public static func run(
        _ predictor: PopulationPredictor, replicates: Int = 200, seed: UInt64 = 20_261_127,
        nominal: [[Double?]]? = nil
    ) -> PopulationDiagnostics {
        let subjects = predictor.subjects
        let predictions = parallelMap(count: subjects.count, chunks: 32) { predictor.predictions(subject: $0) }
        let last = subjects.compactMap(\.times.last).max() ?? 1
        let span = Foundation.log1p(max(last, 0))
        let grid = (0...curveSteps).map { Foundation.expm1(span * Double($0) / Double(curveSteps)) }
        let curves = parallelMap(count: subjects.count, chunks: 32) { i in
            let times = Array(Set(grid + subjects[i].times)).sorted()
            return Curves(
                times: times, individual: predictor.curve(subject: i, times: times, individual: true),
                population: predictor.curve(subject: i, times: times, individual: false))
        }
        let times = subjects.flatMap(\.times)
        let flatNominal = nominal?.flatMap { $0 }
        let bins = PredictiveCheck.bins(times: times, nominal: flatNominal)
        let observed: [Double?] = subjects.flatMap { s in zip(s.values, s.censored).map { $1 ? nil : $0 } }
        let check = PredictiveCheck.compute(observed: observed, bins: bins, replicates: replicates) { k in
            predictor.simulate(replicate: k, seed: seed)
        }
        return PopulationDiagnostics(
            subjects: subjects, predictions: predictions, curves: curves, predictiveCheck: check,
            replicates: replicates, seed: seed, nominalBins: nominal != nil,
            withoutNominalTime: bins.index.filter { $0 == nil }.count)
    }
}
