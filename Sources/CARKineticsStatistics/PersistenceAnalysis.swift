import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import Foundation

/// One profile's persistence: how long CAR-T stayed quantifiable and whether loss was observed.
public struct SubjectPersistence: Sendable, Equatable {
    /// Subject identifier.
    public var subject: String
    /// Values of the grouping columns.
    public var groups: [String]
    /// The last quantifiable (> 0) sample time at t ≥ 0 (in the profile's time unit); nil when there is none
    /// (not evaluable).
    public var time: Double?
    /// Whether a below-limit (BLQ or 0) sample follows it (loss of detection observed); otherwise censored.
    public var event: Bool
    /// The last sample time at t ≥ 0 with a value or a BLQ (follow-up).
    public var lastSample: Double?
    /// The first below-limit sample after `time`.
    public var firstLoss: Double?

    /// The persistence of `profile`: missing cells are ignored, pre-infusion rows take no part.
    ///
    /// Persistence time = the last quantifiable sample at t ≥ 0; an event when a BLQ (or zero) sample comes
    /// after it, otherwise censored at that time (still detectable at the last visit, or lost to follow-up).
    public init(_ profile: Profile) {
        subject = profile.subject
        groups = profile.groups
        let usable = profile.observations.filter { $0.time >= 0 && $0.measurement != .missing }
        let quantifiable = usable.filter { if case .value(let x) = $0.measurement { x > 0 } else { false } }
        time = quantifiable.map(\.time).max()
        lastSample = usable.map(\.time).max()
        if let time {
            firstLoss = usable.filter { $0.time > time }.map(\.time).min()
        }
        event = firstLoss != nil
    }
}

/// The whole `pkfit persistence` job: per profile the persistence time and status, per group a Kaplan–Meier
/// estimate (median with its Brookmeyer–Crowley log-log interval, survival at fixed days), and a log-rank test
/// across the groups.
public struct PersistenceAnalysis: Sendable {
    /// Columns to read; its `groups` define the Kaplan–Meier groups.
    public var selection: ColumnSelection
    /// Days at which Ŝ is reported — in days whatever the unit of the times (``Output/survivalTimes`` gives
    /// them in that unit).
    public var days: [Double]
    /// Whose convention the median and its limits follow where R and lifelines differ.
    public var convention: KaplanMeier.Convention
    /// Whether an invalid row stops the run (default) or is excluded and listed in its file's ledger.
    public var invalidRows: InvalidRowPolicy = .stop

    /// Creates an analysis; see the properties.
    public init(
        selection: ColumnSelection = ColumnSelection(), days: [Double] = [90, 180, 365],
        convention: KaplanMeier.Convention = .r
    ) {
        self.selection = selection
        self.days = days
        self.convention = convention
    }

    /// One group's estimate.
    public struct GroupEstimate: Sendable {
        /// Values of the grouping columns.
        public var groups: [String]
        /// Profiles without a quantifiable sample at t ≥ 0 (left out).
        public var notEvaluable: Int
        /// The estimate over the evaluable profiles; nil when there are none.
        public var estimate: KaplanMeier?
    }

    /// What an analysis produced.
    public struct Output: Sendable {
        /// The NCA run the rows were read with (its ledgers and profiles serve the audit).
        public var nca: NCAAnalysis.Output
        /// Per profile, in input order.
        public var subjects: [SubjectPersistence]
        /// Per group, in order of first appearance.
        public var groups: [GroupEstimate]
        /// The log-rank test across groups; nil with one group or no events.
        public var logRank: LogRankTest?
        /// ``PersistenceAnalysis/days`` in the unit of the times (`nca.timeUnit`), where Ŝ is read.
        public var survivalTimes: [Double] = []
    }

    /// Runs the analysis.
    public func run(files: [URL]) throws(ResponseError) -> Output {
        var analysis = NCAAnalysis(selection: selection)
        analysis.invalidRows = invalidRows
        let nca: NCAAnalysis.Output
        do {
            nca = try analysis.run(files: files)
        } catch {
            throw .data(error)
        }
        return try analyse(nca)
    }

    /// Runs the analysis on profile sets already read with ``selection`` (for callers holding bytes).
    public func run(_ sets: [ProfileSet]) throws(ResponseError) -> Output {
        let nca: NCAAnalysis.Output
        do {
            nca = try NCAAnalysis(selection: selection).run(sets)
        } catch {
            throw .data(error)
        }
        return try analyse(nca)
    }

    private func analyse(_ nca: NCAAnalysis.Output) throws(ResponseError) -> Output {
        let subjects = nca.profiles.map(SubjectPersistence.init)
        var groups: [GroupEstimate] = []
        var times: [Double] = []
        var events: [Bool] = []
        var labels: [Int] = []
        var tested = 0
        for group in Grouping.byFirstAppearance(subjects, key: \.groups) {
            let evaluable = group.rows.filter { $0.time != nil }
            let t = evaluable.compactMap(\.time)
            let e = evaluable.map(\.event)
            // Groups without an evaluable profile take no part in the test (they would add a zero row to V).
            if !t.isEmpty {
                times += t
                events += e
                labels += Array(repeating: tested, count: t.count)
                tested += 1
            }
            groups.append(
                GroupEstimate(
                    groups: group.key, notEvaluable: group.rows.count - evaluable.count,
                    estimate: t.isEmpty ? nil : KaplanMeier(times: t, events: e, convention: convention)))
        }
        let logRank: LogRankTest?
        do {
            logRank = try LogRankTest(times: times, events: events, groups: labels)
        } catch {
            throw .leastSquares(error)
        }
        var output = Output(nca: nca, subjects: subjects, groups: groups, logRank: logRank)
        output.survivalTimes = days.map { TimeUnit.days.convert($0, to: nca.timeUnit) }
        return output
    }
}
