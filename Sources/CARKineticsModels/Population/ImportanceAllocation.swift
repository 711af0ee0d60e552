import Foundation

/// One subject's importance weights pooled over independent batches of draws from one proposal.
///
/// A batch of K_b draws enters ``MarginalTerm`` with log weights c_k = −ln K_b − ln q(η_k), so its sums are of
/// e^(ℓ_k) = r_k/K_b with r_k = p(y, η_k)/q(η_k) the raw weight. Pooling multiplies them back: ln Σ r_k =
/// ``MarginalTerm/logSum`` + ln K_b and ln Σ r_k² = ``MarginalTerm/logSumSquares`` + 2 ln K_b, summed over the
/// batches, so the pooled estimate is the mean raw weight over the union of the draws — the same number as one
/// run over the union (to rounding).
struct PooledWeights: Sendable, Equatable {
    /// ln Σ r_k over all batches.
    var logSum = -Double.infinity
    /// ln Σ r_k² over all batches.
    var logSumSquares = -Double.infinity
    /// The number of draws pooled.
    var count = 0

    /// Adds a batch of `draws` draws summarised by `term`.
    mutating func add(_ term: MarginalTerm, draws: Int) {
        let logK = Foundation.log(Double(draws))
        logSum = Self.logAdd(logSum, term.logSum + logK)
        logSumSquares = Self.logAdd(logSumSquares, term.logSumSquares + 2 * logK)
        count += draws
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

extension PopulationFitter {
    /// Draws of the reported −2 ln L: the pilot per subject, the per-subject cap and the total budget per subject
    /// (42,000: what equal allocation spent at its cap, 2,000 + 8,000 + 32,000, so the report is no slower).
    static let reportPilot = 2000
    static let reportCap = 512_000
    static let reportBudgetPerSubject = 42_000

    /// −2 ln L at `x` by importance sampling from proposals at the posterior `moments` (fresh draws, independent of
    /// the optimisation's): 2,000 draws per subject, then rounds of further draws allocated by
    /// ``DrawAllocation`` (from each subject's pooled per-draw variance) until the Monte Carlo SE of the total is
    /// ≤ ``Options/importanceTarget``, the budget (42,000 per subject on average) is spent or no subject may
    /// have more (512,000 each). Every batch has its own seed; a subject's batches are pooled
    /// (``PooledWeights``). The SE reached is reported.
    func importanceReport(
        _ x: [Double], layout: Layout, data: PopulationData, objective: SubjectObjective, modes: [SubjectMode],
        moments: [MarginalTerm]
    ) -> (Double, MarginalMethod) {
        let priorRoot = Self.priorRoot(x, layout: layout, objective: objective)
        let n = data.subjects.count
        let pooled = allocatedDraws(
            subjects: n, budget: Self.reportBudgetPerSubject * n, cap: Self.reportCap
        ) { i, draws, seed in
            let points = importancePoints(
                mode: modes[i], moment: moments[i], priorRoot: priorRoot, draws: draws, seed: seed)
            return marginalTerm(
                x, layout: layout, subject: data.subjects[i], terms: data.terms, objective: objective, points: points,
                wantsGradient: false)
        }
        let counts = pooled.map(\.count)
        return (
            pooled.reduce(0) { $0 + $1.value },
            .importanceSamplingAllocated(
                draws: counts.reduce(0, +), smallest: counts.min() ?? 0, largest: counts.max() ?? 0,
                standardError: pooled.reduce(0) { $0 + $1.variance }.squareRoot())
        )
    }

    /// The allocation loop of ``importanceReport(_:layout:data:objective:modes:moments:)``: `evaluate(i, K, seed)`
    /// is subject i's term over K fresh draws from `seed`; returns every subject's pooled weights once the
    /// total SE is ≤ ``Options/importanceTarget``, `budget` draws are spent in all, or no subject may have more.
    func allocatedDraws(
        subjects n: Int, budget: Int, cap: Int, evaluate: @Sendable (Int, Int, UInt64) -> MarginalTerm
    ) -> [PooledWeights] {
        var pooled = [PooledWeights](repeating: PooledWeights(), count: n)
        var request = [Int](repeating: Self.reportPilot, count: n)
        var spent = 0
        var batch: UInt64 = 0
        while true {
            let active = request.indices.filter { request[$0] > 0 }
            // Batch 0 uses the run's seed; each later batch its own.
            let seed = options.seed &+ batch &* 0xD6E8_FEB8_6659_FD93
            let wanted = request
            let terms = mapSubjects(active.count) { a in
                evaluate(active[a], wanted[active[a]], Self.subjectSeed(seed, subject: active[a]))
            }
            for (a, i) in active.enumerated() {
                pooled[i].add(terms[a], draws: wanted[i])
                spent += wanted[i]
            }
            batch += 1
            let total = pooled.reduce(0) { $0 + $1.value }
            let se = pooled.reduce(0) { $0 + $1.variance }.squareRoot()
            if se <= options.importanceTarget || spent >= budget || !total.isFinite { return pooled }
            request = DrawAllocation.further(
                current: pooled.map(\.count), perDrawVariance: pooled.map(\.perDrawVariance),
                target: options.importanceTarget, cap: cap, budget: budget - spent, minimum: 500)
            if request.allSatisfy({ $0 == 0 }) { return pooled }
        }
    }
}
