extension Profile {
    /// A profile from parallel arrays held in memory: `values[i]` was measured at `times[i]` (days since
    /// infusion; negative = before infusion), `nil` meaning below the limit of quantification.
    ///
    /// The samples may come in any order: they are sorted by time here, so every analysis of the profile
    /// gives the same result for any order of the input. A value below `lloq` is below the limit, as it is
    /// when a file is read with `--lloq`; without a limit a value of 0 is kept as measured (NCA treats it
    /// like a below-limit sample). Each observation's ``Observation/line`` is its 1-based position in the arrays as
    /// passed (`index + 1`), so that an audit row can be traced back to the caller's data; it is not a line of
    /// any file.
    ///
    /// - Throws: ``SampleArrayError`` when the arrays differ in length, a time or value is NaN or infinite,
    ///   a value is negative, two samples share a time, or `lloq` is negative or not finite. Nothing is
    ///   truncated, dropped or reordered silently.
    public init(
        subject: String, groups: [String] = [], times: [Double], values: [Double?], lloq: Double? = nil,
        unit: String? = nil
    ) throws(SampleArrayError) {
        guard times.count == values.count else { throw .lengthMismatch(times: times.count, values: values.count) }
        if let lloq, !(lloq.isFinite && lloq >= 0) { throw .invalidLLOQ(lloq) }
        var observations: [Observation] = []
        observations.reserveCapacity(times.count)
        for index in times.indices {
            let time = times[index]
            guard time.isFinite else { throw .nonFiniteTime(index: index, time: time) }
            let measurement: MeasuredValue
            if let value = values[index] {
                guard value.isFinite else { throw .nonFiniteValue(index: index, value: value) }
                guard value >= 0 else { throw .negativeValue(index: index, value: value) }
                if let lloq, value < lloq {
                    measurement = .belowLimit(lloq: lloq)
                } else {
                    measurement = .value(value)
                }
            } else {
                measurement = .belowLimit(lloq: lloq)
            }
            observations.append(Observation(time: time, measurement: measurement, line: index + 1))
        }
        let sorted = Profile.sortedByTime(observations)
        for k in sorted.indices.dropFirst() where sorted[k].time == sorted[k - 1].time {
            let pair = [sorted[k - 1].line - 1, sorted[k].line - 1].sorted()
            throw .duplicateTime(time: sorted[k].time, first: pair[0], second: pair[1])
        }
        self.init(subject: subject, groups: groups, observations: sorted, unit: unit)
    }

    /// `observations` in ascending time, ties kept in ascending ``Observation/line`` (then input order), so
    /// that the result does not depend on the order they were given in; the array itself when it is already
    /// in that order (the readers' profiles are, so they pay one pass).
    static func sortedByTime(_ observations: [Observation]) -> [Observation] {
        // A strict weak order even for NaN times (which the readers reject, but a caller may pass): NaN sorts
        // after every number.
        func precedes(_ a: Observation, _ b: Observation) -> Bool {
            if a.time == b.time || (a.time.isNaN && b.time.isNaN) { return a.line < b.line }
            if a.time.isNaN { return false }
            return b.time.isNaN || a.time < b.time
        }
        var ordered = true
        for k in observations.indices.dropFirst() where precedes(observations[k], observations[k - 1]) {
            ordered = false
            break
        }
        if ordered { return observations }
        // Stable: equal (time, line) pairs keep their input order.
        return observations.enumerated().sorted { a, b in
            precedes(a.element, b.element) || (!precedes(b.element, a.element) && a.offset < b.offset)
        }.map(\.element)
    }
}
