import Foundation
import Testing

@testable import CARKineticsModels

/// Boundary optima and half-lives the samples cannot support are written as limits and flagged (issue 14 item 3),
/// end to end through the built `pkfit` in CSV and JSON.
@Suite("pkfit fit and nca: limits written as limits")
struct FitLimitsCommandTests {
    /// A noise-free profile of `curve` at `times`, as CSV rows of subject `id`.
    static func rows(_ id: String, _ curve: CurveParameters, _ times: [Double]) -> String {
        times.map { "\(id),\($0),\(curve.value(at: $0))\n" }.joined()
    }

    static let schedule: [Double] = [1, 2, 4, 6, 8, 10, 14, 21, 28, 42, 56, 90]

    /// FLAT: persistence that does not decline (β = 0); MONO: no persistence phase (fb = 0); SLOW: a contraction
    /// half-life of 347 d over 28 d of follow-up; FAST: a contraction half-life of 0.14 d between daily samples.
    static let csv: String = {
        var text = "subject,time,value\n"
        text += rows(
            "FLAT", CurveParameters(cmax: 2e4, tmax: 8, rho: 1, alpha: 0.3, beta: 0, fraction: 0.05), schedule)
        text += rows(
            "MONO", CurveParameters(cmax: 1e4, tmax: 7, rho: 1.2, alpha: 0.25, beta: nil, fraction: nil),
            [1, 2, 4, 6, 8, 10, 14, 21, 28])
        text += rows(
            "SLOW", CurveParameters(cmax: 1e4, tmax: 7, rho: 1.2, alpha: 0.002, beta: nil, fraction: nil),
            [1, 2, 4, 6, 8, 10, 14, 21, 28])
        text += rows(
            "FAST", CurveParameters(cmax: 1e4, tmax: 5.5, rho: 1.2, alpha: 5, beta: nil, fraction: nil),
            [1, 2, 3, 4, 5, 6, 7, 8])
        return text
    }()

    private func table(_ output: String) -> [String: [String: String]] {
        let lines = output.split(separator: "\n").map(String.init)
        guard let header = lines.first.map(splitCSVLine) else { return [:] }
        var result: [String: [String: String]] = [:]
        for line in lines.dropFirst() {
            let row = Dictionary(uniqueKeysWithValues: zip(header, splitCSVLine(line)))
            result[row["subject"] ?? ""] = row
        }
        return result
    }

    @Test func steinBoundariesAreWrittenAsTheirLimits() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("limits.csv")
        try Self.csv.write(to: data, atomically: true, encoding: .utf8)
        let run = try runPKFit(["fit", data.path, "--model", "stein"])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = table(run.stdout)
        let flat = try #require(rows["FLAT"])
        #expect(flat["status"]?.hasPrefix("converged at boundary: beta -> 0") == true, "\(flat["status"] ?? "")")
        #expect(flat["beta"].flatMap(Double.init) == 0, "\(flat["beta"] ?? "")")
        #expect(flat["persistence_half_life"] == "inf")
        #expect(flat["se_beta"] == "" && flat["beta_lower95"] == "" && flat["beta_upper95"] == "")
        let mono = try #require(rows["MONO"])
        #expect(mono["status"]?.contains("fb -> 0") == true, "\(mono["status"] ?? "")")
        #expect(mono["fb"].flatMap(Double.init) == 0, "\(mono["fb"] ?? "")")
        #expect(mono["beta"] == "")
        #expect(mono["persistence_half_life"] == "")
        #expect(mono["se_fb"] == "" && mono["fb_lower95"] == "")
        expectClose(Double(mono["alpha"] ?? ""), 0.25, relative: 1e-6, "alpha")

        let json = try runPKFit(["fit", data.path, "--model", "stein", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let objects = try #require(
            try jsonRows(json.stdout))
        let flatJSON = try #require(objects.first { $0["subject"] as? String == "FLAT" })
        #expect(flatJSON["beta"] as? Double == 0)
        #expect(flatJSON["persistence_half_life"] as? String == "Infinity")
        let monoJSON = try #require(objects.first { $0["subject"] as? String == "MONO" })
        #expect(monoJSON["fb"] as? Double == 0)
        #expect(monoJSON["beta"] is NSNull)
        #expect(monoJSON["persistence_half_life"] is NSNull)
    }

    @Test func halfLivesTheSamplesCannotSupportGetANote() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("limits.csv")
        try Self.csv.write(to: data, atomically: true, encoding: .utf8)
        let run = try runPKFit(["fit", data.path, "--model", "expansion-monoexp"])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = table(run.stdout)
        let slow = try #require(rows["SLOW"])
        expectClose(Double(slow["contraction_half_life"] ?? ""), M_LN2 / 0.002, relative: 1e-6, "slow half-life")
        #expect(
            slow["note"]?.contains("contraction_half_life 347 d is longer than 10 times the follow-up (28 d)") == true,
            "\(slow["note"] ?? "")")
        let fast = try #require(rows["FAST"])
        expectClose(Double(fast["alpha"] ?? ""), 5, relative: 1e-6, "fast alpha")
        #expect(
            fast["note"]?.contains(
                "contraction_half_life 0.139 d is shorter than the smallest gap between samples (1 d)")
                == true, "\(fast["note"] ?? "")")
        // The doubling time of 0.58 d is shorter than the 1-day gap too; MONO's contraction half-life (2.8 d) is
        // inside both limits.
        #expect(fast["note"]?.contains("doubling_time 0.578 d is shorter") == true, "\(fast["note"] ?? "")")
        let mono = try #require(rows["MONO"])
        #expect(mono["note"]?.contains("half_life") != true, "\(mono["note"] ?? "")")
    }

    /// A window ending after Tlast is `truncated` when there is no λz (nothing extrapolated) and `extrapolated`
    /// when λz exists, in CSV and JSON.
    @Test func windowEndAfterTlastSaysExtrapolatedOnlyWhenItWas() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("nca.csv")
        // NOLZ peaks at its last sample: no λz. LZ declines over four samples after its peak.
        try """
        subject,time,value
        NOLZ,0,0
        NOLZ,7,10
        NOLZ,14,20
        LZ,0,0
        LZ,7,100
        LZ,10,50
        LZ,14,25
        LZ,21,10

        """.write(to: data, atomically: true, encoding: .utf8)
        let run = try runPKFit(["nca", data.path])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = table(run.stdout)
        #expect(rows["NOLZ"]?["auc_0_28_end"] == "truncated")
        #expect(rows["NOLZ"]?["auc_0_28_extrap"] == "")
        #expect(rows["LZ"]?["auc_0_28_end"] == "extrapolated")
        let json = try runPKFit(["nca", data.path, "--format", "json"])
        let objects = try #require(
            try jsonRows(json.stdout))
        #expect(objects.first { $0["subject"] as? String == "NOLZ" }?["auc_0_28_end"] as? String == "truncated")
    }
}
