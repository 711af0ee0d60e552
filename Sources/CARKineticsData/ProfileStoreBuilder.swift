import CARKineticsNumerics

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ProfileStore {
    /// Turns CSV records into a store, row by row as the scanner delivers them, checking each cell.
    struct Builder {
        private let selection: ColumnSelection
        /// Whether a row problem excludes the row (recorded in the ledger) rather than stopping the read.
        let skipsInvalidRows: Bool
        private var store: ProfileStore
        private var columns: ResolvedColumns?
        private var sawHeader = false
        private var keys = ByteInterner()
        private var units = ByteInterner()
        private var unitLines: [Int32] = []
        /// Per profile: the line that created it (its group values are that line's).
        private var profileLines: [Int32] = []
        private var key: [UInt8] = []
        private var lastProfile = -1
        /// Whether the last unit checked for a row checked in parallel was accepted (a repeat of an excluded one is checked again).
        private var lastUnitAccepted = false
        /// The time unit the file's unit column states (from its first non-empty cell), and that column's name.
        private var statedTimeUnit: (unit: TimeUnit, column: String)?

        init(file: String, selection: ColumnSelection, invalidRows: InvalidRowPolicy = .stop) {
            self.selection = selection
            skipsInvalidRows = invalidRows == .skip
            store = ProfileStore(file: file, ledger: RowLedger(file: file))
        }

        /// Rows read so far (blank lines included).
        var rows: Int { store.ledger.dataLines }

        /// Makes room for about `rows` rows, so the arrays are not grown by doubling (which would hold up to
        /// twice the memory while copying).
        mutating func reserve(rows: Int) {
            guard rows > store.times.capacity else { return }
            store.rowProfiles.reserveCapacity(rows)
            store.times.reserveCapacity(rows)
            store.levels.reserveCapacity(rows)
            store.kinds.reserveCapacity(rows)
            store.lines.reserveCapacity(rows)
        }

        /// The header has been read and there are no group columns, so data rows can be checked on any thread
        /// with `parser` and added with `append(_:line:)`.
        var parser: RowParser? {
            guard let parser = rowParser, !parser.layout.hasGroups, columns?.unreadAnalyte == nil else { return nil }
            // Until a row states the time unit, rows are checked one by one, so the first statement settles it.
            guard parser.layout.timeUnit < 0 || parser.expectedTimeUnit != nil else { return nil }
            return parser
        }

        private var rowParser: RowParser?

        mutating func add(_ row: CSVRow) throws(DataError) {
            guard let parser = rowParser else {
                if row.isBlank && !sawHeader { return }
                sawHeader = true
                let header = (0..<row.count).map { row.string($0) }
                let resolved = try ResolvedColumns(header: header, selection: selection, file: store.file)
                columns = resolved
                rowParser = RowParser(file: store.file, columns: resolved)
                return
            }
            if row.isBlank {
                addBlank(line: row.line)
                return
            }
            let selected = parser.selection(row)
            if selected != 0 {
                guard selected == RowSelector.disagreeing else {
                    store.ledger.setAside(line: row.line, reason: selected)
                    return
                }
                noteDisagreement(line: row.line)
            }
            if parser.layout.timeUnit >= 0, parser.expectedTimeUnit == nil, row.count == parser.layout.fields {
                try settleTimeUnit(row, parser: parser)
            } else {
                try parser.checkTimeUnit(row)
            }
            let cells: RowParser.Cells
            do throws(DataError) {
                cells = try (rowParser ?? parser).cells(row)
            } catch {
                guard skipsInvalidRows else { throw error }
                exclude(error)
                keepSubject(of: row, parser: parser)
                return
            }
            if parser.layout.hasGroups {
                guard let profile = try profileWithGroups(of: row) else { return }
                try append(cells, profile: profile, line: row.line)
            } else {
                try append(cells, line: row.line)
            }
            if let analyte = columns?.unreadAnalyte { try checkAnalyte(row, column: analyte) }
        }

        /// Per profile: the analyte of its first row and that row's line (only when the analyte column is not
        /// in the profile key).
        private var analytes: [(name: String, line: Int)?] = []

        /// Refuses a second analyte in one profile: pooling two analytes would give plausible, wrong numbers.
        private mutating func checkAnalyte(_ row: CSVRow, column: Int) throws(DataError) {
            let profile = lastProfile
            guard profile >= 0 else { return }
            if analytes.count <= profile { analytes += repeatElement(nil, count: profile + 1 - analytes.count) }
            let cell = row.trimmedBytes(column)
            guard let first = analytes[profile] else {
                analytes[profile] = (String(decoding: cell, as: UTF8.self), row.line)
                return
            }
            guard !cell.elementsEqual(first.name.utf8) else { return }
            throw DataError(
                file: store.file, line: row.line, column: columns?.header[column],
                message:
                    "\(MeasurementParser.quoted(cell)) differs from '\(MessageText.capped(first.name))' on line \(first.line) for subject '\(MessageText.capped(store.subjects[profile]))'; each analyte must be its own profile (read the analyte as a profile column: ColumnSelection.adapted(toHeadersOf:), or profileBy)"
            )
        }

        /// The first row with a non-empty time-unit cell states the file's time unit: an unknown spelling, or a
        /// unit other than the one the caller gave, stops the read (a file's time unit is never guessed around or
        /// overridden, so not even ``InvalidRowPolicy/skip`` excludes such a row). Every later row is checked
        /// against it by the row parser.
        private mutating func settleTimeUnit(_ row: CSVRow, parser: RowParser) throws(DataError) {
            let column = parser.layout.timeUnit
            let cell = row.trimmedBytes(column)
            guard !cell.isEmpty else { return }
            let unit = try parser.timeUnit(cell, row: row)
            let spelling = MeasurementParser.quoted(cell)
            if let given = selection.timeUnit, given != unit {
                throw DataError(
                    file: store.file, line: row.line, column: parser.header[column],
                    message:
                        "time unit \(spelling) (\(unit.plural)) differs from \(givenTimeUnitText(given)); a time unit the file states is never overridden: correct the file or give its unit"
                )
            }
            statedTimeUnit = (unit, parser.header[column])
            let origin =
                selection.timeUnit.map(givenTimeUnitText) ?? "\(spelling) on line \(row.line)"
            if let columns {
                rowParser = RowParser(
                    file: store.file, columns: columns,
                    expectedTimeUnit: RowParser.ExpectedTimeUnit(unit: unit, spelling: Array(cell), origin: origin))
            }
        }

        /// `the time unit given with --time-unit (hours)`, naming the caller's option when it has one.
        private func givenTimeUnitText(_ unit: TimeUnit) -> String {
            "the time unit given" + (selection.namingHints[.timeUnit].map { " with \($0)" } ?? "") + " (\(unit.plural))"
        }

        /// A subject whose every row is invalid must not vanish from the results: an excluded row that still
        /// has the header's field count and a subject cell creates (or finds) its profile, which then may have
        /// no observations (its NCA row is empty, with a note).
        private mutating func keepSubject(of row: CSVRow, parser: RowParser) {
            guard let subject = parser.subjectOfInvalid(row) else { return }
            let previous = lastProfile
            defer { lastProfile = previous }
            guard parser.layout.hasGroups, let resolved = columns else {
                _ = profile(of: subject)
                return
            }
            key.removeAll(keepingCapacity: true)
            key.append(contentsOf: subject)
            for position in resolved.profileKey {
                key.append(0x1F)
                key.append(contentsOf: row.trimmedBytes(resolved.groups[position]))
            }
            let found = key.withUnsafeBufferPointer { keys.insert($0) }
            if found.inserted {
                addProfile(row.string(resolved.subject), groups: resolved.groups.map { row.string($0) })
                profileLines[found.profile] = Int32(truncatingIfNeeded: row.line)
            }
        }

        /// Selected rows on which the analysis flags disagree, and the first of their lines (for the warning).
        private var disagreements = 0
        private var firstDisagreement = 0

        mutating func noteDisagreement(line: Int) {
            if disagreements == 0 { firstDisagreement = line }
            disagreements += 1
        }

        mutating func addBlank(line: Int) {
            store.ledger.dataLines += 1
            store.ledger.blankLines.append(line)
        }

        /// Records an invalid row (under ``InvalidRowPolicy/skip``) at the line its error names.
        mutating func exclude(_ error: DataError) {
            store.ledger.exclude(line: error.line ?? 0, reason: error)
        }

        /// The subjects seen so far. Rows checked in parallel look their subject up here (reading only, while
        /// nothing is added), so the serial `append(_:records:invalid:base:)` hashes only subjects new in the chunk.
        var knownSubjects: ByteInterner { keys }

        /// Adds a row checked by `parser` (no group columns) at `line`.
        mutating func append(_ cells: RowParser.Cells, line: Int) throws(DataError) {
            try append(cells, profile: profile(of: cells.subject), line: line)
        }

        /// Adds one part of a chunk checked in parallel, in file order. `records` holds, per record of the part,
        /// its line relative to `base`: negative for a blank line, 0 for an invalid row (the next of `invalid`,
        /// whose line is relative too), 1 for a row set aside (the next of `setAside`, line relative too),
        /// otherwise a data row (the next of `rows`). Per data row only the profile
        /// number (from `rows.known`, so only subjects new in the chunk are hashed) and the unit are settled
        /// here; the columns and ledger counts follow in block copies, without the rows excluded for their unit.
        mutating func append(
            _ rows: CheckedRows, records: [Int], invalid: [DataError], invalidSubjects: [UnsafeBufferPointer<UInt8>],
            setAside: [(line: Int, reason: Int32)] = [], base: Int
        ) throws(DataError) {
            var nextSetAside = 0
            var excluded: [Int] = []
            var profiles: [Int32] = []
            var lines: [Int32] = []
            profiles.reserveCapacity(rows.times.count)
            lines.reserveCapacity(rows.times.count)
            var next = 0
            var nextInvalid = 0
            for relative in records {
                if relative < 0 {
                    addBlank(line: base - relative)
                    continue
                }
                if relative == 1 {
                    let row = setAside[nextSetAside]
                    nextSetAside += 1
                    store.ledger.setAside(line: base + row.line, reason: row.reason)
                    continue
                }
                if relative == 0 {
                    var error = invalid[nextInvalid]
                    nextInvalid += 1
                    error.line = error.line.map { base + $0 }
                    exclude(error)
                    // As `keepSubject` does on the serial path; `lastProfile` stays the last valid row's.
                    if !invalidSubjects[nextInvalid - 1].isEmpty {
                        let previous = lastProfile
                        _ = profile(of: invalidSubjects[nextInvalid - 1])
                        lastProfile = previous
                    }
                    continue
                }
                let r = next
                next += 1
                let line = base + relative
                let profile: Int
                switch rows.known[r] {
                case CheckedRows.sameSubject: profile = lastProfile
                case CheckedRows.unknownSubject: profile = self.profile(of: rows.subjects[r])
                default: profile = Int(rows.known[r])
                }
                lastProfile = profile
                guard line <= Int(Int32.max) else { throw tooManyLines(line) }
                // A row repeating an accepted row's subject and unit bytes cannot conflict.
                if !rows.units[r].isEmpty, !(rows.repeatsUnit[r] && lastUnitAccepted) {
                    lastUnitAccepted = try unitAccepted(rows.units[r], profile: profile, line: line)
                    guard lastUnitAccepted else {
                        excluded.append(r)
                        continue
                    }
                }
                profiles.append(Int32(truncatingIfNeeded: profile))
                lines.append(Int32(truncatingIfNeeded: line))
            }
            store.rowProfiles.append(contentsOf: profiles)
            store.lines.append(contentsOf: lines)
            appendColumns(rows, excluding: excluded)
        }

        /// Appends the columns and ledger counts of `rows`, leaving out the rows excluded (in rising order).
        private mutating func appendColumns(_ rows: CheckedRows, excluding excluded: [Int]) {
            store.ledger.dataLines += rows.tally.dataLines
            store.ledger.quantifiable += rows.tally.quantifiable
            store.ledger.belowLimit += rows.tally.belowLimit
            store.ledger.missing += rows.tally.missing
            store.ledger.preInfusion += rows.tally.preInfusion
            guard !excluded.isEmpty else {
                store.times.append(contentsOf: rows.times)
                store.levels.append(contentsOf: rows.levels)
                store.kinds.append(contentsOf: rows.kinds)
                return
            }
            var next = 0
            for r in 0..<rows.times.count {
                if next < excluded.count, excluded[next] == r {
                    next += 1
                    // `exclude` counted the line again when it listed the row.
                    store.ledger.unrecord(
                        ProfileStore.measurement(kind: rows.kinds[r], level: rows.levels[r]), time: rows.times[r])
                    continue
                }
                store.times.append(rows.times[r])
                store.levels.append(rows.levels[r])
                store.kinds.append(rows.kinds[r])
            }
        }

        private func tooManyLines(_ line: Int) -> DataError {
            DataError(file: store.file, line: line, message: "has more than \(Int32.max) lines; split the file")
        }

        /// Checks a non-empty unit cell against the profile's unit, recording it when it is the profile's first.
        /// A conflict is thrown, or under ``InvalidRowPolicy/skip`` excludes the row (returns false).
        private mutating func unitAccepted(
            _ unit: UnsafeBufferPointer<UInt8>, profile: Int, line: Int
        ) throws(DataError) -> Bool {
            let known = Int(store.unitIDs[profile])
            if known >= 0 {
                if !units.equals(known, unit) {
                    let error = DataError(
                        file: store.file, line: line, column: columns?.unit.map { columns?.header[$0] ?? "" },
                        message:
                            "unit \(MeasurementParser.quoted(unit)) differs from '\(MessageText.capped(units.string(known)))' on line \(unitLines[profile]) for subject '\(MessageText.capped(store.subjects[profile]))'; one profile must have one unit"
                    )
                    guard skipsInvalidRows else { throw error }
                    exclude(error)
                    return false
                }
            } else {
                store.unitIDs[profile] = Int32(truncatingIfNeeded: units.insert(unit).profile)
                unitLines[profile] = Int32(truncatingIfNeeded: line)
            }
            return true
        }

        private mutating func append(_ cells: RowParser.Cells, profile: Int, line: Int) throws(DataError) {
            guard line <= Int(Int32.max) else { throw tooManyLines(line) }
            if !cells.unit.isEmpty {
                guard try unitAccepted(cells.unit, profile: profile, line: line) else { return }
            }
            let (kind, level) = ProfileStore.stored(cells.measurement)
            store.rowProfiles.append(Int32(truncatingIfNeeded: profile))
            store.times.append(cells.time)
            store.levels.append(level)
            store.kinds.append(kind)
            store.lines.append(Int32(truncatingIfNeeded: line))
            store.ledger.record(cells.measurement, time: cells.time)
        }

        /// The profile number of a subject without group columns; consecutive rows of one profile (the usual
        /// layout) skip the hash lookup.
        private mutating func profile(of subject: UnsafeBufferPointer<UInt8>) -> Int {
            if lastProfile >= 0, keys.equals(lastProfile, subject) { return lastProfile }
            let found = keys.insert(subject)
            lastProfile = found.profile
            if found.inserted { addProfile(String(decoding: subject, as: UTF8.self), groups: []) }
            return found.profile
        }

        /// The profile number of the row's subject and ``ColumnSelection/profileBy`` values (joined by 0x1F
        /// into one key). The other group values must equal those of the profile's first line: a differing one
        /// is thrown naming both lines, or under ``InvalidRowPolicy/skip`` excludes the row (nil).
        private mutating func profileWithGroups(of row: CSVRow) throws(DataError) -> Int? {
            guard let resolved = columns else { return 0 }
            key.removeAll(keepingCapacity: true)
            key.append(contentsOf: row.trimmedBytes(resolved.subject))
            for position in resolved.profileKey {
                key.append(0x1F)
                key.append(contentsOf: row.trimmedBytes(resolved.groups[position]))
            }
            let found = key.withUnsafeBufferPointer { bytes in
                if lastProfile >= 0, keys.equals(lastProfile, bytes) { return (profile: lastProfile, inserted: false) }
                return keys.insert(bytes)
            }
            lastProfile = found.profile
            if found.inserted {
                addProfile(row.string(resolved.subject), groups: resolved.groups.map { row.string($0) })
                profileLines[found.profile] = Int32(truncatingIfNeeded: row.line)
                return found.profile
            }
            let known = store.groups[found.profile]
            for (position, column) in resolved.groups.enumerated() where !resolved.profileKey.contains(position) {
                let cell = row.trimmedBytes(column)
                guard !cell.elementsEqual(known[position].utf8) else { continue }
                let name = resolved.header[column]
                let error = DataError(
                    file: store.file, line: row.line, column: name,
                    message:
                        "\(MeasurementParser.quoted(cell)) differs from '\(known[position])' on line \(profileLines[found.profile]) for subject '\(store.subjects[found.profile])'; a group column must be constant within a subject (if '\(name)' splits the subject into several profiles, say so \(selection.namingHints[.profileBy].map { "with \($0) \(name)" } ?? "in the column selection's profileBy"))"
                )
                guard skipsInvalidRows else { throw error }
                exclude(error)
                return nil
            }
            return found.profile
        }

        /// Takes the rows at duplicated times out of the profiles and moves them from the ledger's counts to its
        /// exclusions, which are then in line order like every other exclusion.
        private mutating func excludeDuplicates(
            _ duplicates: [Int: DataError], order: inout [Int32], starts: inout [Int]
        ) {
            var kept: [Int32] = []
            kept.reserveCapacity(order.count - duplicates.count)
            var keptStarts = [0]
            keptStarts.reserveCapacity(starts.count)
            for p in 0..<(starts.count - 1) {
                for k in starts[p]..<starts[p + 1] where duplicates[Int(order[k])] == nil { kept.append(order[k]) }
                keptStarts.append(kept.count)
            }
            order = kept
            starts = keptStarts
            for (row, error) in duplicates {
                store.ledger.unrecord(store.measurement(row), time: store.times[row])
                store.ledger.exclude(line: Int(store.lines[row]), reason: error)
            }
            store.ledger.excluded.sort { $0.line < $1.line }
        }

        private mutating func addProfile(_ subject: String, groups: [String]) {
            store.subjects.append(subject)
            store.groups.append(groups)
            store.unitIDs.append(-1)
            unitLines.append(0)
            profileLines.append(0)
        }

        /// Settles the file's time unit (given, else stated by its unit column, else days assumed) and converts
        /// the times into ``ColumnSelection/outputTimeUnit`` when one is asked for. Done before the duplicate check,
        /// so two times that one conversion rounds to the same number are still caught; a time that overflows or
        /// underflows to 0 in the new unit stops the read rather than move a sample.
        private mutating func convertTimes(columnName: String) throws(DataError) {
            let input: TimeUnit
            if let stated = statedTimeUnit {
                input = stated.unit
                store.timeUnitSource = .column(stated.column)
            } else if let given = selection.timeUnit {
                input = given
                store.timeUnitSource = .given
            } else {
                input = .days
                store.timeUnitSource = .assumed
            }
            let output = selection.outputTimeUnit ?? input
            store.inputTimeUnit = input
            store.timeUnit = output
            guard output != input else { return }
            let file = store.file
            let lines = store.lines
            try store.times.withUnsafeMutableBufferPointer { (times) throws(DataError) in
                for i in times.indices {
                    let t = times[i]
                    let converted = input.convert(t, to: output)
                    guard converted.isFinite, converted != 0 || t == 0 else {
                        throw DataError(
                            file: file, line: Int(lines[i]), column: columnName,
                            message:
                                "time \(t) \(input.plural) is \(converted.isFinite ? "too small" : "too large") to be expressed in \(output.plural)"
                        )
                    }
                    times[i] = converted
                }
            }
        }

        /// Groups the rows by profile, sorts each profile by time and rejects two non-missing samples of one
        /// profile at one time (naming both lines) — or, when invalid rows are skipped, excludes every such row.
        consuming func finish() throws(DataError) -> ProfileStore {
            let file = store.file
            guard let resolved = columns else {
                throw DataError(file: file, message: "is empty; expected a header line and data rows")
            }
            store.ledger.setAsideReasons = resolved.selector?.reasons ?? []
            if disagreements > 0, let flags = resolved.selector?.flagNames {
                let choose = selection.namingHints[.rowFilter].map { "\($0) " } ?? ""
                store.ledger.warnings.append(
                    "\(file): the analysis flags \(flags.joined(separator: ", ")) disagree on \(disagreements) row\(disagreements == 1 ? "" : "s") read (first: line \(firstDisagreement)); a row is read when any flag is Y; to follow one flag, select it (\(choose)\(flags[flags.count - 1])=Y)"
                )
            }
            guard !store.times.isEmpty else {
                if !store.ledger.setAside.isEmpty, store.ledger.excluded.isEmpty {
                    let ledger = store.ledger
                    let counts = ledger.setAsideReasons.indices.compactMap { r -> String? in
                        let n = ledger.setAside.reduce(0) { $0 + ($1.reason == r ? 1 : 0) }
                        return n == 0
                            ? nil
                            : "\(n) \(ledger.setAsideReasons[r].fate.rawValue): \(ledger.setAsideReasons[r].detail)"
                    }
                    throw DataError(
                        file: file, line: 1,
                        message:
                            "no row is read as an observation: all \(ledger.setAside.count) data rows are set aside (\(counts.joined(separator: "; ")))"
                    )
                }
                if let first = store.ledger.excluded.first {
                    throw DataError(
                        file: file, line: first.line,
                        message:
                            "no valid data rows (\(store.ledger.excluded.count) excluded); first: \(first.reason.description)"
                    )
                }
                throw DataError(file: file, line: 1, message: "has a header but no data rows")
            }
            store.unitNames = (0..<units.count).map { units.string($0) }
            try convertTimes(columnName: resolved.header[resolved.time])
            let profiles = store.profileCount
            var starts = [Int](repeating: 0, count: profiles + 1)
            for p in store.rowProfiles { starts[Int(p) + 1] += 1 }
            for p in 0..<profiles { starts[p + 1] += starts[p] }
            var next = starts
            var order = [Int32](repeating: 0, count: store.rowProfiles.count)
            for (row, p) in store.rowProfiles.enumerated() {
                order[next[Int(p)]] = Int32(truncatingIfNeeded: row)
                next[Int(p)] += 1
            }
            store.rowProfiles = []
            let times = store.times
            let kinds = store.kinds
            let lines = store.lines
            let missing = Kind.missing.rawValue
            let skipInvalid = skipsInvalidRows
            // Under skip: rows at a duplicated time, each with the first error that names it.
            var duplicates: [Int: DataError] = [:]
            try order.withUnsafeMutableBufferPointer { (order) throws(DataError) in
                for p in 0..<profiles {
                    let range = starts[p]..<starts[p + 1]
                    var sorted = true
                    for k in range.dropFirst() where times[Int(order[k - 1])] > times[Int(order[k])] {
                        sorted = false
                        break
                    }
                    if !sorted {
                        // Row numbers rise with the line, so (time, row) keeps ties in file order.
                        var slice = UnsafeMutableBufferPointer(rebasing: order[range])
                        slice.sort { (times[Int($0)], $0) < (times[Int($1)], $1) }
                    }
                    var previous = -1
                    for k in range {
                        let row = Int(order[k])
                        guard kinds[row] != missing else { continue }
                        if previous >= 0, times[previous] == times[row] {
                            let error = DataError(
                                file: file, line: Int(lines[row]), column: resolved.header[resolved.time],
                                message:
                                    "subject '\(MessageText.capped(store.subjects[p]))' has two samples at time \(times[row]) (lines \(lines[previous]) and \(lines[row]))"
                            )
                            guard skipInvalid else { throw error }
                            for duplicate in [previous, row] where duplicates[duplicate] == nil {
                                var own = error
                                own.line = Int(lines[duplicate])
                                duplicates[duplicate] = own
                            }
                        }
                        previous = row
                    }
                }
            }
            if !duplicates.isEmpty { excludeDuplicates(duplicates, order: &order, starts: &starts) }
            store.starts = starts
            store.order = order
            let finished = store
            store.ledger.warnings += SubjectSpellings.warnings(subjects: finished.subjects, file: file) {
                finished.firstLine($0)
            }
            return store
        }
    }
}
