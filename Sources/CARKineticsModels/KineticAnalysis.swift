import CARKineticsData
import CARKineticsNCA
import CARKineticsNumerics
import Dispatch
import Foundation

/// The whole `pkfit fit` job as a library call: read files, fit every profile, build the table.
///
/// Profiles are fitted in parallel over all cores; results keep input order and are identical to a
/// single-threaded run (each fit is a pure function of its profile).
public struct KineticAnalysis: Sendable {
    /// What is fitted to each profile.
    public enum Method: Sendable {
        case model(KineticFitter)
        case formula(FormulaKineticModel)
    }

    public var selection: ColumnSelection
    public var method: Method
    /// Whether an invalid row stops the run (default) or is excluded and listed in its file's ledger.
    public var invalidRows: InvalidRowPolicy = .stop
    /// BLQ samples: `m3` (censored likelihood), `drop`, or nil to choose by the data (``resolvedBLQ(_:)``).
    public var blq: CensoringMethod?
    /// Appended to the error of `m3` with a BLQ sample that has no limit: how the caller gives one (a CLI names
    /// its options here; the library knows none).
    public var blqAdvice = ""

    public init(selection: ColumnSelection = ColumnSelection(), method: Method = .model(KineticFitter())) {
        self.selection = selection
        self.method = method
    }

    public struct Output: Sendable {
        /// The group columns read (`ColumnSelection/groups`), in the order of each fit's `groups`.
        public var groupColumns: [String]
        /// Parameters of a formula model beyond the built-in ones, in the formula's order.
        public var extraParameters: [String]
        public var fits: [SubjectFit]
        public var ledgers: [RowLedger]
        /// Profiles as read, in the order of `fits`.
        public var profiles: [Profile]
        /// For each profile, the index in `ledgers` of the file it came from.
        public var profileFiles: [Int]
        /// The unit of the profiles' times and of every time and rate fitted (Tmax, ρ, α, β, half-lives).
        public var timeUnit: TimeUnit = .days
        /// Whether no input stated the time unit, so that days were assumed.
        public var timeUnitAssumed = true
    }

    /// Reads the files and fits every profile.
    /// - Parameters:
    ///   - files: the input files, read as ``selection`` says.
    ///   - progress: called on the calling thread after each wave of fits with (profiles fitted, total).
    public func run(files: [URL], progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws(DataError) -> Output {
        let collection = try ProfileCollection.read(files: files, selection: selection, invalidRows: invalidRows)
        if blq == .m3, case .model = method,
            var error = Self.missingLimit(
                collection.profiles, fileNames: collection.profileFiles.map { collection.ledgers[$0].file })
        {
            error.message += blqAdvice
            throw error
        }
        let fits = fit(collection.profiles, timeUnit: collection.timeUnit, progress: progress)
        var extra: [String] = []
        if case .formula(let formula) = method { extra = formula.formula.parameterNames }
        var output = Output(
            groupColumns: selection.groups, extraParameters: extra,
            fits: fits, ledgers: collection.ledgers, profiles: collection.profiles,
            profileFiles: collection.profileFiles)
        output.timeUnit = collection.timeUnit
        output.timeUnitAssumed = collection.timeUnitAssumed
        return output
    }

    /// Fits every profile; BLQ, missing, zero and pre-infusion rows are not used and are counted per subject.
    /// - Parameters:
    ///   - profiles: the profiles to fit.
    ///   - progress: called on the calling thread after each wave of fits with (profiles fitted, total).
    ///   - timeUnit: the unit of the profiles' times. Built-in models are fitted in days (times converted) and
    ///     their times and rates reported in `timeUnit`; a formula model is fitted in `timeUnit` as written.
    public func fit(
        _ profiles: [Profile], timeUnit: TimeUnit = .days, progress: ((_ done: Int, _ total: Int) -> Void)? = nil
    ) -> [SubjectFit] {
        var results: [SubjectFit] = []
        results.reserveCapacity(profiles.count)
        let method = self.method
        let blq = resolvedBLQ(profiles)
        // Waves keep every core busy while letting progress be reported from this thread.
        let wave = Swift.max(64, 32 * ProcessInfo.processInfo.activeProcessorCount)
        while results.count < profiles.count {
            let offset = results.count
            let count = Swift.min(wave, profiles.count - offset)
            results += parallelMap(count: count) {
                Self.fit(profiles[offset + $0], method: method, blq: blq, timeUnit: timeUnit)
            }
            progress?(results.count, profiles.count)
        }
        return results
    }

    static func fit(
        _ profile: Profile, method: Method, blq: CensoringMethod = .drop, timeUnit: TimeUnit = .days
    ) -> SubjectFit {
        var times: [Double] = []
        var values: [Double] = []
        var notUsed = SampleExclusions()
        for observation in profile.observations {
            guard observation.time >= 0 else {
                notUsed.preInfusion += 1
                continue
            }
            switch observation.measurement {
            case .value(let x) where x > 0:
                times.append(observation.time)
                values.append(x)
            case .value, .belowLimit:
                notUsed.belowLimit += 1
            case .missing:
                notUsed.missing += 1
            }
        }
        let fit: KineticFit
        switch method {
        case .model(let fitter):
            // Built-in models are fitted in days (their grids and bounds are set in days), then expressed in the
            // output time unit.
            let toDays = { (t: [Double]) in timeUnit == .days ? t : t.map { timeUnit.convert($0, to: .days) } }
            if blq == .m3 {
                // M3: BLQ samples with a known limit enter as censored; those the fit could not use stay counted.
                let censored = censoredInputs(profile)
                fit = fitter.fitCensoredSamples(
                    times: toDays(times), values: values, censoredTimes: toDays(censored.times),
                    limits: censored.limits
                ).expressed(in: timeUnit)
                notUsed.belowLimit -= fit.censoredCount
            } else {
                fit = fitter.fitSamples(times: toDays(times), values: values).expressed(in: timeUnit)
            }
        case .formula(let formula): fit = formula.fitSamples(times: times, values: values)
        }
        return SubjectFit(subject: profile.subject, groups: profile.groups, fit: fit, notUsed: notUsed)
    }
}
