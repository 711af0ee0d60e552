import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// The per-row audit: counts add up to the data rows of the sample files, checked against an independent
/// reading of the same files, and specific rows get the right fate and detail.
@Suite struct AuditTrailTests {
    /// Expected fate counts from the test suite's own simple CSV reader: time < 0 → pre-infusion (unless
    /// the value is empty), empty → missing, a number > 0 → used, anything else (markers, `<x`, 0) → blq.
    func independentCounts(
        _ fixture: String, time: String, value: String, text: String? = nil
    ) throws -> [AuditFate: Int] {
        var counts: [AuditFate: Int] = [:]
        for row in try readTable(fixture) {
            var cell = row[value] ?? ""
            if cell.isEmpty, let text { cell = row[text] ?? "" }
            let t = try #require(Double(row[time] ?? ""))
            let fate: AuditFate
            if cell.isEmpty {
                fate = .missing
            } else if t < 0 {
                fate = .preInfusion
            } else if let x = Double(cell), x > 0 {
                fate = .used
            } else {
                fate = .blq
            }
            counts[fate, default: 0] += 1
        }
        return counts
    }

    func expectCounts(
        _ audit: AuditTrail, _ expected: [AuditFate: Int], dataLines: Int,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(audit.entries.count == dataLines, sourceLocation: sourceLocation)
        #expect(AuditFate.allCases.map { audit.count($0) }.reduce(0, +) == dataLines, sourceLocation: sourceLocation)
        for fate in AuditFate.allCases {
            #expect(audit.count(fate) == expected[fate, default: 0], "\(fate)", sourceLocation: sourceLocation)
        }
        #expect(
            audit.entries.map(\.line) == Array(2...(dataLines + 1)), "one entry per line, in order",
            sourceLocation: sourceLocation)
    }

    @Test func adpcSampleDataAddsUpAndNamesEachTreatment() throws {
        let url = fixtureURL("data/aid_cd7_qpcr.csv")
        let analysis = NCAAnalysis()
        let output = try analysis.run(files: [url])
        let audit = try analysis.audit(output, files: [url])
        let expected = try independentCounts("data/aid_cd7_qpcr.csv", time: "AFRLT", value: "AVAL", text: "AVALC")
        expectCounts(audit, expected, dataLines: 252)
        #expect(expected[.preInfusion] == 18 && expected[.used, default: 0] > 100)

        let byLine = Dictionary(uniqueKeysWithValues: audit.entries.map { ($0.line, $0) })
        // AID-001: -1 BLQ (no time-0 sample, so it is C(0)), 1 BLQ, 4…14.88 quantifiable, 21.43… BLQ.
        #expect(
            byLine[2]
                == AuditTrail.Entry(
                    file: url.relativePath, line: 2, subject: "AID-001", time: "-1", rawValue: "BLQ",
                    fate: .preInfusion, detail: "used as C(0) = 0 (below the limit)"))
        #expect(byLine[3]?.fate == .blq && byLine[3]?.detail == "set to 0 (before the first quantifiable level)")
        #expect(byLine[4]?.fate == .used && byLine[4]?.rawValue == "163.799" && byLine[4]?.time == "4")
        #expect(byLine[8]?.fate == .blq && byLine[8]?.detail == "set to 0 (after the last quantifiable level)")
        // Per profile, the NCA counts and the audit agree.
        for (p, result) in output.results.enumerated() {
            let lines = Set(output.profiles[p].observations.map(\.line))
            let entries = audit.entries.filter { lines.contains($0.line) }
            #expect(entries.filter { $0.fate == .used }.count == result.quantifiableCount, "\(result.subject)")
            #expect(entries.filter { $0.fate == .blq }.count == result.belowLimitCount, "\(result.subject)")
        }
    }

    @Test func flowSampleDataUnsortedRowsAddUp() throws {
        let url = fixtureURL("data/waiha_cd19bcma_flow.csv")
        let analysis = NCAAnalysis(selection: ColumnSelection(value: "car_t_cells_per_uL"))
        let output = try analysis.run(files: [url])
        let audit = try analysis.audit(output, files: [url])
        expectCounts(
            audit, try independentCounts("data/waiha_cd19bcma_flow.csv", time: "day", value: "car_t_cells_per_uL"),
            dataLines: 288)
        // Line 2 is WA19's last sample (<1.0 after its last quantifiable level).
        #expect(audit.entries[0].subject == "WA19" && audit.entries[0].rawValue == "<1.0")
        #expect(
            audit.entries[0].fate == .blq && audit.entries[0].detail == "set to 0 (after the last quantifiable level)")
        let dropped = audit.entries.filter { $0.detail.hasPrefix("dropped (between") }.count
        #expect(
            dropped
                == output.results.reduce(0) { sum, result in
                    sum
                        + result.treatments.filter { if case .belowLimitDropped(.middle) = $0 { true } else { false } }
                        .count
                })
    }

    @Test func fitAuditOnNoiseFreeProfiles() throws {
        let url = fixtureURL("data/noise_free_profiles.csv")
        let analysis = KineticAnalysis(method: .model(KineticFitter(model: .expansion)))
        let output = try analysis.run(files: [url])
        let audit = try analysis.audit(output, files: [url])
        expectCounts(
            audit, try independentCounts("data/noise_free_profiles.csv", time: "time", value: "value"), dataLines: 152)
        #expect(audit.entries.allSatisfy { $0.fate != .blq || $0.detail.hasSuffix("not used by the fit") })
    }

    /// Lenient reading: the blank line and both invalid rows are excluded, with their reasons; the table has
    /// the documented columns.
    @Test func lenientAuditListsExcludedAndBlankRows() throws {
        let bytes = Array(
            "id,time,value\nA,-2,5\nA,-1,4\nA,0.5,1\n\nA,1,x\nA,2,ND\nA,3,0\nA,4,2\nA,5,\nA,6,<7\n ,7,1\n".utf8)
        var analysis = NCAAnalysis()
        analysis.invalidRows = .skip
        let set = try ProfileReader(invalidRows: .skip).read(bytes: bytes, file: "d.csv")
        let output = try analysis.run([set])
        let audit = try analysis.audit(output, sources: [bytes])
        #expect(
            audit.entries.map(\.fate) == [
                .preInfusion, .preInfusion, .used, .excluded, .excluded, .blq, .blq, .used,
                .missing, .blq, .excluded,
            ])
        #expect(
            audit.entries.map(\.detail) == [
                "not used", "used as C(0)", "", "blank line",
                "column 'value': \"x\" is not a number; expected a number, empty, or BLQ, BQL, <LLOQ, <x, ND, NQ",
                "dropped (between quantifiable levels)", "observed 0; dropped (between quantifiable levels)", "",
                "empty value",
                "set to 0 (after the last quantifiable level)", "column 'id': is empty; expected a subject identifier",
            ])
        #expect(audit.summary == "11 rows: 2 used, 3 blq, 1 missing, 2 pre-infusion, 3 excluded")
        let table = audit.table
        #expect(table.columns == ["file", "line", "subject", "time", "raw_value", "fate", "detail"])
        #expect(
            table.rows[9] == [
                .text("d.csv"), .integer(11), .text("A"), .text("6"), .text("<7"), .text("blq"),
                .text("set to 0 (after the last quantifiable level)"),
            ])
    }
}
