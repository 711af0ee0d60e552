import Foundation
import Testing

@testable import CARKineticsData
@testable import CARKineticsReports

/// The PP and SUPPPP datasets of a sample cohort (`Fixtures/pp/cohort.csv`: two specimens of one subject, an
/// all-BLQ subject, a λz excluded by R², λz points chosen by hand, a `µ` unit, `PCRFTDTC`), read by independent
/// readers when the fixtures were made (`scripts/fixtures/pp_readback.sh`): pyreadstat 1.3.7 for SAS transport,
/// Python's json module (with the Dataset-JSON v1.1 structure checked) for Dataset-JSON. Each test writes the
/// files again with the built `pkfit` and checks that (a) they are byte for byte the files those readers read
/// (SHA-256) and (b) our reader sees every variable name, type, length and label and every value as theirs did.
@Suite struct PPReadBackTests {
    static let epoch = "1795000000"

    /// `pkfit nca --format pp` on the cohort, as the fixture script ran it, into `directory`.
    static func write(_ ext: String, in directory: URL) throws -> (pp: URL, supplement: URL) {
        let pp = directory.appendingPathComponent("pp_cohort.\(ext)")
        let supplement = directory.appendingPathComponent("supppp_cohort.\(ext)")
        let cohort = fixtureURL("pp/cohort.csv").path
        let points = fixtureURL("pp/lambda_z_points.csv").path
        let run = try runPKFitShell(
            "SOURCE_DATE_EPOCH=\(epoch) \"$PKFIT\" nca '\(cohort)' --format pp --lambda-z-points '\(points)'"
                + " --interval 0,28 --analyte 'CAR-T transgene' --output '\(pp.path)' --supp '\(supplement.path)'",
            in: directory)
        #expect(run.status == 0, "\(run.stderr)")
        return (pp, supplement)
    }

    /// A reader's dump: variables (name, type, length, label) and rows (text, hexadecimal float or null).
    struct Dump {
        var dataset: String
        var label: String
        var variables: [[String: Any]]
        var rows: [[Any]]

        init(_ fixture: String) throws {
            let data = try Data(contentsOf: fixtureURL("pp/\(fixture)"))
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            dataset = try #require(object["dataset"] as? String)
            label = try #require(object["label"] as? String)
            variables = try #require(object["variables"] as? [[String: Any]])
            rows = try #require(object["rows"] as? [[Any]])
        }

        /// Row `r`'s value of variable `k` as our reader's value: text, number or missing.
        func value(_ r: Int, _ k: Int) -> XPTFile.Value? {
            switch rows[r][k] {
            case let text as String where (variables[k]["type"] as? String) == "string": .text(text)
            case let hex as String: Double(hex).map(XPTFile.Value.number)
            case is NSNull: .missing(".")
            default: nil
            }
        }
    }

    static func sha256(_ url: URL) throws -> String { Provenance.sha256([UInt8](try Data(contentsOf: url))) }

    static func committedSHA256(_ name: String) throws -> String {
        try String(contentsOf: fixtureURL("pp/\(name).sha256"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Our reader's dataset against the independent dump: every variable and value.
    static func expectSame(_ dataset: XPTFile.Dataset, _ dump: Dump, _ name: String) {
        #expect(dataset.name == dump.dataset && dataset.label == dump.label, "\(name)")
        #expect(dataset.variables.count == dump.variables.count, "\(name)")
        for (variable, theirs) in zip(dataset.variables, dump.variables) {
            #expect(variable.name == theirs["name"] as? String, "\(name)")
            #expect(variable.label == theirs["label"] as? String, "\(name) \(variable.name)")
            #expect(variable.length == theirs["length"] as? Int, "\(name) \(variable.name)")
            #expect((variable.isNumeric ? "double" : "string") == theirs["type"] as? String, "\(name) \(variable.name)")
        }
        #expect(dataset.rows.count == dump.rows.count, "\(name)")
        for (r, row) in dataset.rows.enumerated() where r < dump.rows.count {
            for (k, value) in row.enumerated() {
                let theirs = dump.value(r, k)
                if case .number(let x) = value, case .number(let y)? = theirs {
                    #expect(x.bitPattern == y.bitPattern, "\(name) row \(r + 1) \(dataset.variables[k].name)")
                } else {
                    #expect(value == theirs, "\(name) row \(r + 1) \(dataset.variables[k].name)")
                }
            }
        }
    }

    /// What SAS transport v5 and the issue ask of every submitted dataset.
    static func expectSubmittable(_ dataset: XPTFile.Dataset) {
        for variable in dataset.variables {
            #expect(variable.name.utf8.count <= 8 && variable.label.utf8.count <= 40, "\(variable.name)")
            #expect(variable.label.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F })
        }
        for row in dataset.rows {
            for value in row {
                if case .text(let text) = value { #expect(text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, "\(text)") }
            }
        }
    }

    @Test func xptIsWhatPyreadstatReadAndReadsTheSame() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (ppURL, supplementURL) = try Self.write("xpt", in: directory)
        #expect(try Self.sha256(ppURL) == Self.committedSHA256("pp_cohort.xpt"))
        #expect(try Self.sha256(supplementURL) == Self.committedSHA256("supppp_cohort.xpt"))
        let pp = try #require(try XPTFile(bytes: [UInt8](Data(contentsOf: ppURL)), file: "pp.xpt").datasets.first)
        let supplement = try #require(
            try XPTFile(bytes: [UInt8](Data(contentsOf: supplementURL)), file: "supppp.xpt").datasets.first)
        Self.expectSame(pp, try Dump("pp_cohort_pyreadstat.json"), "PP")
        Self.expectSame(supplement, try Dump("supppp_cohort_pyreadstat.json"), "SUPPPP")
        Self.expectSubmittable(pp)
        Self.expectSubmittable(supplement)
        #expect(pp.variables.map(\.name) == PPVariable.pp(referenceTime: true).map(\.name))
        #expect(pp.variables.map(\.label) == PPVariable.pp(referenceTime: true).map(\.label))
        #expect(supplement.variables.map(\.name) == PPVariable.supppp.map(\.name))
        #expect(supplement.variables.map(\.label) == PPVariable.supppp.map(\.label))

        // What the cohort was made to show.
        func column(_ name: String) -> Int { pp.variables.firstIndex { $0.name == name } ?? 0 }
        let status = column("PPSTAT")
        let notDone = pp.rows.filter { $0[status] == .text("NOT DONE") }
        #expect(notDone.count >= 14)
        #expect(
            notDone.allSatisfy {
                $0[column("PPORRESU")] == .text("") && $0[column("PPSTRESU")] == .text("")
                    && $0[column("PPSTRESN")] == .missing(".")
            }, "NOT DONE rows: no unit, no number")
        #expect(pp.rows.contains { $0[column("PPORRESU")] == .text("copies/ug") }, "µg spelled ug")
        let marrow = pp.rows.filter { $0[column("PPSPEC")] == .text("BONE MARROW") }
        #expect(!marrow.isEmpty && marrow.allSatisfy { $0[column("PPGRPID")] == .text("2") })
        let seq = column("PPSEQ")
        let subject = column("USUBJID")
        // Every qualifier points at a PP record of its subject.
        let records = Set(pp.rows.map { "\($0[subject]) \($0[seq])" })
        for row in supplement.rows {
            guard case .text(let id) = row[4], let n = Double(id) else {
                Issue.record("IDVARVAL \(row[4])")
                continue
            }
            #expect(records.contains("\(row[2]) \(XPTFile.Value.number(n))"))
        }
        let names = Set(supplement.rows.map { "\($0[5])" })
        #expect(names == ["\(XPTFile.Value.text("PPEXCLBY"))", "\(XPTFile.Value.text("LAMZNOTE"))"])
    }

    @Test func datasetJSONIsWhatPythonReadAndHoldsTheXPTValues() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (ppURL, supplementURL) = try Self.write("json", in: directory)
        #expect(try Self.sha256(ppURL) == Self.committedSHA256("pp_cohort.json"))
        #expect(try Self.sha256(supplementURL) == Self.committedSHA256("supppp_cohort.json"))
        for (url, dumpName, xptDumpName, variables) in [
            (ppURL, "pp_cohort_python.json", "pp_cohort_pyreadstat.json", PPVariable.pp(referenceTime: true)),
            (supplementURL, "supppp_cohort_python.json", "supppp_cohort_pyreadstat.json", PPVariable.supppp),
        ] {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
            // Dataset-JSON v1.1 (domain reference): the top-level keys, one column object per variable.
            for key in [
                "datasetJSONCreationDateTime", "datasetJSONVersion", "fileOID", "originator", "sourceSystem",
                "studyOID", "metaDataVersionOID", "itemGroupOID", "records", "name", "label", "columns", "rows",
            ] {
                #expect(object[key] != nil, "\(key)")
            }
            #expect(object["datasetJSONVersion"] as? String == "1.1.0")
            #expect(object["datasetJSONCreationDateTime"] as? String == "2026-11-18T11:06:40")
            let columns = try #require(object["columns"] as? [[String: Any]])
            #expect(columns.map { $0["name"] as? String } == variables.map(\.name))
            #expect(columns.map { $0["label"] as? String } == variables.map(\.label))
            let types = columns.map { $0["dataType"] as? String ?? "" }
            #expect(
                types
                    == variables.map {
                        switch $0.kind {
                        case .text: "string"
                        case .integer: "integer"
                        case .double: "double"
                        }
                    })
            #expect(columns.map { $0["keySequence"] as? Int } == variables.map(\.key))
            // The independent reader saw the same; its values are the XPT's, as pyreadstat read them.
            let python = try Dump(dumpName)
            let xpt = try Dump(xptDumpName)
            #expect(python.rows.count == xpt.rows.count && python.rows.count == object["records"] as? Int)
            for (k, variable) in python.variables.enumerated() {
                #expect(variable["name"] as? String == xpt.variables[k]["name"] as? String)
                if (variable["type"] as? String) == "string" {
                    #expect(variable["length"] as? Int == xpt.variables[k]["length"] as? Int, "\(variable)")
                }
            }
            for r in python.rows.indices {
                for k in python.variables.indices {
                    #expect(python.value(r, k) == xpt.value(r, k), "\(dumpName) row \(r + 1) column \(k + 1)")
                }
            }
        }
    }
}
