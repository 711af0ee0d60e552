import Foundation

/// One subject's data as a population fit uses it.
public struct PopulationSubject: Sendable {
    public var id: String
    /// Times of the observations used (t ≥ 0), in time order.
    public var times: [Double]
    /// Observed values as read (quantified) or the limit (censored), natural scale.
    public var values: [Double]
    /// True where the observation is below the limit and enters through M3.
    public var censored: [Bool]
    /// Values of the model's subject-level columns (formula variables other than t).
    public var columns: [Double]
    /// Covariate design values, one per expanded covariate effect.
    public var design: [Double]
    /// Rows not used: BLQ dropped (`--blq drop`), missing, pre-infusion.
    public var blqDropped = 0, missing = 0, preInfusion = 0

    public var quantifiedCount: Int { censored.filter { !$0 }.count }
    public var censoredCount: Int { censored.filter { $0 }.count }
}

/// A covariate effect expanded to one coefficient: a continuous column's exponent, or one level of a
/// categorical column against its first level.
public struct CovariateTerm: Sendable, Equatable {
    /// Output name: `<parameter>_<column>` or `<parameter>_<column>_<level>`.
    public var name: String
    /// Index of the structural parameter it acts on.
    public var parameterIndex: Int
    /// Median of a continuous column (its reference value); nil for a categorical level.
    public var reference: Double?
    /// The level for a categorical term.
    public var level: String?
}

/// The subjects and covariate terms of a population fit, built from profiles.
public struct PopulationData: Sendable {
    public var subjects: [PopulationSubject]
    public var terms: [CovariateTerm]

    public var observationCount: Int { subjects.reduce(0) { $0 + $1.times.count } }
    public var censoredCount: Int { subjects.reduce(0) { $0 + $1.censoredCount } }

    public init(subjects: [PopulationSubject], terms: [CovariateTerm]) {
        self.subjects = subjects
        self.terms = terms
    }

    /// Builds the data of `model` from profiles read with `groupColumns` as their group columns (every covariate
    /// column and every formula column must be among them, and constant within a subject).
    ///
    /// Observations at t < 0 are not used (pre-infusion). Under log-additive error a BLQ row, or a level of 0, is
    /// censored at its limit; under the other error models a level of 0 is data. A censored row needs its limit
    /// (from the file, `--lloq`, or `<x`) under M3.
    /// - Throws: ``PopulationFitError`` naming the subject, line and column of the problem.
    public static func make(profiles: [Profile], groupColumns: [String], model: PopulationModel,
                            lloq: Double? = nil) throws(PopulationFitError) -> PopulationData {
        func column(_ name: String) throws(PopulationFitError) -> Int {
            if let index = groupColumns.firstIndex(where: { $0.lowercased() == name.lowercased() }) { return index }
            throw PopulationFitError("column '\(name)' is not among the columns read (\(groupColumns.joined(separator: ", ")))")
        }
        var seen: [String: Int] = [:]
        for (index, profile) in profiles.enumerated() {
            if let earlier = seen[profile.subject] {
                let names = zip(groupColumns, zip(profiles[earlier].groups, profile.groups)).filter { $1.0 != $1.1 }.map(\.0)
                throw PopulationFitError(
                    "column '\(names.first ?? "?")' varies within subject '\(profile.subject)' (line \(profile.observations.first?.line ?? 0)); covariates and model columns must be constant within a subject")
            }
            seen[profile.subject] = index
        }
        let modelColumns = try model.structure.columns.map { name throws(PopulationFitError) in try column(name) }
        let names = model.structure.parameterNames
        var terms: [CovariateTerm] = []
        var termColumns: [Int] = []
        for effect in model.covariates {
            guard let k = names.firstIndex(of: effect.parameter) else {
                throw PopulationFitError("covariate on '\(effect.parameter)', which is not a model parameter (\(names.joined(separator: ", ")))")
            }
            let c = try column(effect.column)
            let raw = profiles.map { $0.groups[c] }
            let numbers = raw.map { Double($0.trimmingCharacters(in: .whitespaces)) }
            if numbers.allSatisfy({ $0 != nil }) {
                let values = numbers.compactMap { $0 }
                if let bad = values.firstIndex(where: { !($0 > 0) || !$0.isFinite }) {
                    throw PopulationFitError("covariate '\(effect.column)' of subject '\(profiles[bad].subject)' is \(raw[bad]); a power model needs positive values")
                }
                let sorted = values.sorted()
                let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2]
                    : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
                if sorted.first == sorted.last {
                    throw PopulationFitError("covariate '\(effect.column)' is the same (\(raw[0])) for every subject, so its effect on '\(effect.parameter)' has no information")
                }
                terms.append(CovariateTerm(name: "\(effect.parameter)_\(effect.column)", parameterIndex: k, reference: median, level: nil))
                termColumns.append(c)
            } else {
                let levels = Array(Set(raw)).sorted()
                if levels.count < 2 {
                    throw PopulationFitError("covariate '\(effect.column)' has a single level, so its effect on '\(effect.parameter)' has no information")
                }
                for level in levels.dropFirst() {
                    terms.append(CovariateTerm(name: "\(effect.parameter)_\(effect.column)_\(level)", parameterIndex: k, reference: nil, level: level))
                    termColumns.append(c)
                }
            }
        }
        var subjects: [PopulationSubject] = []
        for profile in profiles {
            var columns: [Double] = []
            for c in modelColumns {
                guard let x = Double(profile.groups[c].trimmingCharacters(in: .whitespaces)), x.isFinite else {
                    throw PopulationFitError("column '\(groupColumns[c])' of subject '\(profile.subject)' is \"\(profile.groups[c])\", not a number")
                }
                columns.append(x)
            }
            var design: [Double] = []
            for (term, c) in zip(terms, termColumns) {
                let cell = profile.groups[c]
                if let reference = term.reference, let x = Double(cell.trimmingCharacters(in: .whitespaces)) {
                    design.append(Foundation.log(x / reference))
                } else {
                    design.append(cell == term.level ? 1 : 0)
                }
            }
            var subject = PopulationSubject(id: profile.subject, times: [], values: [], censored: [], columns: columns, design: design)
            for observation in profile.observations {
                guard observation.time >= 0 else { subject.preInfusion += 1; continue }
                var limit: Double?
                switch observation.measurement {
                case .missing:
                    subject.missing += 1
                    continue
                case .value(let x) where x > 0 || model.error != .logAdditive:
                    subject.times.append(observation.time)
                    subject.values.append(x)
                    subject.censored.append(false)
                    continue
                case .value:
                    limit = lloq
                case .belowLimit(let l):
                    limit = l ?? lloq
                }
                guard model.censoring == .m3 else { subject.blqDropped += 1; continue }
                guard let limit, limit > 0 else {
                    throw PopulationFitError("subject '\(profile.subject)' line \(observation.line): below the limit (or 0 under log-additive error) but no LLOQ is known; give --lloq, or --blq drop")
                }
                subject.times.append(observation.time)
                subject.values.append(limit)
                subject.censored.append(true)
            }
            subjects.append(subject)
        }
        return PopulationData(subjects: subjects, terms: terms)
    }
}
