import ArgumentParser
import CARKinetics
import Foundation

/// A submission PP file, chosen by the `--output` extension.
enum SubmissionFile: Equatable {
    case xpt, datasetJSON

    init?(path: String) {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "xpt": self = .xpt
        case "json": self = .datasetJSON
        default: return nil
        }
    }
}

// `pkfit nca --format pp`: the PP dataset and its SUPPPP qualifiers, as CSV, SAS transport or Dataset-JSON
// (docs/pp-output.md).
extension NCACommand {
    /// `--study`, `--analyte`, `--specimen`.
    var ppSettings: PPSubmission.Settings {
        var settings = PPSubmission.Settings(study: study, analyte: analyte, specimen: specimen)
        settings.studyHint = "--study"
        return settings
    }

    /// Where SUPPPP goes: `--supp`, else beside a PP `--output` file (``supplementBeside(_:)``); nil when PP
    /// goes to standard output or a device and `--supp` is not given.
    var supplementPath: String? {
        guard output.format == .pp else { return nil }
        if let supplement { return supplement }
        guard let file = output.file, (try? OutputDestination(file))?.kind != .special else { return nil }
        return Self.supplementBeside(file)
    }

    /// SUPPPP beside a PP file: the same folder and extension, the name prefixed `supp` (`pp.xpt` →
    /// `supppp.xpt`, SDTM's file name; `run1.csv` → `supprun1.csv`; `PP.XPT` → `SUPPPP.XPT`).
    static func supplementBeside(_ path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let stem = url.deletingPathExtension().lastPathComponent
        let prefix = stem == stem.uppercased() && stem != stem.lowercased() ? "SUPP" : "supp"
        let name = prefix + stem + (url.pathExtension.isEmpty ? "" : "." + url.pathExtension)
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? name : (folder as NSString).appendingPathComponent(name)
    }

    /// The SUPPPP output for `FileSafety`, and the checks on `--supp`.
    func supplementOutputs() throws -> [FileSafety.Output] {
        if supplement != nil {
            guard output.format == .pp else { throw ValidationError("--supp is the SUPPPP of --format pp") }
            guard supplement != "-" else {
                throw ValidationError("--supp '-': only --output can be standard output; give --supp a file name")
            }
        }
        guard let path = supplementPath else { return [] }
        let ppKind = output.file.flatMap { SubmissionFile(path: $0) }
        if supplement != nil, SubmissionFile(path: path) != ppKind {
            let format = ppKind.map { $0 == .xpt ? "SAS transport (.xpt)" : "Dataset-JSON (.json)" } ?? "CSV"
            throw ValidationError(
                "--supp '\(MessageText.capped(path, limit: 200))': SUPPPP is written in the PP output's format, \(format); give it that extension"
            )
        }
        return [FileSafety.Output(flag: supplement != nil ? "--supp" : "SUPPPP (beside --output)", path: path)]
    }

    /// The time stamped in the datasets' headers: now, or `SOURCE_DATE_EPOCH` (seconds since 1970, UTC) when
    /// set, for byte-identical files from identical runs (the reproducible-builds convention).
    static func creationTime() throws -> Date {
        guard let text = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"] else { return Date() }
        guard let seconds = Int(text), seconds >= 0 else {
            throw CommandFailure(
                message: "SOURCE_DATE_EPOCH '\(MessageText.capped(text))' is not a whole number of seconds since 1970")
        }
        return Date(timeIntervalSince1970: Double(seconds))
    }

    /// PP and SUPPPP (and the audit), committed together or not at all.
    func writePP(_ analysis: NCAAnalysis, files: [URL]) throws {
        if let path = output.file, let kind = SubmissionFile(path: path) {
            try writeSubmission(analysis, files: files, to: path, as: kind)
        } else if output.rewritesTable {
            try writePPTable(analysis, files: files)
        } else {
            try streamPP(analysis, files: files)
        }
    }

    /// Notes on stderr that SUPPPP records were not written (PP on standard output without `--supp`).
    private func noteUnwritten(_ records: Int) {
        guard supplementPath == nil, records > 0 else { return }
        StandardStreams.writeError(
            "pkfit: \(records) SUPPPP record\(records == 1 ? "" : "s") (PPEXCLBY, LAMZNOTE) not written: give --supp PATH\n"
        )
    }

    /// CSV streamed: flat memory however many rows, and the same bytes as the table path (docs/performance.md).
    private func streamPP(_ analysis: NCAAnalysis, files: [URL]) throws {
        var records = 0
        try streamRows(analysis, files: files, supplement: supplementPath) { update, write, supplementFile in
            try PPExport(analysis, settings: ppSettings).writeCSV(
                files: files, progress: update, recordingFates: rows.audit != nil,
                supplement: { bytes in
                    records = Swift.max(0, bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } - 1)
                    try supplementFile?(bytes)
                }, to: write)
        }
        noteUnwritten(records)
    }

    /// CSV built whole, for `--csv-safe` and `--columns` (which rewrite the finished table).
    /// Runs a PP export with its failures as the command's: a data error as it is, a submission failure behind
    /// `place` (the output file it concerns).
    private static func exportingPP<Exported>(to place: String, _ export: () throws -> Exported) throws -> Exported {
        do {
            return try export()
        } catch let error as DataError {
            throw CommandFailure(message: error.description)
        } catch let error as PPSubmission.Failure {
            throw CommandFailure(message: "\(place): \(error.description)")
        }
    }

    private func writePPTable(_ analysis: NCAAnalysis, files: [URL]) throws {
        let export = try Self.exportingPP(to: output.file ?? "PP") {
            try PPExport(analysis, settings: ppSettings).export(files: files)
        }
        let result = export.nca
        rows.reportExclusions(result.ledgers)
        InputOptions.noteTimeUnit(assumed: result.timeUnitAssumed)
        try rows.emit(
            audit: { () throws(DataError) in try analysis.audit(result, files: files) },
            results: { transaction in
                try output.emit(export.pp, into: transaction)
                if let path = supplementPath {
                    let table = output.csvSafe ? CSVSafety.neutralised(export.supplement) : export.supplement
                    try transaction.add(table.rendered(as: .csv), to: path)
                }
            })
        noteUnwritten(export.supplement.rows.count)
    }

    /// `--output pp.xpt` (SAS transport v5) or `pp.json` (Dataset-JSON v1.1): PP and SUPPPP as submission
    /// datasets, written whole or not at all.
    private func writeSubmission(
        _ analysis: NCAAnalysis, files: [URL], to path: String, as kind: SubmissionFile
    ) throws {
        let datasets = try Self.exportingPP(to: path) {
            try PPSubmission.export(analysis, files: files, settings: ppSettings)
        }
        let created = try Self.creationTime()
        var studyID = study ?? ""
        if case .text(let first)? = datasets.pp.rows.first?.first { studyID = first }
        func bytes(_ dataset: XPTFile.Dataset, _ variables: [PPVariable], _ place: String) throws -> [UInt8] {
            switch kind {
            case .xpt:
                do {
                    return try XPTFile(datasets: [dataset]).bytes(created: created)
                } catch {
                    throw CommandFailure(message: "\(place): \(error.description)")
                }
            case .datasetJSON:
                return Array(
                    PPSubmission.datasetJSON(dataset, variables: variables, study: studyID, created: created).utf8)
            }
        }
        let pp = try bytes(datasets.pp, datasets.variables, path)
        let supplementPath = self.supplementPath
        let supplement = try supplementPath.map { try bytes(datasets.supplement, PPVariable.supppp, $0) }
        let result = datasets.nca
        rows.reportExclusions(result.ledgers)
        InputOptions.noteTimeUnit(assumed: result.timeUnitAssumed)
        // The datasets and the audit are committed together: all renamed, or none.
        try rows.emit(
            audit: { () throws(DataError) in try analysis.audit(result, files: files) },
            results: { transaction in
                let file = try transaction.open(path)
                try pp.withUnsafeBufferPointer { (buffer) throws(OutputError) in try file.write(buffer) }
                if let supplementPath, let supplement {
                    let file = try transaction.open(supplementPath)
                    try supplement.withUnsafeBufferPointer { (buffer) throws(OutputError) in try file.write(buffer) }
                }
            })
    }
}
