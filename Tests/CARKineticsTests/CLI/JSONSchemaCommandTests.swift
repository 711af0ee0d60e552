import Foundation
import Testing

@testable import CARKineticsReports

/// The JSON outputs of `popfit` (estimates and `--individual`), `response`, `persistence` and
/// `validate nist --json` validate against their committed schemas in `docs/schema/`, state them, and carry the
/// units of their fields (issue 16, item 3; the `nca`/`fit`/`summary` ones are in JSONSchemaTests).
@Suite struct JSONSchemaCommandTests {
    static let theoph = fixtureURL("population/theoph.csv").path
    static let response = fixtureURL("response/response_small.csv").path
    static let qpcr = fixtureURL("data/aid_cd7_qpcr.csv").path
    static let popfitOptions = ["--blq", "drop", "--model", "expansion-monoexp", "--random", "cmax"]

    static func json(_ text: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(object as? [String: Any])
    }

    /// Validates `object` against schema `name`: no violation, the schema's `$id` stated, rows present, and
    /// (without group columns) every column declared by name or pattern.
    static func check(_ object: [String: Any], schema name: String, rows key: String = "rows") throws {
        let validator = try JSONSchemaValidator(schemaNamed: name)
        #expect(validator.errors(object) == [], "\(name)")
        #expect(object["schema"] as? String == "https://carkinetics.example/schema/\(name)/1")
        #expect(object["schema"] as? String == validator.root["$id"] as? String)
        #expect(object["units"] is [String: String], "\(name)")
        if key == "rows" {
            let rows = try #require(object["rows"] as? [[String: Any]])
            #expect(!rows.isEmpty)
        }
    }

    /// A copy of the theophylline data with a level unit column (`unit` = mg/L).
    static func theophWithUnit(in directory: URL) throws -> String {
        let lines = try String(contentsOfFile: theoph, encoding: .utf8).split(separator: "\n")
        let text =
            lines.enumerated().map { k, line in line + (k == 0 ? ",unit" : ",mg/L") }.joined(separator: "\n") + "\n"
        let url = directory.appendingPathComponent("theoph_unit.csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func popfitEstimatesAndIndividualsFollowTheirSchemas() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = try Self.theophWithUnit(in: directory)
        let individual = directory.appendingPathComponent("ind.json").path
        let run = try runPKFit(
            ["popfit", input, "--format", "json", "--individual", individual] + Self.popfitOptions)
        #expect(run.status == 0, "\(run.stderr)")
        let estimates = try Self.json(run.stdout)
        try Self.check(estimates, schema: "popfit")
        let units = try #require(estimates["units"] as? [String: String])
        #expect(units == ["tv_cmax": "mg/L", "tv_tmax": "day", "tv_rho": "1/day", "tv_alpha": "1/day"])
        let rows = try #require(estimates["rows"] as? [[String: Any]])
        #expect(Set(units.keys).isSubset(of: Set(rows.compactMap { $0["parameter"] as? String })))
        #expect(rows.contains { $0["parameter"] as? String == "status" && $0["estimate"] is String })
        let perSubjectText = try String(contentsOfFile: individual, encoding: .utf8)
        let perSubject = try Self.json(perSubjectText)
        try Self.check(perSubject, schema: "popfit-individual")
        let individualUnits = try #require(perSubject["units"] as? [String: String])
        #expect(individualUnits["cmax"] == "mg/L" && individualUnits["tmax"] == "day")
        #expect(individualUnits["model_auc_0_28"] == "day*mg/L" && individualUnits["alpha"] == "1/day")
        #expect(individualUnits["model_cmax"] == "mg/L" && individualUnits["model_tmax"] == "day")
        // Every key once: the Stein parameters cmax/tmax and the curve's Cmax/Tmax used to share a name, so the
        // JSON object had duplicate keys (a parser keeps one) and the CSV duplicate headers.
        let subjects = try #require(perSubject["rows"] as? [[String: Any]]).count
        #expect(subjects == 12)
        let rowsText = try #require(perSubjectText.components(separatedBy: "\"rows\":").last)
        for key in ["cmax", "tmax", "model_cmax", "model_tmax"] {
            #expect(rowsText.components(separatedBy: "\"\(key)\":").count - 1 == subjects, "\(key)")
        }
        #expect(individualUnits["eta_cmax"] == nil && individualUnits["n_used"] == nil)
        // The schema takes parameter rows by value, so rows other helpers add (corr_<p>_<q>, se_method) pass;
        // a misspelt column or a number as text does not.
        let validator = try JSONSchemaValidator(schemaNamed: "popfit")
        func errors(adding row: [String: Any]) -> [String] {
            var changed = estimates
            changed["rows"] = rows + [row]
            return validator.errors(changed)
        }
        let empty: [String: Any] = ["se": NSNull(), "rse_percent": NSNull(), "lower95": NSNull(), "upper95": NSNull()]
        #expect(
            errors(adding: empty.merging(["parameter": "corr_cmax_tmax", "estimate": 0.25]) { $1 }) == [])
        #expect(errors(adding: empty.merging(["parameter": "se_method", "estimate": "sandwich"]) { $1 }) == [])
        #expect(!errors(adding: empty.merging(["parameter": "x", "estimate": 1, "sd": 2]) { $1 }).isEmpty)
        #expect(!errors(adding: empty.merging(["parameter": "x", "estimate": 1, "se": "2"]) { $1 }).isEmpty)
        #expect(!errors(adding: ["parameter": "x", "estimate": 1]).isEmpty)
    }

    @Test(arguments: [[], ["--group", "ARM"]]) func responseFollowsItsSchema(group: [String]) throws {
        let run = try runPKFit(
            [
                "response", Self.response, "--response", "BOR", "--responder", "CR", "--parameters",
                "cmax,tmax,half_life",
                "--format", "json",
            ] + group)
        #expect(run.status == 0, "\(run.stderr)")
        let object = try Self.json(run.stdout)
        try Self.check(object, schema: "response")
        // No level unit in the file: Cmax's is left out; times are in days.
        #expect(object["units"] as? [String: String] == ["tmax": "day", "half_life": "day"])
        if group.isEmpty {
            let validator = try JSONSchemaValidator(schemaNamed: "response")
            let rowSchema = try #require(validator.definition("row"))
            for row in try #require(object["rows"] as? [[String: Any]]) {
                #expect(JSONSchemaValidator.undeclaredKeys(row, in: rowSchema) == [])
            }
        }
    }

    @Test(arguments: [[], ["--group", "COHORT"]]) func persistenceFollowsItsSchema(group: [String]) throws {
        let run = try runPKFit(["persistence", Self.qpcr, "--format", "json"] + group)
        #expect(run.status == 0, "\(run.stderr)")
        let object = try Self.json(run.stdout)
        try Self.check(object, schema: "persistence")
        #expect(
            object["units"] as? [String: String] == ["median": "day", "median_lower95": "day", "median_upper95": "day"])
        let rows = try #require(object["rows"] as? [[String: Any]])
        if group.isEmpty {
            let rowSchema = try #require(try JSONSchemaValidator(schemaNamed: "persistence").definition("row"))
            for row in rows { #expect(JSONSchemaValidator.undeclaredKeys(row, in: rowSchema) == []) }
        } else {
            #expect(rows.count == 3)
        }
    }

    @Test func persistenceInHoursStatesHours() throws {
        let run = try runPKFit(["persistence", Self.qpcr, "--output-time-unit", "h", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try Self.json(run.stdout)
        try Self.check(object, schema: "persistence")
        #expect(object["units"] as? [String: String] == ["median": "h", "median_lower95": "h", "median_upper95": "h"])
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.first?["survival_2160"] != nil)
    }

    @Test func validateEstimatesFollowTheirSchema() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("nist.json")
        let run = try runPKFit(["validate", "nist", fixtureURL("nist").path, "--json", file.path])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try Self.json(try String(contentsOf: file, encoding: .utf8))
        try Self.check(object, schema: "validate", rows: "estimates")
        #expect(object["units"] as? [String: String] == [:])
        let validator = try JSONSchemaValidator(schemaNamed: "validate")
        var broken = object
        broken["estimates"] = ["Misra1a": ["first": [1.0]]]
        #expect(!validator.errors(broken).isEmpty)
        broken["estimates"] = ["Misra1a": ["1.0"]]
        #expect(!validator.errors(broken).isEmpty)
    }
}
