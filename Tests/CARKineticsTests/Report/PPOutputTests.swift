import CARKinetics
import Foundation
import Testing

@testable import CARKineticsReports

/// `pkfit nca --format pp` on a hand-checked profile, and the ISO 8601 durations it uses.
@Suite("CDISC PP output")
struct PPOutputTests {
    /// Quoted-field CSV parsing (the reasons contain commas and `λ`).
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var iterator = Array(text).makeIterator()
        while let c = iterator.next() {
            if quoted {
                if c == "\"" {
                    quoted = false
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                if field.hasSuffix("\"") || !field.isEmpty { field.append("\"") }
                quoted = true
            } else if c == "," {
                row.append(field)
                field = ""
            } else if c == "\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                field.append(c)
            }
        }
        return rows
    }

    // P1: 0 → 100 (day 1) → 400 (day 2, Cmax), then halving every 2 days to 50 at day 8 (Tlast).
    // Linear up, log down: AUClast = 50 + 250 + (400 + 200 + 100)/ln 2 = 300 + 700/ln 2; λz = ln 2 / 2
    // exactly over the 3 points after Tmax; AUCinf = AUClast + 50/λz = 300 + 800/ln 2; AUC over [0, 0.5] =
    // 0.5·(0 + 50)/2 = 12.5 (linear interpolation C(0.5) = 50); AUC0–28 extrapolated = AUClast +
    // (50/λz)(1 − e^(−20λz)) = AUClast + (100/ln 2)(1023/1024). P2: every sample BLQ.
    static let data = """
        STUDYID,USUBJID,AFRLT,AVAL,AVALU
        S1,P1,0,0,copies/ug
        S1,P1,1,100,copies/ug
        S1,P1,2,400,copies/ug
        S1,P1,4,200,copies/ug
        S1,P1,6,100,copies/ug
        S1,P1,8,50,copies/ug
        S1,P2,1,BLQ,copies/ug
        S1,P2,7,BLQ,copies/ug

        """

    @Test("codes, units, durations, full-precision results and reasons for a hand-checked subject")
    func handChecked() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.data.write(to: dir.appendingPathComponent("pc.csv"), atomically: true, encoding: .utf8)
        let run = try runPKFit(
            ["nca", "pc.csv", "--format", "pp", "--interval", "0,0.5", "--interval", "0,28"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let rows = Self.parseCSV(run.stdout)
        let header = try #require(rows.first)
        // The submission variables, as in the .xpt and .json datasets (issue 16: the CSV kept a 16-column layout
        // with two SUPPPP qualifiers as extra columns).
        #expect(
            header == [
                "STUDYID", "DOMAIN", "USUBJID", "PPSEQ", "PPGRPID", "PPTESTCD", "PPTEST", "PPCAT", "PPSCAT", "PPORRES",
                "PPORRESU", "PPSTRESC", "PPSTRESN", "PPSTRESU", "PPSTAT", "PPREASND", "PPSPEC", "PPANMETH", "PPSTINT",
                "PPENINT",
            ])
        #expect(header == PPVariable.pp(referenceTime: false).map(\.name))
        let records = rows.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
        #expect(records.allSatisfy { $0.count == header.count && $0["STUDYID"] == "S1" && $0["DOMAIN"] == "PP" })
        let p1 = records.filter { $0["USUBJID"] == "P1" }
        let p2 = records.filter { $0["USUBJID"] == "P2" }
        #expect(p1.count == p2.count && p1.count == 25)
        #expect(p1.map { $0["PPSEQ"] ?? "" } == (1...25).map(String.init))
        #expect(p2.first?["PPSEQ"] == "1")
        #expect(p1.allSatisfy { ($0["PPTESTCD"] ?? "").count <= 8 && ($0["PPTEST"] ?? "").count <= 40 })

        func record(_ rows: [[String: String]], _ code: String, end: String? = nil) throws -> [String: String] {
            try #require(
                rows.first { $0["PPTESTCD"] == code && (end == nil || $0["PPENINT"] == end) }, "\(code) \(end ?? "")")
        }
        func value(_ code: String, end: String? = nil) throws -> Double {
            let r = try record(p1, code, end: end)
            #expect(r["PPORRES"] == r["PPSTRESC"] && r["PPORRESU"] == r["PPSTRESU"])
            return try #require(Double(r["PPSTRESN"] ?? ""), "\(code)")
        }
        let ln2 = log(2.0)
        #expect(try record(p1, "CMAX")["PPORRES"] == "400.0")
        #expect(try record(p1, "CMAX")["PPORRESU"] == "copies/ug")
        #expect(try record(p1, "CMAX")["PPTEST"] == "Max Conc")
        #expect(try record(p1, "TMAX")["PPORRES"] == "2.0" && record(p1, "TMAX")["PPORRESU"] == "day")
        #expect(try value("CLST") == 50 && value("TLST") == 8 && value("TLAG") == 0)
        #expect(isClose(try value("AUCLST"), 300 + 700 / ln2, relative: 1e-13))
        #expect(try record(p1, "AUCLST")["PPORRESU"] == "day*copies/ug")
        #expect(try record(p1, "AUCLST")["PPSTINT"] == "" && record(p1, "AUCLST")["PPENINT"] == "")
        let short = try record(p1, "AUCINT", end: "PT12H")
        #expect(short["PPSTINT"] == "P0D" && short["PPORRES"] == "12.5")
        let extrapolated = try value("AUCINTIS", end: "P28D")
        #expect(isClose(extrapolated, 300 + 700 / ln2 + 100 / ln2 * 1023 / 1024, relative: 1e-13))
        #expect(isClose(try value("AUCINT", end: "P28D"), 300 + 700 / ln2, relative: 1e-13))
        #expect(isClose(try value("LAMZ"), ln2 / 2, relative: 1e-13))
        #expect(try record(p1, "LAMZ")["PPORRESU"] == "1/day")
        #expect(isClose(try value("LAMZHL"), 2, relative: 1e-13))
        #expect(try record(p1, "LAMZNPT")["PPORRES"] == "3" && record(p1, "LAMZNPT")["PPORRESU"] == "")
        #expect(isClose(try value("AUCIFO"), 300 + 800 / ln2, relative: 1e-13))
        #expect(isClose(try value("R2ADJ"), 1, relative: 1e-12))
        #expect(try record(p1, "AUCPEO")["PPORRESU"] == "%")
        #expect(p1.allSatisfy { $0["PPSTAT"] == "" && $0["PPREASND"] == "" })

        // All BLQ: Cmax is 0, times and λz quantities are not done, with the reason.
        #expect(try record(p2, "CMAX")["PPORRES"] == "0.0")
        let tmax = try record(p2, "TMAX")
        #expect(tmax["PPORRES"] == "" && tmax["PPSTRESN"] == "" && tmax["PPSTAT"] == "NOT DONE")
        #expect(tmax["PPREASND"] == "no quantifiable level" && tmax["PPORRESU"] == "" && tmax["PPSTRESU"] == "")
        let lambda = try record(p2, "LAMZ")
        #expect(lambda["PPSTAT"] == "NOT DONE" && lambda["PPREASND"] == "no quantifiable level")
        #expect(try record(p2, "NBLQ")["PPORRES"] == "2")
    }

    @Test("without a STUDYID column: --study is required; without a unit column level units empty, times in days")
    func noStudyOrUnit() throws {
        let input = fixtureURL("data/noise_free_profiles.csv").path
        let refused = try runPKFit(["nca", input, "--format", "pp"])
        #expect(refused.status == 1 && refused.stderr.contains("STUDYID is required"), "\(refused.stderr)")
        #expect(refused.stdout.isEmpty, "nothing written before the error")
        let run = try runPKFit(["nca", input, "--format", "pp", "--study", "S9"])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = Self.parseCSV(run.stdout)
        let unit = try #require(rows.first?.firstIndex(of: "PPORRESU"))
        let cmax = try #require(rows.first { $0.count > 5 && $0[5] == "CMAX" })
        let tmax = try #require(rows.first { $0.count > 5 && $0[5] == "TMAX" })
        #expect(cmax[0] == "S9" && cmax[unit] == "" && tmax[unit] == "day")
    }

    @Test("pp is refused by commands that do not produce NCA parameters")
    func ppOnlyForNCA() throws {
        for command in ["fit", "summary"] {
            let run = try runPKFit([command, fixtureURL("data/noise_free_profiles.csv").path, "--format", "pp"])
            // The value is not one of the command's formats (its help lists only those; issue 13).
            #expect(
                run.status == 64
                    && run.stderr.contains(
                        "The value 'pp' is invalid for '--format <format>'. Please provide one of 'csv', 'json', 'table' or 'markdown'."
                    ), "\(command): \(run.stderr)")
            #expect(run.stdout.isEmpty)
        }
    }

    @Test("ISO 8601 durations from days")
    func durations() {
        #expect(ISODuration.format(days: 0) == "P0D")
        #expect(ISODuration.format(days: 28) == "P28D")
        #expect(ISODuration.format(days: 0.5) == "PT12H")
        #expect(ISODuration.format(days: 1.25) == "P1DT6H")
        #expect(ISODuration.format(days: 0.1) == "PT2H24M")
        #expect(ISODuration.format(days: 1.0 / 86_400 * 1.5) == "PT1.5S")
        #expect(ISODuration.format(days: 28.000000000001) == "P28D")
        #expect(ISODuration.format(days: -1) == "-P1D")
        #expect(ISODuration.format(days: .nan) == nil)
    }
}
