import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// The streamed, multi-threaded `pkfit nca` output must be byte for byte the single-threaded one and the
/// rendered table, on a generated cohort whose subjects' rows are interleaved (not contiguous).
@Suite struct ParallelOutputTests {
    /// `subjects` (1,200 unless told) × 9 rows in visit-major order, with BLQ, missing and pre-infusion rows,
    /// and a seeded linear congruential generator so every run writes the same file.
    static func cohort(subjects: Int = 1_200) -> String {
        var state: UInt64 = 42
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / 9_007_199_254_740_992
        }
        let days: [Double] = [-2, 0, 1, 4, 7, 14, 28, 90, 180]
        var cells = [[String]](repeating: [], count: subjects)
        for s in 0..<subjects {
            let peak = 1_000 * (1 + 20 * uniform())
            cells[s] = days.map { day in
                if day < 0 { return "BLQ" }
                if uniform() < 0.03 { return "" }
                let level =
                    day <= 7
                    ? peak * exp(0.8 * (day - 7))
                    : peak * (0.95 * exp(-0.2 * (day - 7)) + 0.05 * exp(-0.01 * (day - 7)))
                let noisy = level * (0.7 + 0.6 * uniform())
                return noisy < 20 ? "BLQ" : "\(noisy)"
            }
        }
        var text = "USUBJID,ARM,AFRLT,AVAL\n"
        for k in days.indices {
            for s in 0..<subjects {
                text += "S\(s),\(s % 3 == 0 ? "high" : "\"low, dose\""),\(days[k]),\(cells[s][k])\n"
            }
        }
        return text
    }

    @Test func everyThreadCountWritesTheSameBytesAsTheTable() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("parallel-\(UUID().uuidString).csv")
        try Data(Self.cohort().utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let analysis = NCAAnalysis(selection: ColumnSelection(groups: ["ARM"]))
        let table = try analysis.run(files: [url]).table
        #expect(table.rows.count == 1_200)
        let expected = Array(table.rendered(as: .csv).utf8)
        #expect(expected.count > 100_000)
        for threads in [1, 2, 3, 8] {
            var bytes: [UInt8] = []
            var reports: [Int] = []
            try analysis.writeCSV(
                files: [url], threads: threads,
                progress: { done, total in
                    #expect(total == 1_200)
                    reports.append(done)
                }, to: { bytes.append(contentsOf: $0) })
            #expect(bytes == expected, "\(threads) threads")
            #expect(reports.last == 1_200 && reports == reports.sorted(), "\(threads) threads")
        }
    }

    /// Enough subjects for several waves of blocks on two threads (each wave's text is written while the next
    /// is computed): the order and the bytes must still be the table's, and a failing write must surface.
    @Test func severalWavesKeepTheirOrderAndWriteErrorsSurface() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("waves-\(UUID().uuidString).csv")
        try Data(Self.cohort(subjects: 9_000).utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let analysis = NCAAnalysis(selection: ColumnSelection(groups: ["ARM"]))
        let expected = Array(try analysis.run(files: [url]).table.rendered(as: .csv).utf8)
        for threads in [1, 2] {
            var bytes: [UInt8] = []
            var reports: [Int] = []
            try analysis.writeCSV(
                files: [url], threads: threads, progress: { done, _ in reports.append(done) },
                to: { bytes.append(contentsOf: $0) })
            #expect(bytes == expected, "\(threads) threads")
            #expect(reports.count > 1 && reports.last == 9_000 && reports == reports.sorted(), "\(threads) threads")
        }
        struct Full: Error {}
        var calls = 0
        #expect(throws: Full.self) {
            try analysis.writeCSV(files: [url], threads: 2) { _ in
                calls += 1
                if calls == 3 { throw Full() }
            }
        }
        #expect(calls == 3, "nothing is written after the failing call")
    }

    @Test func lenientStreamMatchesTheLenientTableAndLedgers() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lenient-\(UUID().uuidString).csv")
        try Data(ChunkedReadingTests.lenientCohort().bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        var analysis = NCAAnalysis()
        analysis.invalidRows = .skip
        let output = try analysis.run(files: [url])
        #expect(output.ledgers[0].excluded.count == 6)
        let expected = Array(output.table.rendered(as: .csv).utf8)
        for threads in [1, 3] {
            var bytes: [UInt8] = []
            let written = try analysis.writeCSV(files: [url], threads: threads) { bytes.append(contentsOf: $0) }
            #expect(bytes == expected, "\(threads) threads")
            #expect(written.ledgers == output.ledgers, "\(threads) threads")
        }
    }
}
