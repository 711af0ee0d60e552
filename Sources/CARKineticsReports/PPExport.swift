import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics
import Foundation

/// `pkfit nca --format pp` as a library call: the NCA of `NCAAnalysis` as the SDTM PP dataset and its SUPPPP
/// qualifiers (``PPTable``), the same content whether written as CSV, SAS transport or Dataset-JSON.
///
/// Besides the NCA's own columns it reads, per profile and when every input file has one (any case):
/// `STUDYID` (else ``PPSubmission/Settings/study``; required), `PCSPEC` (`PPSPEC`, unless
/// ``PPSubmission/Settings/specimen`` is given), `PCRFTDTC` (`PPRFTDTC`), and an ADNCA file's analyte
/// (`PPCAT`, else ``PPSubmission/Settings/analyte``). `PCSPEC` and `PCRFTDTC` split profiles (a subject sampled
/// in two specimens has two profiles, `PPGRPID` 1 and 2).
public struct PPExport: Sendable {
    /// The NCA behind the table (columns, options, invalid-row policy), as for `pkfit nca`.
    public var analysis: NCAAnalysis
    /// Values the input does not hold (`--study`, `--analyte`, `--specimen`).
    public var settings: PPSubmission.Settings

    /// An export of the given analysis.
    public init(_ analysis: NCAAnalysis = NCAAnalysis(), settings: PPSubmission.Settings = PPSubmission.Settings()) {
        self.analysis = analysis
        self.settings = settings
    }

    /// The PP dataset, its SUPPPP records and the NCA behind them.
    public struct Output: Sendable {
        /// The PP rows (columns: ``variables``' names).
        public var pp: ResultTable
        /// The PP variables (``PPVariable/pp(referenceTime:)``).
        public var variables: [PPVariable]
        /// The SUPPPP records (columns: ``PPVariable/supppp``), in PP order.
        public var supplement: ResultTable
        /// The NCA, for its ledgers and audit (`NCAAnalysis/audit(_:files:)`).
        public var nca: NCAAnalysis.Output
    }

    /// Reads `files`, runs the NCA and builds the PP table. Throws `DataError` for the input and
    /// ``PPSubmission/Failure`` when the dataset cannot be made (no STUDYID, non-ASCII text, …).
    public func run(files: [URL]) throws -> ResultTable {
        try export(files: files).pp
    }

    /// ``run(files:)`` with the SUPPPP records and the NCA behind the table.
    public func export(files: [URL]) throws -> Output {
        let plan = reading(files)
        let nca = try plan.analysis.run(files: files)
        let (profiles, referenceTime) = try plan.profiles(
            subjects: nca.results.map(\.subject), groups: nca.results.map(\.groups),
            units: nca.results.map(\.unit), options: nca.options, settings: settings)
        let layout = PPTable.Layout(options: nca.options, referenceTime: referenceTime)
        let (pp, supplement) = PPTable.make(nca.results, profiles: profiles, layout: layout)
        return Output(pp: pp, variables: layout.variables, supplement: supplement, nca: nca)
    }

    /// Reads the files and writes the PP dataset as CSV — the same bytes as `run(files:).rendered(as: .pp)` —
    /// streamed as `NCAAnalysis/writeCSV(files:progress:recordingFates:to:)` streams the NCA table, with the same
    /// guarantees (flat memory, identical bytes for every thread count, nothing written on an input error or a
    /// dataset that cannot be made). The SUPPPP records are kept (in memory: a few per excluded or hand-chosen
    /// profile) and handed to `supplement` as CSV once the PP rows are written.
    /// - Parameters:
    ///   - files: the input files.
    ///   - progress: called after each written wave of blocks with (profiles written, total).
    ///   - recordingFates: also record what NCA did with every row (one byte per row), for the audit
    ///     written once the output is (``NCAAnalysis/writeAudit(_:files:to:)``).
    ///   - supplement: receives the SUPPPP CSV (header and records) after the last PP row.
    ///   - write: receives the output bytes in order, on the calling thread.
    /// - Returns: the row fates (empty unless `recordingFates`) and one ledger per input file (`ledgers`).
    @discardableResult
    public func writeCSV(
        files: [URL], progress: ((_ done: Int, _ total: Int) -> Void)? = nil, recordingFates: Bool = false,
        supplement: ((UnsafeBufferPointer<UInt8>) throws -> Void)? = nil,
        to write: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> NCARowFates {
        try writeCSV(
            files: files, threads: ProcessInfo.processInfo.activeProcessorCount, progress: progress,
            recordingFates: recordingFates, supplement: supplement, to: write)
    }

    /// `writeCSV(files:progress:recordingFates:supplement:to:)` on a chosen number of threads (1 = all on the
    /// calling thread).
    @discardableResult
    func writeCSV(
        files: [URL], threads: Int, progress: ((_ done: Int, _ total: Int) -> Void)? = nil,
        recordingFates: Bool = false, supplement: ((UnsafeBufferPointer<UInt8>) throws -> Void)? = nil,
        to write: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws -> NCARowFates {
        let plan = reading(files)
        let qualifiers = PPQualifierCollector()
        let settings = self.settings
        let fates = try plan.analysis.stream(
            files: files, threads: threads, progress: progress, recordingFates: recordingFates, to: write
        ) { stores, options in
            // Every profile's identifiers are known (and checked) before the first row is written.
            var subjects: [String] = []
            var groups: [[String]] = []
            var units: [String?] = []
            for store in stores {
                subjects += store.subjects
                groups += store.groups
                units += store.levelUnits
            }
            let (profiles, referenceTime) = try plan.profiles(
                subjects: subjects, groups: groups, units: units, options: options, settings: settings)
            let layout = PPTable.Layout(options: options, referenceTime: referenceTime)
            var header: [UInt8] = []
            CSVWriter.appendHeader(layout.variables.map(\.name), to: &header)
            return StreamLayout(
                header: header, renderer: PPRows(layout: layout, profiles: profiles, qualifiers: qualifiers),
                footer: [], bytesPerProfile: 160 * layout.parameters.count)
        }
        if let supplement {
            var bytes: [UInt8] = []
            CSVWriter.appendHeader(PPVariable.supppp.map(\.name), to: &bytes)
            for record in qualifiers.records() { CSVWriter.appendRow(record, to: &bytes) }
            try bytes.withUnsafeBufferPointer { try supplement($0) }
        }
        return fates
    }

    /// The NCA as read for PP: with the `STUDYID`, `PCSPEC` and `PCRFTDTC` columns (when every file has one,
    /// named the same) among its groups, the last two also splitting profiles.
    private func reading(_ files: [URL]) -> PPReading {
        var reading = analysis
        /// Reads the column named `lowercased` (in every file) as a group; its index among the groups.
        func column(_ lowercased: String, perProfile: Bool) -> Int? {
            let names = files.map { ProfileReader.column(named: lowercased, in: $0, choice: analysis.selection.table) }
            guard let name = names.first ?? nil, names.allSatisfy({ $0 == name }) else { return nil }
            if let existing = reading.selection.groups.firstIndex(where: { $0.lowercased() == lowercased }) {
                return existing
            }
            reading.selection.groups.append(name)
            // A profile-by column may change within a subject (two specimens are two profiles); a group may not.
            if perProfile { reading.selection.profileBy.append(name) }
            return reading.selection.groups.count - 1
        }
        let study = column("studyid", perProfile: false)
        let specimen = settings.specimen == nil ? column("pcspec", perProfile: true) : nil
        let reference = column("pcrftdtc", perProfile: true)
        // An ADNCA file's analyte (PARAMCD/PARAM, read as the `analyte` profile column) is PPCAT per profile.
        let analyte =
            analysis.selection.recognisesAnalyte
            ? reading.selection.groups.firstIndex(of: ColumnSelection.analyteGroup) : nil
        return PPReading(analysis: reading, study: study, analyte: analyte, specimen: specimen, reference: reference)
    }
}

/// The NCA as read for PP and where the PP qualifiers sit among each profile's group values.
struct PPReading: Sendable {
    var analysis: NCAAnalysis
    var study: Int?
    var analyte: Int?
    var specimen: Int?
    var reference: Int?

    /// One ``PPTable/Profile`` per profile (in output order) from its subject, group values and level unit, and
    /// whether the dataset has `PPRFTDTC`. Every value the input gives is checked here, before any row is
    /// written: `STUDYID` present, text ASCII (``PPText``; a subject identifier exactly, never respelled), one
    /// analyte when `--analyte` names it, reasons for hand-chosen λz points ASCII.
    func profiles(
        subjects: [String], groups: [[String]], units: [String?], options: NCAOptions,
        settings: PPSubmission.Settings
    ) throws(PPSubmission.Failure) -> (profiles: [PPTable.Profile], referenceTime: Bool) {
        func value(_ index: Int?, _ p: Int) -> String? {
            guard let index, index < groups[p].count else { return nil }
            return groups[p][index]
        }
        func ascii(_ text: String, _ variable: String, _ p: Int) throws(PPSubmission.Failure) -> String {
            guard let ascii = PPText.ascii(text) else {
                throw PPSubmission.Failure(
                    message:
                        "\(variable) '\(MessageText.capped(text))' (subject '\(MessageText.capped(subjects[p]))') is not ASCII; submission datasets (SAS transport v5) hold ASCII text"
                )
            }
            return ascii
        }
        // `--analyte` names the analyte, or renames an ADNCA file's single analyte.
        let analyteGiven = settings.analyte
        if let given = settings.analyte, analyte != nil {
            var distinct: [String] = []
            for p in subjects.indices {
                if let found = value(analyte, p), !distinct.contains(found) { distinct.append(found) }
            }
            guard distinct.count <= 1 else {
                throw PPSubmission.Failure(
                    message:
                        "the input has several analytes (\(distinct.prefix(5).map { MessageText.capped($0) }.joined(separator: ", "))), each its own PPCAT; one analyte name ('\(MessageText.capped(given))') cannot stand for them all"
                )
            }
        }
        if let points = options.lambdaZPoints {
            for entry in points.entries where PPText.ascii("\(entry.choice.rule): \(entry.choice.reason)") == nil {
                throw PPSubmission.Failure(
                    message:
                        "\(points.file): line \(entry.line): the reason '\(MessageText.capped(entry.choice.reason))' is not ASCII; it goes to SUPPPP (LAMZNOTE), which holds ASCII text"
                )
            }
        }
        var total: [String: Int] = [:]
        for subject in subjects { total[subject, default: 0] += 1 }
        var seen: [String: Int] = [:]
        var profiles: [PPTable.Profile] = []
        profiles.reserveCapacity(subjects.count)
        var checkedUnits: [String: String] = [:]
        for (p, subject) in subjects.enumerated() {
            var study = value(self.study, p) ?? ""
            if study.isEmpty { study = settings.study ?? "" }
            guard !study.isEmpty else {
                throw PPSubmission.Failure(
                    message:
                        "STUDYID is required in a PP dataset: give the input a STUDYID column or \(settings.studyHint.map { "use \($0)" } ?? "give the study identifier in the settings")"
                )
            }
            guard PPText.isASCII(subject) else {
                throw PPSubmission.Failure(
                    message:
                        "USUBJID '\(MessageText.capped(subject))' is not ASCII; submission datasets hold ASCII text and a subject identifier is never respelled"
                )
            }
            var levelUnit: String?
            if let unit = units[p] {
                if let known = checkedUnits[unit] {
                    levelUnit = known
                } else {
                    levelUnit = try ascii(unit, "the unit", p)
                    checkedUnits[unit] = levelUnit
                }
            }
            let earlier = seen[subject] ?? 0
            seen[subject] = earlier + 1
            var referenceTime: ResultCell?
            if reference != nil { referenceTime = .text(try ascii(value(reference, p) ?? "", "PPRFTDTC", p)) }
            let analyteName = analyteGiven ?? value(analyte, p) ?? ""
            let specimenName = settings.specimen ?? value(specimen, p) ?? ""
            profiles.append(
                PPTable.Profile(
                    study: .text(try ascii(study, "STUDYID", p)), subject: .text(subject),
                    group: (total[subject] ?? 1) > 1 ? .text(String(earlier + 1)) : .empty,
                    analyte: .text(try ascii(analyteName, "PPCAT", p)),
                    specimen: .text(try ascii(specimenName, "PPSPEC", p)),
                    referenceTime: referenceTime,
                    earlierProfiles: earlier, levelUnit: levelUnit))
        }
        return (profiles, reference != nil)
    }
}

/// The SUPPPP records found while PP rows are streamed, by profile; read once the stream is done.
private final class PPQualifierCollector: @unchecked Sendable {
    // Written from the stream's worker threads, each for its own profiles; the lock orders the writes.
    private let lock = NSLock()
    private var byProfile: [Int: [[ResultCell]]] = [:]

    func add(_ records: [[ResultCell]], profile: Int) {
        lock.lock()
        defer { lock.unlock() }
        byProfile[profile] = records
    }

    /// Every record, in profile (and so PP) order.
    func records() -> [[ResultCell]] {
        lock.lock()
        defer { lock.unlock() }
        return byProfile.keys.sorted().flatMap { byProfile[$0] ?? [] }
    }
}

/// The PP rows of each profile, as CSV lines; its SUPPPP records go to the collector.
private struct PPRows: StreamRenderer {
    let layout: PPTable.Layout
    /// One per profile, numbered across files.
    let profiles: [PPTable.Profile]
    let qualifiers: PPQualifierCollector
    /// One row of cells, overwritten in place for each row.
    private var row: [ResultCell] = []
    private var units: PPUnitCache

    init(layout: PPTable.Layout, profiles: [PPTable.Profile], qualifiers: PPQualifierCollector) {
        self.layout = layout
        self.profiles = profiles
        self.qualifiers = qualifiers
        units = PPUnitCache(layout: layout)
    }

    mutating func append(_ result: NCAResult, index: Int, to text: inout [UInt8]) {
        let profile = profiles[index]
        let profileUnits = units.units(profile.levelUnit)
        var records: [[ResultCell]] = []
        for k in layout.parameters.indices {
            layout.fill(&row, parameter: k, of: result, profile: profile, units: profileUnits)
            CSVWriter.appendRow(row, to: &text)
            layout.appendQualifiers(parameter: k, of: result, profile: profile, to: &records)
        }
        if !records.isEmpty { qualifiers.add(records, profile: index) }
    }
}
