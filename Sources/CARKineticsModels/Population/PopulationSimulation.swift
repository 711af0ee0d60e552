import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// One observation of a fitted population with its model predictions and residuals.
public struct PopulationPrediction: Sendable, Equatable {
    /// Time of the sample.
    public var time: Double
    /// The level as read (quantified), or the limit (censored); natural scale.
    public var observed: Double
    /// True for a sample below its limit (it entered the fit by M3).
    public var censored: Bool
    /// PRED: the model at η = 0 with the subject's covariates (natural scale).
    public var population: Double
    /// IPRED: the model at the subject's conditional mode η̂ (natural scale).
    public var individual: Double
    /// CWRES (FOCE linearisation about η̂); nil for a censored sample.
    public var conditionalResidual: Double?
    /// IWRES = (g(y) − g(IPRED))/SD at IPRED, g = ln under log-additive error; nil for a censored sample.
    public var individualResidual: Double?
}

/// The fitted model applied to its data: PRED, IPRED, CWRES per observation, model curves per subject, and
/// replicates of the design simulated from the estimates (for a visual predictive check).
///
/// The population parameters are read back from ``PopulationFit/estimates`` by name (`tv_<p>`, the covariate
/// terms, `omega_<p>`, the residual SDs; a `corr_<p>_<q>` row, when present, is the correlation of η_p and η_q),
/// and each subject's η̂ from ``PopulationFit/individuals``, so any fit of `model` to `data` can be used.
/// Predictions use the curve the likelihood used (for the Stein models with the kink at Tmax rounded, within 1.4%
/// of the exact model at t = Tmax only; docs/population.md).
///
/// **CWRES** (Hooker, Staatz & Karlsson 2007), per subject over its quantified samples: with p(η) the prediction
/// on the error model's scale (ln f under log-additive error, f otherwise), G = ∂p/∂η at η̂ and R the diagonal
/// residual variances at η̂ (FOCE-I),
/// `E[y] ≈ p(η̂) − G·η̂`, `Cov[y] ≈ G·Ω·Gᵀ + R`, `CWRES = Cov[y]^(−1/2)·(g(y) − E[y])`,
/// with the symmetric inverse square root (eigen-decomposition), so the residuals do not depend on the order of
/// the samples. Censored samples have no CWRES: they are left out of y and counted by the caller; the Gaussian
/// linearisation has no value for an observation known only to lie below a limit.
public struct PopulationPredictor: Sendable {
    /// The model as fitted.
    public let model: PopulationModel
    /// The subjects with at least one observation used (those of the fit), in data order.
    public let subjects: [PopulationSubject]
    let terms: [CovariateTerm]
    let objective: SubjectObjective
    let point: PopulationPoint
    /// η̂ per subject (in ``subjects`` order).
    let modes: [[Double]]
    /// Ω (R×R, column-major) and its lower Cholesky factor.
    let omega: [Double]
    let omegaFactor: [Double]
    /// The limit below which a simulated sample is censored, per subject and observation (nil: never censored).
    public let limits: [[Double?]]

    /// The predictor of `fit`, a fit of `model` to `data`.
    /// - Parameter lloq: the limit of a quantified sample in a subject with no censored sample (the `--lloq`
    ///   number); see ``limits(_:lloq:)``.
    /// - Throws: ``PopulationFitError`` when an estimate the model needs is missing from the fit or Ω is not
    ///   positive definite.
    public init(
        model: PopulationModel, data: PopulationData, fit: PopulationFit, lloq: Double? = nil
    )
        throws(PopulationFitError)
    {
        self.model = model
        subjects = data.subjects.filter { !$0.times.isEmpty }
        terms = data.terms
        objective = SubjectObjective(model: model)
        let names = model.structure.parameterNames
        let transforms = model.structure.transforms
        func value(_ name: String) throws(PopulationFitError) -> Double {
            guard let estimate = fit.estimate(name), estimate.value.isFinite else {
                throw PopulationFitError("the fit has no finite estimate '\(name)'")
            }
            return estimate.value
        }
        var mu: [Double] = []
        for (k, name) in names.enumerated() {
            let natural = try value("tv_\(name)")
            guard let psi = transforms[k].transformed(natural) else {
                throw PopulationFitError("tv_\(name) = \(natural) is outside its range")
            }
            mu.append(psi)
        }
        var beta: [Double] = []
        for term in terms { beta.append(try value(term.name)) }
        let random = objective.randomIndex.map { names[$0] }
        var sd: [Double] = []
        for name in random { sd.append(try value("omega_\(name)")) }
        var sigma: [Double] = []
        for name in model.error.parameterNames { sigma.append(try value(name)) }
        point = PopulationPoint(mu: mu, beta: beta, omega: sd, sigma: sigma)
        let r = random.count
        var matrix = [Double](repeating: 0, count: r * r)
        for a in 0..<r {
            matrix[a + a * r] = sd[a] * sd[a]
            for b in 0..<a {
                let rho =
                    fit.estimate("corr_\(random[b])_\(random[a])")?.value ?? fit.estimate(
                        "corr_\(random[a])_\(random[b])")?.value ?? 0
                matrix[a + b * r] = rho * sd[a] * sd[b]
                matrix[b + a * r] = rho * sd[a] * sd[b]
            }
        }
        omega = matrix
        var factor = matrix
        guard SmallLinearAlgebra.cholesky(&factor, order: r) else {
            throw PopulationFitError("the estimated Ω is not positive definite")
        }
        omegaFactor = factor
        let byID = Dictionary(fit.individuals.map { ($0.subject, $0.eta) }, uniquingKeysWith: { a, _ in a })
        modes = subjects.map { subject in
            guard let eta = byID[subject.id], eta.count == r else { return [Double](repeating: 0, count: r) }
            return eta
        }
        limits = Self.limits(subjects, lloq: lloq)
    }

    /// The censoring limit of every observation of `subjects`: a censored sample's own limit; for a quantified
    /// sample the subject's limit (the largest limit among its censored samples), else `lloq`, else the limit all
    /// censored samples of the data share (when they share one), else none (the sample is never censored in a
    /// simulation).
    public static func limits(_ subjects: [PopulationSubject], lloq: Double?) -> [[Double?]] {
        let all = Set(subjects.flatMap { s in zip(s.values, s.censored).filter(\.1).map(\.0) })
        let common = lloq ?? (all.count == 1 ? all.first : nil)
        return subjects.map { subject in
            let own = zip(subject.values, subject.censored).filter(\.1).map(\.0).max()
            return subject.values.indices.map { j in
                subject.censored[j] ? subject.values[j] : own ?? common
            }
        }
    }

    /// The model at `times` for subject `index` (natural scale): at η̂ (`individual`) or at η = 0.
    public func curve(subject index: Int, times: [Double], individual: Bool) -> [Double] {
        let psi = parameters(index, eta: individual ? modes[index] : nil)
        var scratch = [Double](repeating: 0, count: objective.workCount)
        return times.map { prediction(subjects[index], psi: psi, t: $0, logScale: false, scratch: &scratch) }
    }

    /// ψ of subject `index` at `eta` (nil: η = 0).
    func parameters(_ index: Int, eta: [Double]?) -> [Double] {
        var psi = objective.baseParameters(subjects[index], point: point, terms: terms)
        if let eta { for (q, k) in objective.randomIndex.enumerated() { psi[k] += eta[q] } }
        return psi
    }

    private func prediction(
        _ subject: PopulationSubject, psi: [Double], t: Double, logScale: Bool, scratch: inout [Double],
        gradient: UnsafeMutableBufferPointer<Double>? = nil
    ) -> Double {
        psi.withUnsafeBufferPointer { p in
            subject.columns.withUnsafeBufferPointer { c in
                scratch.withUnsafeMutableBufferPointer { s in
                    model.structure.predict(
                        t: t, psi: p, columns: c, logScale: logScale, gradient: gradient, scratch: s)
                }
            }
        }
    }

    /// The residual SD at prediction `p` (on the error model's scale).
    private func residualSD(_ p: Double) -> Double {
        model.error.standardDeviation(
            prediction: p, sigmaA: point.sigma[0], sigmaP: model.error == .combined ? point.sigma[1] : 0
        ).sd
    }

    /// PRED, IPRED, CWRES and IWRES of every observation, per subject (``subjects`` order).
    public func predictions() -> [[PopulationPrediction]] {
        subjects.indices.map(predictions(subject:))
    }

    /// PRED, IPRED, CWRES and IWRES of subject `index`'s observations.
    public func predictions(subject index: Int) -> [PopulationPrediction] {
        let subject = subjects[index]
        let logScale = model.error == .logAdditive
        let eta = modes[index]
        let r = eta.count
        let n = objective.parameterCount
        let base = parameters(index, eta: nil)
        let psi = parameters(index, eta: eta)
        var scratch = [Double](repeating: 0, count: objective.workCount)
        var gradient = [Double](repeating: 0, count: n)
        var rows: [PopulationPrediction] = []
        // For CWRES over the quantified samples: g(y) − p(η̂) + G·η̂, G and the residual variances.
        var centred: [Double] = []
        var jacobian: [[Double]] = []
        var variances: [Double] = []
        var quantified: [Int] = []
        for j in subject.times.indices {
            let t = subject.times[j]
            let pred = prediction(subject, psi: base, t: t, logScale: false, scratch: &scratch)
            let p = gradient.withUnsafeMutableBufferPointer { g in
                prediction(subject, psi: psi, t: t, logScale: logScale, scratch: &scratch, gradient: g)
            }
            let ipred = logScale ? Foundation.exp(p) : p
            var row = PopulationPrediction(
                time: t, observed: subject.values[j], censored: subject.censored[j], population: pred,
                individual: ipred, conditionalResidual: nil, individualResidual: nil)
            if !subject.censored[j] {
                let y = logScale ? Foundation.log(subject.values[j]) : subject.values[j]
                let s = residualSD(p)
                row.individualResidual = (y - p) / s
                let g = objective.randomIndex.map { gradient[$0] }
                var shift = 0.0
                for q in 0..<r { shift += g[q] * eta[q] }
                centred.append(y - p + shift)
                jacobian.append(g)
                variances.append(s * s)
                quantified.append(rows.count)
            }
            rows.append(row)
        }
        if let residuals = Self.conditionalResiduals(
            centred: centred, jacobian: jacobian, omega: omega, variances: variances)
        {
            for (k, j) in quantified.enumerated() { rows[j].conditionalResidual = residuals[k] }
        }
        return rows
    }

    /// `C^(−1/2)·d` with `C = G·Ω·Gᵀ + diag(variances)` (symmetric inverse square root from the eigen-decomposition
    /// of C — for a symmetric positive-definite matrix its singular value decomposition, LAPACK `dgesdd`); nil
    /// when C is not positive definite or the decomposition fails.
    static func conditionalResiduals(
        centred d: [Double], jacobian g: [[Double]], omega: [Double], variances: [Double]
    ) -> [Double]? {
        let m = d.count
        guard m > 0 else { return [] }
        let r = g.first?.count ?? 0
        var c = [Double](repeating: 0, count: m * m)
        for a in 0..<m {
            for b in 0...a {
                var sum = 0.0
                for p in 0..<r { for q in 0..<r { sum += g[a][p] * omega[p + q * r] * g[b][q] } }
                c[a + b * m] = sum
                c[b + a * m] = sum
            }
            c[a + a * m] += variances[a]
        }
        var s = [Double](repeating: 0, count: m)
        var u = [Double](repeating: 0, count: m * m)
        var vt = [Double](repeating: 0, count: m * m)
        var iwork = [Int32](repeating: 0, count: 8 * m)
        guard let size = try? LAPACK.gesddWorkspaceSize(vectors: .thin, rows: m, columns: m) else { return nil }
        var work = [Double](repeating: 0, count: size)
        do throws(LAPACKError) {
            try c.withUnsafeMutableBufferPointer { a throws(LAPACKError) in
                try s.withUnsafeMutableBufferPointer { s throws(LAPACKError) in
                    try work.withUnsafeMutableBufferPointer { work throws(LAPACKError) in
                        try iwork.withUnsafeMutableBufferPointer { iwork throws(LAPACKError) in
                            try u.withUnsafeMutableBufferPointer { u throws(LAPACKError) in
                                try vt.withUnsafeMutableBufferPointer { vt throws(LAPACKError) in
                                    try LAPACK.gesdd(
                                        vectors: .thin, rows: m, columns: m, a: a, leadingDimension: m,
                                        singularValues: s, u: u, leadingDimensionU: m, vt: vt, leadingDimensionVT: m,
                                        work: work, iwork: iwork)
                                }
                            }
                        }
                    }
                }
            }
        } catch { return nil }
        guard let smallest = s.last, smallest > 0, smallest.isFinite else { return nil }
        // C^(−1/2)·d = U·diag(1/√s)·Uᵀ·d.
        var projected = [Double](repeating: 0, count: m)
        for k in 0..<m {
            var sum = 0.0
            for a in 0..<m { sum += u[a + k * m] * d[a] }
            projected[k] = sum / s[k].squareRoot()
        }
        var out = [Double](repeating: 0, count: m)
        for a in 0..<m {
            var sum = 0.0
            for k in 0..<m { sum += u[a + k * m] * projected[k] }
            out[a] = sum
        }
        return out.allSatisfy(\.isFinite) ? out : nil
    }

    /// Number of observations in the design (all subjects, data order).
    public var observationCount: Int { subjects.reduce(0) { $0 + $1.times.count } }

    /// One replicate of the design simulated from the estimates: per subject η ~ N(0, Ω), per observation the
    /// model at the subject's time, covariates and columns with a residual drawn from the error model
    /// (ln y = ln f + σε under log-additive error, y = f + SD·ε otherwise); a value below the observation's
    /// ``limits`` is returned as nil (below the limit). Values in data order, flattened over subjects.
    /// Deterministic for (`seed`, `replicate`): each replicate has its own SplitMix64 stream, started at a hashed
    /// state.
    public func simulate(replicate: Int, seed: UInt64) -> [Double?] {
        // The replicate's stream starts at a hashed state: SplitMix64 advances its state by a fixed increment, so
        // states seed + k·increment would make replicate k + 1 replicate k shifted by one draw.
        var seeder = SplitMix64(seed: seed &+ UInt64(truncatingIfNeeded: replicate))
        var random = SplitMix64(seed: seeder.next())
        let r = objective.randomCount
        let logScale = model.error == .logAdditive
        var scratch = [Double](repeating: 0, count: objective.workCount)
        var out: [Double?] = []
        out.reserveCapacity(observationCount)
        var z = [Double](repeating: 0, count: r)
        var eta = [Double](repeating: 0, count: r)
        for (i, subject) in subjects.enumerated() {
            for q in 0..<r { z[q] = random.normal() }
            for a in 0..<r {
                var sum = 0.0
                for b in 0...a { sum += omegaFactor[a + b * r] * z[b] }
                eta[a] = sum
            }
            let psi = parameters(i, eta: eta)
            for (j, t) in subject.times.enumerated() {
                let p = prediction(subject, psi: psi, t: t, logScale: logScale, scratch: &scratch)
                let e = random.normal()
                let y = logScale ? Foundation.exp(p + point.sigma[0] * e) : p + residualSD(p) * e
                if let limit = limits[i][j], !(y >= limit) {
                    out.append(nil)
                } else {
                    out.append(y)
                }
            }
        }
        return out
    }
}
