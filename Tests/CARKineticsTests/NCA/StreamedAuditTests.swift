import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// The streamed audit (`pkfit nca --audit` in csv, json, pp): fates recorded per row during the streamed NCA,
/// then the files re-read line by line. Its bytes must be those of the audit built from the whole table
/// (`audit(run(files:), files:)`, what `pkfit nca --audit` wrote before) on every fixture and on random files
/// with every fate, on every thread count and whatever the chunk size of the re-read.
@Suite struct StreamedAuditTests {
    enum Format: CaseIterable { case csv, json, pp }

    /// The streamed audit of `files`, with the result written in `format` on `threads` threads.
    static func streamedAudit(
        _ analysis: NCAAnalysis, files: [URL], format: Format, threads: Int,
        chunkSize: Int = ProfileReader.chunkSize
    ) throws -> (audit: [UInt8], fates: NCARowFates) {
        let fates: NCARowFates
        switch format {
        case .csv: fates = try analysis.writeCSV(files: files, threads: threads, recordingFates: true) { _ in }
        case .json: fates = try analysis.writeJSON(files: files, threads: threads, recordingFates: true) { _ in }
        case .pp:
            fates = try PPExport(analysis, settings: PPSubmission.Settings(study: "S")).writeCSV(
                files: files, threads: threads, recordingFates: true
            ) { _ in }
        }
        var bytes: [UInt8] = []
        try analysis.writeAudit(fates, files: files, chunkSize: chunkSize) { bytes.append(contentsOf: $0) }
        return (bytes, fates)
    }

    /// The table path's audit, as `pkfit nca --audit` wrote it before it streamed.
    static func tableAudit(_ analysis: NCAAnalysis, files: [URL]) throws -> [UInt8] {
        Array(try analysis.audit(analysis.run(files: files), files: files).table.rendered(as: .csv).utf8)
    }

    @Test func fixturesGiveTheTableAuditOnEveryThreadCount() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var cases = try StreamedFormatsTests.cases(in: directory)
        for name in [
            "data/aid_cd7_qpcr.csv", "data/waiha_cd19bcma_flow.csv", "valid/blq_spellings.csv",
            "valid/quoted_fields.csv", "data/noise_free_profiles.csv",
            // Other input formats: their cells come from the table path's source.
            "formats/aid_cd7_qpcr.xpt", "formats/aid_cd7_qpcr.json", "formats/aid_cd7_qpcr.ndjson",
            "formats/aid_cd7_qpcr.xlsx",
        ] {
            cases.append(.init(name: name, files: [fixtureURL(name)], analysis: NCAAnalysis()))
        }
        for c in cases {
            guard let expected = try? Self.tableAudit(c.analysis, files: c.files) else { continue }
            #expect(expected.count > 60, "\(c.name)")
            for format in Format.allCases {
                for threads in [1, 2, 3, 8] {
                    let (bytes, fates) = try Self.streamedAudit(
                        c.analysis, files: c.files, format: format, threads: threads)
                    #expect(
                        StreamedFormatsTests.firstDifference(bytes, expected) == nil,
                        "\(c.name), \(format), \(threads) threads")
                    #expect(fates.ledgers == (try c.analysis.run(files: c.files).ledgers), "\(c.name)")
                }
            }
        }
    }

    /// A random file that reaches every fate: pre-infusion rows (BLQ, 0, positive, missing; several before
    /// time 0 or one at 0 itself), BLQ before, between and after quantifiable levels, observed zeros,
    /// missing values, blank and whitespace-only lines, and (for `--skip-invalid`) bad numbers, ragged
    /// rows, empty subjects and duplicate times; subjects interleaved, quoted cells with commas, quotes and
    /// line breaks, CRLF line ends, and an ADPC `AVALC` column.
    static func randomFile(seed: UInt64, rows: Int, invalid: Bool, subjectPrefix: String) -> [UInt8] {
        var random = SplitMix(seed: seed)
        let adpc = seed % 3 == 0
        var text = adpc ? "USUBJID,AFRLT,AVAL,AVALC,AVALU\r\n" : "subject,time,value\n"
        let subjects = Int.random(in: 1...12, using: &random)
        var nextTime = [Int](repeating: -2, count: subjects)
        for _ in 0..<rows {
            let end = Bool.random(using: &random) ? "\r\n" : "\n"
            let roll = Int.random(in: 0..<100, using: &random)
            if roll < 3 {
                text += "\n"
                continue
            }
            if roll < 5 {
                text += " \t" + end
                continue
            }
            let s = Int.random(in: 0..<subjects, using: &random)
            var subject = "\(subjectPrefix)\(s)"
            if s == 1 { subject = "\"\(subjectPrefix)1, \"\"q\"\"\n2\"" }
            var time = nextTime[s]
            nextTime[s] += Int.random(in: 1...3, using: &random)
            if invalid, roll < 8 { time = max(-2, time - 1) } // sometimes a duplicate time
            let kind = Int.random(in: 0..<10, using: &random)
            var value: String
            var valueText = ""
            switch kind {
            case 0, 1: value = "BLQ"
            case 2: value = "0"
            case 3: value = ""
            case 4: value = "<5"
            default: value = "\(Double(Int.random(in: 1...100_000, using: &random)) / 100)"
            }
            if adpc, kind < 2 {
                valueText = value
                value = Bool.random(using: &random) ? "" : "7"
            }
            if invalid, roll >= 95 {
                switch roll {
                case 95: value = "1..2"
                case 96: subject = ""
                case 97:
                    text += "\(subject),\(time)" + end
                    continue
                default: value = "x"
                }
            }
            text +=
                adpc ? "\(subject),\(time),\(value),\(valueText),cells/uL" + end : "\(subject),\(time),\(value)" + end
        }
        return Array(text.utf8)
    }

    @Test func randomFilesGiveTheTableAudit() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var compared = 0
        for seed in UInt64(1)...40 {
            let invalid = seed % 2 == 0
            var files: [URL] = []
            for k in 0..<(seed % 4 == 1 ? 2 : 1) {
                let url = directory.appendingPathComponent("r\(seed)-\(k).csv")
                try Data(
                    Self.randomFile(
                        seed: seed &* 31 &+ UInt64(k), rows: Int(seed % 7) * 60 + 20, invalid: invalid,
                        subjectPrefix: "F\(k)S")
                ).write(to: url)
                files.append(url)
            }
            var analysis = NCAAnalysis()
            if invalid { analysis.invalidRows = .skip }
            if seed % 5 == 0 { analysis.options.blqRule = BLQRule(first: .drop, middle: .keep, last: .drop) }
            let expected: [UInt8]
            do {
                expected = try Self.tableAudit(analysis, files: files)
            } catch let error as DataError {
                // The stream must fail the same way (same error) as the table path.
                #expect(throws: error) { _ = try Self.streamedAudit(analysis, files: files, format: .csv, threads: 2) }
                continue
            }
            compared += 1
            let format = Format.allCases[Int(seed % 3)]
            if format == .pp {
                // A subject with a quote and a line break is not an identifier a submitted PP dataset may hold:
                // refused before anything is written (the fixtures above compare PP audits).
                do {
                    _ = try Self.streamedAudit(analysis, files: files, format: .pp, threads: 1)
                } catch let error as PPSubmission.Failure {
                    #expect(error.message.hasPrefix("USUBJID '"), "\(error)")
                    continue
                }
            }
            for (threads, chunk) in [(1, 64), (2, 1 << 20), (3, 257), (8, 4_096)] {
                let (bytes, _) = try Self.streamedAudit(
                    analysis, files: files, format: format, threads: threads, chunkSize: chunk)
                #expect(
                    StreamedFormatsTests.firstDifference(bytes, expected) == nil,
                    "seed \(seed), \(format), \(threads) threads, chunk \(chunk)")
            }
        }
        #expect(compared >= 30)
    }

    /// Every code maps to a fate and detail, and every fate (excluded through the ledger) is reached by the
    /// random files: the property test above is not vacuous.
    @Test func randomFilesReachEveryFate() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var details = Set<String>()
        for seed in UInt64(1)...40 {
            let url = directory.appendingPathComponent("r\(seed).csv")
            try Data(Self.randomFile(seed: seed, rows: 400, invalid: true, subjectPrefix: "S")).write(to: url)
            var analysis = NCAAnalysis()
            analysis.invalidRows = .skip
            if seed % 2 == 0 { analysis.options.blqRule = BLQRule(first: .drop, middle: .keep, last: .drop) }
            guard let output = try? analysis.run(files: [url]) else { continue }
            for entry in try analysis.audit(output, files: [url]).entries {
                details.insert(
                    entry.fate.rawValue + ": "
                        + (entry.fate == .excluded && entry.detail != "blank line" ? "invalid" : entry.detail))
            }
        }
        // The last two codes (λz points chosen by hand) need a points file: LambdaZPointsTests reaches them.
        let all = Set(NCAAnalysis.auditFates.dropFirst().dropLast(2).map { $0.fate.rawValue + ": " + $0.detail })
            .union(["excluded: blank line", "excluded: invalid"])
        #expect(all.subtracting(details).isEmpty, "not reached: \(all.subtracting(details).sorted())")
    }
}
