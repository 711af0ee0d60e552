import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// `pkfit nca --format pp --output pp.xpt | pp.json`: the PP table as a submission dataset. Checked by reading
/// the files back (our SAS transport and Dataset-JSON readers, themselves tested on files of independent
/// writers) against the PP CSV of the same run. pyreadstat 1.3.7 read the same pp.xpt when this was written:
/// 450 rows, the 20 variables with these labels and lengths, every PPSTRESN bit-identical to the CSV.
@Suite struct PPSubmissionTests {
    static let labels = [
        "STUDYID": "Study Identifier", "DOMAIN": "Domain Abbreviation", "USUBJID": "Unique Subject Identifier",
        "PPSEQ": "Sequence Number", "PPGRPID": "Group ID", "PPTESTCD": "Parameter Short Name",
        "PPTEST": "Parameter Name",
        "PPCAT": "Parameter Category", "PPSCAT": "Parameter Subcategory",
        "PPORRES": "Result or Finding in Original Units",
        "PPORRESU": "Original Units", "PPSTRESC": "Character Result/Finding in Std Format",
        "PPSTRESN": "Numeric Result/Finding in Standard Units", "PPSTRESU": "Standard Units",
        "PPSTAT": "Completion Status",
        "PPREASND": "Reason Parameter Not Calculated", "PPSPEC": "Specimen Material Type",
        "PPANMETH": "Analysis Method",
        "PPSTINT": "Planned Start of Assessment Interval", "PPENINT": "Planned End of Assessment Interval",
    ]

    @Test func xptHoldsEveryPPValueExactly() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = fixtureURL("data/aid_cd7_qpcr.csv").path
        let xpt = directory.appendingPathComponent("pp.xpt")
        let options = [
            "--lloq", "LLOQ", "--format", "pp", "--study", "AID-CD7", "--analyte", "CAR-T transgene", "--specimen",
            "BLOOD",
        ]
        let csv = try runPKFit(["nca", input] + options)
        #expect(csv.status == 0, "\(csv.stderr)")
        let run = try runPKFit(["nca", input, "--output", xpt.path] + options)
        #expect(run.status == 0, "\(run.stderr)")
        // The producer and its version in the headers' operating-system field (bytes 32–39 of record 2).
        let xptBytes = [UInt8](try Data(contentsOf: xpt))
        #expect(
            String(decoding: xptBytes[112..<120], as: UTF8.self)
                == "CK\(PackageVersion.current)".padding(toLength: 8, withPad: " ", startingAt: 0))
        let file = try XPTFile(bytes: [UInt8](try Data(contentsOf: xpt)), file: "pp.xpt")
        let pp = try #require(file.datasets.first)
        #expect(file.datasets.count == 1)
        #expect(pp.name == "PP")
        #expect(pp.variables.map(\.name) == PPVariable.pp(referenceTime: false).map(\.name))
        for variable in pp.variables {
            #expect(variable.name.count <= 8 && variable.label.count <= 40)
            #expect(variable.label == Self.labels[variable.name], "\(variable.name)")
            #expect(variable.isNumeric == ["PPSEQ", "PPSTRESN"].contains(variable.name))
            if variable.isNumeric { #expect(variable.length == 8) }
        }
        let length = Dictionary(uniqueKeysWithValues: pp.variables.map { ($0.name, $0.length) })
        #expect(length["DOMAIN"] == 2 && length["PPTESTCD"] == 8 && length["PPSPEC"] == 5 && length["PPSTINT"] == 3)
        // The CSV of the same run holds the same variables and every value (issue 16: one content, three
        // formats; the CSV had 16 columns of its own).
        let lines = csv.stdout.split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        #expect(header == pp.variables.map(\.name))
        #expect(pp.rows.count == lines.count - 1)
        func value(_ row: [XPTFile.Value], _ name: String) -> XPTFile.Value? {
            pp.variables.firstIndex { $0.name == name }.map { row[$0] }
        }
        var notDone = 0
        for (row, line) in zip(pp.rows, lines.dropFirst()) {
            let cells = splitCSVLine(line)
            #expect(cells.count == pp.variables.count)
            for (k, (variable, cell)) in zip(pp.variables, cells).enumerated() where !variable.isNumeric {
                #expect(row[k] == .text(cell), "\(variable.name)")
            }
            #expect(value(row, "STUDYID") == .text("AID-CD7"))
            #expect(value(row, "PPSEQ") == .number(Double(cells[3]) ?? -1))
            #expect(value(row, "PPGRPID") == .text(""), "one profile per subject: no group id, and no cohort in it")
            #expect(value(row, "PPCAT") == .text("CAR-T transgene"))
            #expect(value(row, "PPSPEC") == .text("BLOOD"))
            #expect(value(row, "PPANMETH") == .text("LINEAR UP LOG DOWN METHOD"))
            if let x = Double(cells[12]) {
                guard case .number(let y)? = value(row, "PPSTRESN") else {
                    Issue.record("PPSTRESN missing for \(cells[12])")
                    continue
                }
                #expect(y.bitPattern == x.bitPattern, "\(cells[12]) came back as \(y)")
            } else {
                notDone += 1
                #expect(value(row, "PPSTRESN") == .missing("."))
                #expect(value(row, "PPSTAT") == .text("NOT DONE"))
                #expect(
                    value(row, "PPORRESU") == .text("") && value(row, "PPSTRESU") == .text(""),
                    "no units on NOT DONE rows")
                guard case .text(let reason)? = value(row, "PPREASND") else { continue }
                #expect(!reason.isEmpty && reason.utf8.allSatisfy { $0 < 0x80 }, "\(reason)")
            }
        }
        #expect(notDone > 50)
    }

    @Test func datasetJSONReadsBackAndStudyIDIsRequired() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = fixtureURL("formats/aid_cd7_qpcr.xpt").path
        let json = directory.appendingPathComponent("pp.json")
        let missing = try runPKFit(["nca", input, "--lloq", "LLOQ", "--format", "pp", "--output", json.path])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("STUDYID is required"))
        #expect(!FileManager.default.fileExists(atPath: json.path), "nothing written on error")
        let run = try runPKFit([
            "nca", input, "--lloq", "LLOQ", "--format", "pp", "--output", json.path, "--study", "S1",
            "--auc-method", "linear",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let table = try DatasetJSON.table([UInt8](try Data(contentsOf: json)), file: "pp.json")
        #expect(table.header == PPVariable.pp(referenceTime: false).map(\.name))
        #expect(table.records.count == 450)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        #expect(object["datasetJSONVersion"] as? String == "1.1.0")
        #expect(object["records"] as? Int == 450)
        // Issue 13: the version in every output's provenance (it was "1").
        let source = try #require(object["sourceSystem"] as? [String: String])
        #expect(source == ["name": "CARKinetics pkfit", "version": PackageVersion.current])
        let columns = try #require(object["columns"] as? [[String: Any]])
        #expect(columns.map { $0["label"] as? String } == PPVariable.pp(referenceTime: false).map(\.label))
        #expect(columns.first { $0["name"] as? String == "PPSTRESN" }?["dataType"] as? String == "double")
        let method = try #require(table.header.firstIndex(of: "PPANMETH"))
        #expect(table.records.allSatisfy { $0.cells?[method] == "LINEAR METHOD" })
    }

    @Test func writerRoundTripsEveryDoubleAndRejectsWhatV5CannotHold() throws {
        var generator = SplitMix64(seed: 2026)
        var values: [Double] = [0, -0.0, 0.1, 1e-78, 7e75, 123456789.123456789, .nan]
        while values.count < 5000 {
            let x = Double(bitPattern: generator.next())
            if x.isFinite, abs(x) >= 0x1p-260, abs(x) < 0x1p252 { values.append(x) }
        }
        let dataset = XPTFile.Dataset(
            name: "T",
            variables: [
                XPTFile.Variable(name: "X", label: "A value", isNumeric: true, length: 8),
                XPTFile.Variable(name: "C", isNumeric: false, length: 3),
            ],
            rows: values.map { [.number($0), .text("ab")] })
        let back = try XPTFile(bytes: try XPTFile(datasets: [dataset]).bytes(), file: "t.xpt")
        #expect(back.datasets[0].rows.count == values.count)
        for (row, x) in zip(back.datasets[0].rows, values) {
            if x.isNaN {
                #expect(row[0] == .missing("."))
            } else if case .number(let y) = row[0] {
                #expect(y.bitPattern == x.bitPattern, "\(x) → \(y)")
            } else {
                Issue.record("\(x) → \(row[0])")
            }
            #expect(row[1] == .text("ab"))
        }
        func rejects(_ variable: XPTFile.Variable, _ value: XPTFile.Value, _ message: String) {
            let bad = XPTFile(datasets: [XPTFile.Dataset(name: "T", variables: [variable], rows: [[value]])])
            #expect(throws: XPTFile.WriteError.self) { _ = try bad.bytes() }
            do { _ = try bad.bytes() } catch { #expect(error.description.contains(message), "\(error)") }
        }
        rejects(XPTFile.Variable(name: "TOOLONGNAME", isNumeric: true, length: 8), .number(1), "not 1 to 8")
        rejects(
            XPTFile.Variable(name: "X", label: String(repeating: "L", count: 41), isNumeric: true, length: 8),
            .number(1), "label")
        rejects(XPTFile.Variable(name: "X", isNumeric: false, length: 8), .text("λz"), "not printable ASCII")
        rejects(XPTFile.Variable(name: "X", isNumeric: false, length: 2), .text("abc"), "longer than")
        rejects(XPTFile.Variable(name: "X", isNumeric: true, length: 8), .number(1e300), "beyond the range")
    }
}

@Suite struct PPStudyFromTableFormatsTests {
    /// The PP table takes STUDYID from a `STUDYID` column of a Dataset-JSON input too (its header is not a CSV line).
    @Test func studyIDColumnOfADatasetJSONInput() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("adpc.json")
        let json = """
            {"datasetJSONVersion": "1.1.0", "name": "ADPC", "columns": [{"name": "STUDYID", "dataType": "string"},
             {"name": "USUBJID", "dataType": "string"}, {"name": "AFRLT", "dataType": "double"}, {"name": "AVAL", "dataType": "double"}],
             "rows": [["CAR-01", "S1", 0, 1], ["CAR-01", "S1", 1, 4], ["CAR-01", "S1", 2, 2]]}
            """
        try Data(json.utf8).write(to: input)
        let csv = try runPKFit(["nca", input.path, "--format", "pp"])
        #expect(csv.status == 0, "\(csv.stderr)")
        let rows = csv.stdout.split(separator: "\n").dropFirst()
        #expect(!rows.isEmpty && rows.allSatisfy { $0.hasPrefix("CAR-01,PP,S1,") })
        let xpt = directory.appendingPathComponent("pp.xpt")
        let run = try runPKFit(["nca", input.path, "--format", "pp", "--output", xpt.path])
        #expect(run.status == 0, "\(run.stderr)")
        let pp = try #require(try XPTFile(bytes: [UInt8](try Data(contentsOf: xpt)), file: "pp.xpt").datasets.first)
        #expect(pp.rows.allSatisfy { $0.first == .text("CAR-01") })
        #expect(pp.rows.count == rows.count)
    }
}

@Suite struct PPSpecimenTests {
    /// Without --specimen, PPSPEC comes from the input's PCSPEC, per profile: a subject sampled in blood and
    /// marrow has two profiles, told apart by PPGRPID 1 and 2.
    @Test func specimenFromPCSPECPerProfile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("adpc.csv")
        try Data(
            """
            STUDYID,USUBJID,PCSPEC,AFRLT,AVAL
            CAR-01,S1,BLOOD,0,1
            CAR-01,S1,BLOOD,1,4
            CAR-01,S1,BONE MARROW,0,2
            CAR-01,S1,BONE MARROW,1,3
            CAR-01,S2,BLOOD,0,5

            """.utf8
        ).write(to: input)
        let xpt = directory.appendingPathComponent("pp.xpt")
        let run = try runPKFit(["nca", input.path, "--format", "pp", "--output", xpt.path])
        #expect(run.status == 0, "\(run.stderr)")
        let pp = try #require(try XPTFile(bytes: [UInt8](try Data(contentsOf: xpt)), file: "pp.xpt").datasets.first)
        let spec = try #require(pp.variables.firstIndex { $0.name == "PPSPEC" })
        let group = try #require(pp.variables.firstIndex { $0.name == "PPGRPID" })
        let subject = try #require(pp.variables.firstIndex { $0.name == "USUBJID" })
        var seen: [String] = []
        for row in pp.rows {
            guard case .text(let s) = row[subject], case .text(let g) = row[group], case .text(let p) = row[spec] else {
                continue
            }
            let key = "\(s)|\(g)|\(p)"
            if seen.last != key { seen.append(key) }
        }
        #expect(seen == ["S1|1|BLOOD", "S1|2|BONE MARROW", "S2||BLOOD"])
        // --specimen wins; PCSPEC is then not read, so the two specimens must be split by --profile-by.
        let given = try runPKFit([
            "nca", input.path, "--format", "pp", "--output", xpt.path, "--specimen", "PLASMA", "--profile-by", "PCSPEC",
        ])
        #expect(given.status == 0, "\(given.stderr)")
        let again = try #require(try XPTFile(bytes: [UInt8](try Data(contentsOf: xpt)), file: "pp.xpt").datasets.first)
        #expect(again.rows.allSatisfy { $0[spec] == .text("PLASMA") })
    }
}

@Suite struct PPReferenceTimeTests {
    /// PPRFTDTC appears (before PPSTINT) only when the input has PCRFTDTC, with each profile's value.
    @Test func referenceTimeFromPCRFTDTC() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("adpc.csv")
        try Data(
            """
            STUDYID,USUBJID,PCRFTDTC,AFRLT,AVAL
            CAR-01,S1,2026-01-05T10:00,0,1
            CAR-01,S1,2026-01-05T10:00,1,4
            CAR-01,S2,2026-02-01T09:30,0,5

            """.utf8
        ).write(to: input)
        let json = directory.appendingPathComponent("pp.json")
        let run = try runPKFit(["nca", input.path, "--format", "pp", "--output", json.path])
        #expect(run.status == 0, "\(run.stderr)")
        let table = try DatasetJSON.table([UInt8](try Data(contentsOf: json)), file: "pp.json")
        var names = PPVariable.pp(referenceTime: false).map(\.name)
        names.insert("PPRFTDTC", at: names.count - 2)
        #expect(names == PPVariable.pp(referenceTime: true).map(\.name))
        #expect(table.header == names)
        let k = try #require(table.header.firstIndex(of: "PPRFTDTC"))
        let subject = try #require(table.header.firstIndex(of: "USUBJID"))
        for record in table.records {
            let cells = try #require(record.cells)
            #expect(cells[k] == (cells[subject] == "S1" ? "2026-01-05T10:00" : "2026-02-01T09:30"))
        }
    }
}
