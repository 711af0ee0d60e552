import Foundation

/// One subject's importance weights pooled over independent batches of draws.
///
/// With r_k = p(y, η_k)/q(η_k) the raw weights, the pooled estimate is the mean raw weight over the union of the
/// batches, from ln Σ r_k and ln Σ r_k² summed over them (in log space, so no weight overflows) — the same number
/// as one run over the union (to rounding). Each batch is an unbiased estimate of L_i given the batches before
/// it (its proposal is fixed by then), so the pooled mean is too.
struct PooledWeights: Sendable, Equatable {
    /// ln Σ r_k over all batches.
    var logSum = -Double.infinity
    /// ln Σ r_k² over all batches.
    var logSumSquares = -Double.infinity
    /// The number of draws pooled.
    var count = 0

    /// Adds a batch.
    mutating func add(_ batch: WeightBatch) {
        logSum = Self.logAdd(logSum, batch.logSum)
        logSumSquares = Self.logAdd(logSumSquares, batch.logSumSquares)
        count += batch.count
    }

    /// −2 ln of the mean raw weight, −2(ln Σ r_k − ln K); +∞ when no weight is positive.
    var value: Double {
        guard count > 0, logSum.isFinite else { return .infinity }
        return -2 * (logSum - Foundation.log(Double(count)))
    }

    /// The per-draw Monte Carlo variance v of `value` (delta method): Var(−2 ln r̄) ≈ 4·Var(r)/(K·r̄²) = v/K with
    /// v = 4(K·Σr²/(Σr)² − 1). Itself an estimate from the same draws: with heavy-tailed weights it is
    /// unreliable (usually too small) until the tail has been sampled.
    var perDrawVariance: Double {
        guard count > 0, logSum.isFinite else { return .infinity }
        let ratio = Foundation.exp(logSumSquares - 2 * logSum)
        return 4 * max(0, Double(count) * ratio - 1)
    }

    /// The Monte Carlo variance of `value`, v/K.
    var variance: Double { count > 0 ? perDrawVariance / Double(count) : .infinity }

    static func logAdd(_ a: Double, _ b: Double) -> Double {
        let top = max(a, b)
        guard top.isFinite else { return top == .infinity ? .infinity : (a.isNaN || b.isNaN ? .nan : top) }
        return top + Foundation.log(Foundation.exp(a - top) + Foundation.exp(b - top))
    }
}

/// Neyman allocation of further draws between subjects.
///
/// The Monte Carlo variance of Σ_i −2 ln L_i is Σ_i v_i/K_i (independent subjects, v_i the per-draw variance).
/// For a total of Σ K_i draws it is smallest with K_i ∝ √v_i, and the variance target T² is reached with
/// K_i = √v_i·Σ_j √v_j / T²; with only B more draws to spend, K_i = √v_i·(Σ_j K_j + B)/Σ_j √v_j. Each round
/// asks for the smaller, but at most 4× a subject's current draws (v_i is an estimate from those draws and grows
/// as a heavy tail is found), at most `cap` per subject and at most `budget` in all (scaled down in
/// proportion); positive requests under `minimum` are raised to it.
enum DrawAllocation {
    static func further(
        current: [Int], perDrawVariance: [Double], target: Double, cap: Int, budget: Int, minimum: Int
    ) -> [Int] {
        let roots = perDrawVariance.map { $0.isFinite ? $0.squareRoot() : 0 }
        let sumRoots = roots.reduce(0, +)
        guard sumRoots > 0, target > 0, budget > 0 else { return current.map { _ in 0 } }
        // Draws per unit of √v: the target's Σ√v/T², or when the budget binds the budget's (K + B)/Σ√v (then the
        // total is spent in Neyman shares).
        let available = Double(current.reduce(0, +) + budget)
        let perRoot = min(sumRoots / (target * target), available / sumRoots)
        var wanted = current.indices.map { i -> Double in
            let ideal = roots[i] * perRoot
            let ceiling = Double(min(cap, 4 * current[i]))
            return max(0, min(ideal, ceiling) - Double(current[i]))
        }
        let total = wanted.reduce(0, +)
        if total > Double(budget) {
            let scale = Double(budget) / total
            wanted = wanted.map { $0 * scale }
        }
        // A batch smaller than `minimum` is raised to it (a few draws would not be worth a round).
        return wanted.map { $0 > 0 ? max(minimum, Int($0.rounded(.up))) : 0 }
    }
}

/// One batch of a subject's draws, summarised: the sums to pool, its largest log raw weights (for the Pareto tail)
/// and its draws of largest weight (to re-adapt the proposal from).
struct WeightBatch: Sendable {
    var logSum: Double
    var logSumSquares: Double
    var count: Int
    /// The largest ln r_k, descending.
    var largest: [Double]
    /// The draws of largest weight, descending.
    var best: [RetainedDraw]

    /// From the points drawn (their log weights −ln K − ln q, as ``MarginalPoints/importance(components:draws:seed:)``
    /// makes them) and ln p(y, η_k) at each; a NaN or +∞ ln p counts as weight 0, as in the fixed-point objective.
    init(points: MarginalPoints, logTargets: [Double], keepLargest: Int, keepBest: Int) {
        let r = points.randomCount
        let logK = Foundation.log(Double(max(points.count, 1)))
        let logWeights = zip(points.logWeight, logTargets).map { c, l -> Double in
            let value = l + c + logK
            return value.isFinite ? value : -.infinity
        }
        logSum = logSumExp(logWeights)
        logSumSquares = logSumExp(logWeights.map { 2 * $0 })
        count = points.count
        let order = logWeights.indices.sorted { logWeights[$0] > logWeights[$1] }
        largest = order.prefix(keepLargest).map { logWeights[$0] }
        best = order.prefix(keepBest).filter { logWeights[$0].isFinite }.map { k in
            RetainedDraw(
                eta: Array(points.eta[(k * r)..<(k * r + r)]), logTarget: logTargets[k], logWeight: logWeights[k])
        }
    }
}

/// One subject's state in the reported −2 ln L: its proposal, the pooled weights of the draws from it, their
/// largest log weights, the draws of largest weight seen (under any proposal) and the re-adaptations so far.
struct SubjectDraws: Sendable {
    var proposal: ReportProposal
    var pooled = PooledWeights()
    var largest: [Double] = []
    var retained: [RetainedDraw] = []
    var adaptations = 0
    var adaptationDraws = 0
    /// Draws from the current proposal (since the last adaptation).
    var sinceAdaptation = 0

    init(proposal: ReportProposal) { self.proposal = proposal }

    mutating func absorb(_ batch: WeightBatch, keepLargest: Int, keepRetained: Int) {
        pooled.add(batch)
        sinceAdaptation += batch.count
        largest = Self.merged(largest, batch.largest, keep: keepLargest)
        retained = (retained + batch.best).sorted { $0.logWeight > $1.logWeight }.prefix(keepRetained).map { $0 }
    }

    /// The Pareto k̂ of the pooled weights (NaN with too few draws).
    var tailShape: Double { ParetoTail.shape(largest: largest, draws: pooled.count) }

    /// Continues from a new proposal. With `restart` the estimate starts again (the draws so far only placed the
    /// proposal: their heavy tail would stay in the pooled variance); without, the new draws are pooled with the
    /// old — each batch is unbiased given the batches before it, and the pooled sample variance estimates the
    /// variance of the pooled mean (Σ_b K_b·σ_b²/K², the batch means being equal in expectation).
    mutating func adopt(_ adapted: (proposal: ReportProposal, draws: Int, retained: [RetainedDraw]), restart: Bool) {
        proposal = adapted.proposal
        if restart {
            pooled = PooledWeights()
            largest = []
        }
        sinceAdaptation = 0
        if !adapted.retained.isEmpty { retained = adapted.retained }
        adaptations += 1
        adaptationDraws += adapted.draws
    }

    /// Two descending arrays merged, the first `keep`.
    static func merged(_ a: [Double], _ b: [Double], keep: Int) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(min(keep, a.count + b.count))
        var i = 0
        var j = 0
        while out.count < keep && (i < a.count || j < b.count) {
            if j >= b.count || (i < a.count && a[i] >= b[j]) {
                out.append(a[i])
                i += 1
            } else {
                out.append(b[j])
                j += 1
            }
        }
        return out
    }
}

/// What the reported −2 ln L's draws gave, subject by subject.
struct ReportOutcome: Sendable {
    var subjects: [SubjectDraws]

    /// Σ_i −2 ln L̂_i.
    var value: Double { subjects.reduce(0) { $0 + $1.pooled.value } }
    /// √Σ_i v_i/K_i.
    var standardError: Double { subjects.reduce(0) { $0 + $1.pooled.variance }.squareRoot() }
    /// Pareto k̂ of each subject's pooled weights.
    var tailShapes: [Double] { subjects.map(\.tailShape) }

    /// The summary for ``MarginalMethod``: subjects whose k̂ > 0.7 (or could not be computed from ≥ 5 tail
    /// weights, NaN) are heavy-tailed.
    var method: MarginalMethod {
        let counts = subjects.map(\.pooled.count)
        let shapes = tailShapes
        let finite = shapes.filter(\.isFinite)
        return .importanceSamplingAllocated(
            draws: counts.reduce(0, +), smallest: counts.min() ?? 0, largest: counts.max() ?? 0,
            standardError: standardError, adapted: subjects.filter { $0.adaptations > 0 }.count,
            adaptationDraws: subjects.reduce(0) { $0 + $1.adaptationDraws },
            heavyTailed: shapes.filter { !($0 <= ParetoTail.unreliable) }.count,
            largestTailShape: finite.max() ?? 0)
    }
}

extension PopulationFitter {
    /// Draws of the reported −2 ln L: the pilot per subject, the per-subject cap and the total budget per subject
    /// (46,000: on the hard Stein replicates the re-adapted per-draw variances sum to Σ√v_i ≈ 230 over 150
    /// subjects, so SE ≤ 0.1 needs (Σ√v_i/0.1)² ≈ 5.3 million draws plus the adaptation's, ~0.5–0.7 million;
    /// 42,000 stopped at 0.098–0.100); batches larger than `reportChunk` are split (own seeds) so one
    /// subject's batch keeps both cores busy.
    static let reportPilot = 2000
    static let reportCap = 512_000
    static let reportBudgetPerSubject = 46_000
    /// The budget of the guard's screening evaluation at the Laplace estimates (``guardedImportanceStage``).
    static let guardBudgetPerSubject = 8_000
    static let reportChunk = 32_768
    /// Re-adaptations allowed per subject, and the draws of largest weight kept to re-adapt from.
    static let reportAdaptations = 2
    static let reportRetained = 64
    /// A per-draw variance above which a subject's proposal is re-adapted while the SE target is not met: the
    /// 90/10 t₅ mixture gets v ≈ 1.3 on a Gaussian posterior in 6 dimensions, the Stein posteriors 2–4 with
    /// one component; re-adapting every subject above 2 (measured on seed 8: all 150) lowers Σ√v_i from ≈ 245
    /// to ≈ 230, worth more than the ~10% of the draws it costs (a limit of 4 needed 56,000 draws per subject
    /// for the same SE).
    static let reportVarianceLimit = 2.0

    /// The posterior part of a subject's proposal, as the importance-sampling stage builds it
    /// (``posteriorComponent(mode:moment:)``), and the defensive t₅ over N(0, Ω) (`priorRoot`).
    func proposal(mode: SubjectMode, moment: MarginalTerm?, priorRoot: [Double]) -> ReportProposal {
        let r = mode.eta.count
        let defensive = MarginalPoints.Component(
            weight: ReportProposal.defensiveWeight, center: [Double](repeating: 0, count: r), root: priorRoot)
        let posterior = Self.posteriorComponent(mode: mode, moment: moment)
        return ReportProposal(
            components: [
                .init(weight: 1 - ReportProposal.defensiveWeight, center: posterior.center, root: posterior.root)
            ],
            defensive: defensive)
    }

    /// A t₅'s centre and triangular root at a subject's posterior: the weighted posterior mean and the Cholesky
    /// factor of the weighted covariance of `moment` when its effective size is ≥ 30 and the covariance is
    /// positive definite, else the Laplace mode with root √2·L⁻ᵀ (H_F = LLᵀ).
    static func posteriorComponent(mode: SubjectMode, moment: MarginalTerm?) -> (center: [Double], root: [Double]) {
        let r = mode.eta.count
        if let moment, moment.effectiveSize >= 30, moment.mean.count == r {
            var factor = moment.covariance
            if SmallLinearAlgebra.cholesky(&factor, order: r) { return (moment.mean, factor) }
        }
        return (mode.eta, MarginalLikelihood.inverseTransposeFactor(mode.cholesky, order: r, scale: 2.squareRoot()))
    }

    /// ln p(y_i, η_k) = −F_i(η_k; x)/2 at every point (data term and prior, no gradient).
    func logJoint(
        _ x: [Double], layout: Layout, subject: PopulationSubject, terms: [CovariateTerm],
        objective: SubjectObjective, points: MarginalPoints
    ) -> [Double] {
        let r = layout.r
        let n = objective.parameterCount
        let point = layout.point(x)
        let base = objective.baseParameters(subject, point: point, terms: terms)
        var psi = [Double](repeating: 0, count: n)
        var work = [Double](repeating: 0, count: objective.workCount)
        var out = [Double](repeating: 0, count: points.count)
        for k in 0..<points.count {
            for j in 0..<n { psi[j] = base[j] }
            for q in 0..<r { psi[objective.randomIndex[q]] += points.eta[k * r + q] }
            let data = psi.withUnsafeBufferPointer { ps in
                work.withUnsafeMutableBufferPointer { w in
                    objective.dataTerm(
                        subject, psi: ps, point: point, gradientPsi: nil, gradientLogSigma: nil, work: w)
                }
            }
            let prior = points.eta.withUnsafeBufferPointer { e in
                Self.priorTerm(
                    eta: UnsafeBufferPointer(rebasing: e[(k * r)..<(k * r + r)]), point: point,
                    covariance: objective.covariance, gradient: nil)
            }
            out[k] = -(data + prior) / 2
        }
        return out
    }

    /// −2 ln L at `x` by importance sampling (fresh draws, independent of the optimisation's) from proposals at
    /// the posterior `moments`, with the draws allocated between subjects and poor proposals re-adapted
    /// (``allocatedDraws(proposals:budget:cap:adaptations:logTarget:)``); the SE reached and the tail diagnostic
    /// are reported in the method. `adaptations` = 0 keeps every subject's first proposal.
    func importanceReport(
        _ x: [Double], layout: Layout, data: PopulationData, objective: SubjectObjective, modes: [SubjectMode],
        moments: [MarginalTerm], adaptations: Int = reportAdaptations,
        budgetPerSubject: Int = reportBudgetPerSubject
    ) -> (Double, MarginalMethod) {
        let priorRoot = Self.priorRoot(x, layout: layout, objective: objective)
        let proposals = modes.indices.map { i in
            proposal(mode: modes[i], moment: i < moments.count ? moments[i] : nil, priorRoot: priorRoot)
        }
        let outcome = allocatedDraws(
            proposals: proposals, budget: budgetPerSubject * data.subjects.count, cap: Self.reportCap,
            adaptations: adaptations
        ) { i, points in
            logJoint(
                x, layout: layout, subject: data.subjects[i], terms: data.terms, objective: objective, points: points)
        }
        ReportTrace.print(outcome)
        return (outcome.value, outcome.method)
    }

    /// The reported −2 ln L's draws: `reportPilot` draws per subject from its proposal, then rounds of further
    /// draws allocated by ``DrawAllocation`` from each subject's pooled per-draw variance until the Monte Carlo
    /// SE of the total is ≤ ``Options/importanceTarget``, `budget` draws are spent in all, or no subject may have
    /// more (`cap` each). After every round a subject whose weights are poor — Pareto k̂ > 0.5 (the variance is
    /// infinite or nearly so), or, while the SE target is not met, per-draw variance v > ``reportVarianceLimit``
    /// — has its proposal re-adapted (``ProposalAdaptation``, at most `adaptations` times, once it has
    /// `reportPilot` draws from its current one) from fresh draws and its draws of largest weight; after a heavy
    /// tail its estimate restarts from a pilot of the new proposal, otherwise its draws are kept. `logTarget(i, points)` is ln p(y_i, η) at
    /// subject i's points. Every batch has its own seed.
    func allocatedDraws(
        proposals: [ReportProposal], budget: Int, cap: Int, adaptations: Int,
        logTarget: @Sendable (Int, MarginalPoints) -> [Double]
    ) -> ReportOutcome {
        let n = proposals.count
        let r = proposals.first?.defensive.center.count ?? 0
        let keepLargest = ParetoTail.tailCount(draws: cap) + 1
        var states = proposals.map { SubjectDraws(proposal: $0) }
        var request = [Int](repeating: Self.reportPilot, count: n)
        var spent = 0
        var batch: UInt64 = 0
        while true {
            var items: [(subject: Int, draws: Int, chunk: UInt64)] = []
            for i in 0..<n {
                var left = request[i]
                var chunk: UInt64 = 0
                while left > 0 {
                    let draws = min(left, Self.reportChunk)
                    items.append((i, draws, chunk))
                    left -= draws
                    chunk += 1
                }
            }
            // Batch 0 uses the run's seed; each later batch and chunk its own.
            let seed = options.seed &+ batch &* 0xD6E8_FEB8_6659_FD93
            let mixtures = states.map(\.proposal.mixture)
            let work = items
            let results = mapSubjects(work.count) { a in
                let item = work[a]
                let points = MarginalPoints.importance(
                    components: mixtures[item.subject], draws: item.draws,
                    seed: Self.subjectSeed(seed, subject: item.subject) &+ item.chunk &* 0x2545_F491_4F6C_DD1D)
                return WeightBatch(
                    points: points, logTargets: logTarget(item.subject, points), keepLargest: keepLargest,
                    keepBest: Self.reportRetained)
            }
            for (a, item) in work.enumerated() {
                states[item.subject].absorb(results[a], keepLargest: keepLargest, keepRetained: Self.reportRetained)
                spent += item.draws
            }
            batch += 1
            // Subjects to re-adapt: a heavy tail (k̂ > 0.5) always, while the budget lasts; a large variance only
            // while the SE target is not met.
            let before = ReportOutcome(subjects: states)
            let reached = before.standardError <= options.importanceTarget
            let flagged =
                spent < budget
                ? (0..<n).filter { i in
                    let s = states[i]
                    guard s.adaptations < adaptations, s.sinceAdaptation >= Self.reportPilot, r > 0 else {
                        return false
                    }
                    return s.tailShape > 0.5 || (!reached && s.pooled.perDrawVariance > Self.reportVarianceLimit)
                } : []
            // A heavy tail restarts the subject's estimate; a merely large variance keeps its draws.
            let restarted = Set(flagged.filter { !(states[$0].tailShape <= 0.5) })
            if flagged.isEmpty && (reached || spent >= budget || !before.value.isFinite) { return before }
            if !flagged.isEmpty {
                let current = states
                let adaptation = ProposalAdaptation()
                let adapted = mapSubjects(flagged.count) { a in
                    let i = flagged[a]
                    return adaptation.adapt(
                        current[i].proposal, retained: current[i].retained, order: r,
                        seed: Self.subjectSeed(seed ^ 0xADA9_7ED0_0000_0001, subject: i)
                    ) { points in logTarget(i, points) }
                }
                for (a, i) in flagged.enumerated() {
                    states[i].adopt(adapted[a], restart: restarted.contains(i))
                    spent += adapted[a].draws
                }
            }
            let outcome = ReportOutcome(subjects: states)
            request = DrawAllocation.further(
                current: states.map(\.pooled.count),
                perDrawVariance: states.map { $0.pooled.count > 0 ? $0.pooled.perDrawVariance : 0 },
                target: options.importanceTarget, cap: cap, budget: max(0, budget - spent), minimum: 500)
            for i in restarted { request[i] = Self.reportPilot }
            if request.allSatisfy({ $0 == 0 }) { return outcome }
        }
    }
}

/// `CARKINETICS_REPORT_TRACE=1` prints the reported −2 ln L's per-subject diagnostics to standard error (the
/// subjects with the largest Monte Carlo variance): a measuring aid for docs/population.md, off by default.
enum ReportTrace {
    static func print(_ outcome: ReportOutcome) {
        guard ProcessInfo.processInfo.environment["CARKINETICS_REPORT_TRACE"] == "1" else { return }
        var lines = ["report: -2lnL \(outcome.value) SE \(outcome.standardError) \(outcome.method)"]
        let v = outcome.subjects.map(\.pooled.perDrawVariance).sorted()
        let roots = v.reduce(0) { $0 + $1.squareRoot() }
        lines.append(
            "  per-draw variance v: quartiles \(v[v.count / 4]) \(v[v.count / 2]) \(v[3 * v.count / 4]), max \(v.last ?? 0); sum of sqrt(v) \(roots); adapted \(outcome.subjects.filter { $0.adaptations > 0 }.count)"
        )
        let order = outcome.subjects.indices.sorted {
            outcome.subjects[$0].pooled.variance > outcome.subjects[$1].pooled.variance
        }
        for i in order.prefix(8) {
            let s = outcome.subjects[i]
            lines.append(
                "  subject \(i): -2lnL_i \(s.pooled.value) SE \(s.pooled.variance.squareRoot()) draws \(s.pooled.count) v \(s.pooled.perDrawVariance) k \(s.tailShape) adaptations \(s.adaptations) (\(s.adaptationDraws) draws) components \(s.proposal.components.count)"
            )
        }
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}
