import Foundation

/// Profiles read from one file, with the ledger of its lines.
public struct ProfileSet: Sendable {
    /// The file name used in messages.
    public var file: String
    /// Profiles in order of first appearance.
    public var profiles: [Profile]
    /// The fate of every line.
    public var ledger: RowLedger
}

/// Reads a long-format CSV file (one row per sample) into per-subject `Profile`s.
///
/// Profiles are keyed by subject plus the group values (so a group column such as an infusion number splits
/// re-dosed subjects), listed in order of first appearance; rows of one subject need not be contiguous.
/// Observations are sorted by time (stable, so ties keep file order). Rejected, with file, line and column:
/// empty file, header without data rows, ragged rows, empty or non-numeric or non-finite subject/time,
/// invalid concentration cells, two non-missing rows of one profile at one time (both lines named), and two
/// different units in one profile. Under ``InvalidRowPolicy/skip`` those row problems exclude the row
/// instead (listed in the ledger). The cost is linear in the file size plus a sort per profile.
public struct ProfileReader: Sendable {
    /// Which columns to read.
    public var selection: ColumnSelection
    /// Stop at the first invalid row, or exclude invalid rows.
    public var invalidRows: InvalidRowPolicy

    /// A reader for the given columns (default: recognised names), strict unless told otherwise.
    public init(selection: ColumnSelection = ColumnSelection(), invalidRows: InvalidRowPolicy = .stop) {
        self.selection = selection
        self.invalidRows = invalidRows
    }

    /// Reads a file; `file` in errors is the path as given.
    public func read(contentsOf url: URL, displayName: String? = nil) throws(DataError) -> ProfileSet {
        let name = displayName ?? url.path
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DataError(file: name, message: "cannot be read (\(error.localizedDescription))")
        }
        // Parse the loaded bytes in place rather than copying them into an array first.
        let result: Result<ProfileSet, DataError> = data.withUnsafeBytes { raw in
            do throws(DataError) {
                return .success(try read(buffer: raw.bindMemory(to: UInt8.self), file: name))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Reads CSV bytes; `file` names them in errors.
    public func read(bytes: [UInt8], file: String) throws(DataError) -> ProfileSet {
        try bytes.withUnsafeBufferPointer { (buffer) throws(DataError) -> ProfileSet in
            try read(buffer: buffer, file: file)
        }
    }

    private struct Builder {
        var subject: String
        var groups: [String]
        var observations: [Observation] = []
        var unit: String?
        var unitLine = 0
    }

    private func read(buffer: UnsafeBufferPointer<UInt8>, file: String) throws(DataError) -> ProfileSet {
        var columns: ResolvedColumns?
        var builders: [Builder] = []
        var index: [[UInt8]: Int] = [:]
        var key: [UInt8] = []
        var lastKey: [UInt8] = []
        var lastProfile = -1
        var ledger = RowLedger(file: file)
        var sawHeader = false

        // A local function, not a closure value, so the captured state stays on the stack.
        func visit(_ row: CSVRow) throws(DataError) {
            guard let resolved = columns else {
                if row.isBlank && !sawHeader { return }
                sawHeader = true
                let header = (0..<row.count).map { row.string($0) }
                columns = try ResolvedColumns(header: header, selection: selection, file: file)
                return
            }
            if row.isBlank {
                ledger.dataLines += 1
                ledger.blankLines.append(row.line)
                return
            }
            guard row.count == resolved.header.count else {
                throw DataError(file: file, line: row.line,
                                message: "has \(row.count) fields; expected \(resolved.header.count) as in the header")
            }
            func fail(_ column: Int, _ message: String) -> DataError {
                DataError(file: file, line: row.line, column: resolved.header[column], message: message)
            }

            let subjectBytes = row.trimmedBytes(resolved.subject)
            if subjectBytes.isEmpty { throw fail(resolved.subject, "is empty; expected a subject identifier") }
            let timeBytes = row.trimmedBytes(resolved.time)
            let time: Double
            switch NumberParser.parse(timeBytes) {
            case .number(let t): time = t
            case .nonFinite: throw fail(resolved.time, "\(MeasurementParser.quoted(timeBytes)) is not a finite number")
            case .invalid:
                throw fail(resolved.time, timeBytes.isEmpty
                    ? "is empty; expected a time in days since infusion"
                    : "\(MeasurementParser.quoted(timeBytes)) is not a number; expected a time in days since infusion")
            }

            var lloq = resolved.lloqConstant
            if let column = resolved.lloqColumn {
                let cell = row.trimmedBytes(column)
                if !cell.isEmpty {
                    guard case .number(let limit) = NumberParser.parse(cell), limit >= 0 else {
                        throw fail(column, "\(MeasurementParser.quoted(cell)) is not a non-negative number; expected an LLOQ")
                    }
                    lloq = limit
                }
            }
            var valueColumn = resolved.value
            if let text = resolved.valueText, row.trimmedBytes(valueColumn).isEmpty { valueColumn = text }
            let measurement: Measurement
            switch MeasurementParser.parse(row.bytes(valueColumn), lloq: lloq) {
            case .measurement(let m): measurement = m
            case .invalid(let message): throw fail(valueColumn, message)
            }

            key.removeAll(keepingCapacity: true)
            key.append(contentsOf: subjectBytes)
            for group in resolved.groups {
                key.append(0x1F)
                key.append(contentsOf: row.trimmedBytes(group))
            }
            let profile: Int
            if key == lastKey, lastProfile >= 0 {
                profile = lastProfile
            } else if let known = index[key] {
                profile = known
            } else {
                profile = builders.count
                index[key] = profile
                builders.append(Builder(subject: row.string(resolved.subject),
                                        groups: resolved.groups.map { row.string($0) }))
            }
            if profile != lastProfile {
                lastKey = key
                lastProfile = profile
            }

            if let unitColumn = resolved.unit {
                let unitBytes = row.trimmedBytes(unitColumn)
                if !unitBytes.isEmpty {
                    if let known = builders[profile].unit {
                        if !known.utf8.elementsEqual(unitBytes) {
                            throw fail(unitColumn, "unit \(MeasurementParser.quoted(unitBytes)) differs from '\(known)' on line \(builders[profile].unitLine) for subject '\(builders[profile].subject)'; one profile must have one unit")
                        }
                    } else {
                        builders[profile].unit = String(decoding: unitBytes, as: UTF8.self)
                        builders[profile].unitLine = row.line
                    }
                }
            }
            builders[profile].observations.append(Observation(time: time, measurement: measurement, line: row.line))
            ledger.record(measurement, time: time)
        }
        let skipInvalid = invalidRows == .skip
        try CSVScanner.scan(buffer, file: file) { (row) throws(DataError) in
            do throws(DataError) {
                try visit(row)
            } catch {
                // Header problems (columns still unresolved) are never a row's fault.
                guard skipInvalid, columns != nil else { throw error }
                ledger.exclude(line: row.line, reason: error)
            }
        }

        guard let resolved = columns else { throw DataError(file: file, message: "is empty; expected a header line and data rows") }
        guard !builders.isEmpty else {
            if let first = ledger.excluded.first {
                throw DataError(file: file, line: first.line,
                                message: "no valid data rows (\(ledger.excluded.count) excluded); first: \(first.reason.description)")
            }
            throw DataError(file: file, line: 1, message: "has a header but no data rows")
        }
        var profiles: [Profile] = []
        profiles.reserveCapacity(builders.count)
        for builder in builders {
            var observations = builder.observations
            observations.sort { ($0.time, $0.line) < ($1.time, $1.line) }
            var previous: Observation?
            var duplicates: [(line: Int, reason: DataError)] = []
            for observation in observations where observation.measurement != .missing {
                if let previous, previous.time == observation.time {
                    let error = DataError(file: file, line: observation.line, column: resolved.header[resolved.time],
                                          message: "subject '\(builder.subject)' has two samples at time \(observation.time) (lines \(previous.line) and \(observation.line))")
                    guard skipInvalid else { throw error }
                    duplicates.append((previous.line, error))
                    duplicates.append((observation.line, error))
                }
                previous = observation
            }
            if !duplicates.isEmpty {
                observations = excludeDuplicates(duplicates, from: observations, ledger: &ledger)
            }
            profiles.append(Profile(subject: builder.subject, groups: builder.groups,
                                    observations: observations, unit: builder.unit))
        }
        return ProfileSet(file: file, profiles: profiles, ledger: ledger)
    }

    /// Removes the rows at duplicated times (each once, with the first error naming both lines, located at
    /// its own line) and moves them from the ledger's counts to its exclusions.
    private func excludeDuplicates(_ duplicates: [(line: Int, reason: DataError)], from observations: [Observation],
                                   ledger: inout RowLedger) -> [Observation] {
        var reasons: [Int: DataError] = [:]
        for duplicate in duplicates where reasons[duplicate.line] == nil { reasons[duplicate.line] = duplicate.reason }
        var kept: [Observation] = []
        for observation in observations {
            if var reason = reasons[observation.line], observation.measurement != .missing {
                reason.line = observation.line
                ledger.unrecord(observation.measurement, time: observation.time)
                ledger.exclude(line: observation.line, reason: reason)
            } else {
                kept.append(observation)
            }
        }
        return kept
    }
}
