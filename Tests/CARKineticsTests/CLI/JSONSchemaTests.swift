import Foundation
import Testing

@testable import CARKineticsReports

/// Every JSON output of `nca`, `fit` and `summary` validates against its committed schema in `docs/schema/`,
/// states that schema and the units of its fields, and has no column the schema does not declare.
struct JSONSchemaTests {
    /// One run of pkfit whose standard output is JSON, and the schema it must follow.
    struct Case: CustomTestStringConvertible, Sendable {
        var schema: String
        var arguments: [String]
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let qpcr = fixtureURL("data/aid_cd7_qpcr.csv").path
    static let flow = fixtureURL("data/waiha_cd19bcma_flow.csv").path
    static let noiseFree = fixtureURL("data/noise_free_profiles.csv").path
    static let hours = fixtureURL("timeunit/aid_cd7_qpcr_hours.csv").path
    static let flowValue = ["--value", "car_t_cells_per_uL"]

    static let cases: [Case] = {
        var cases: [Case] = []
        for command in ["nca", "fit", "summary"] {
            for input in [[qpcr], [hours], [noiseFree], [flow] + flowValue] {
                cases.append(Case(schema: command, arguments: [command] + input + ["--format", "json"]))
            }
            cases.append(
                Case(
                    schema: command,
                    arguments: [command, flow] + flowValue + ["--group", "responder", "--format", "json"]))
        }
        // The table path of nca (--csv-safe builds the whole table), a fractional window, and dose–exposure.
        cases.append(Case(schema: "nca", arguments: ["nca", qpcr, "--format", "json", "--csv-safe"]))
        cases.append(Case(schema: "nca", arguments: ["nca", qpcr, "--interval", "7,14.5", "--format", "json"]))
        cases.append(Case(schema: "summary", arguments: ["summary", qpcr, "--dose", "DOSE", "--format", "json"]))
        return cases
    }()

    /// The parsed output of a run, checked to have succeeded.
    static func output(_ arguments: [String]) throws -> [String: Any] {
        let run = try runPKFit(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
        return try #require(object as? [String: Any])
    }

    @Test(arguments: cases)
    func outputValidatesAgainstItsSchema(_ test: Case) throws {
        let validator = try JSONSchemaValidator(schemaNamed: test.schema)
        let object = try Self.output(test.arguments)
        #expect(validator.errors(object) == [])
        #expect(object["schema"] as? String == "https://carkinetics.example/schema/\(test.schema)/1")
        #expect(object["schema"] as? String == validator.root["$id"] as? String)
        #expect(((object["rows"] as? [Any])?.count ?? 0) > 0)
    }

    /// The schemas admit extra members only for group columns (and, in fit, formula parameters); without
    /// `--group` every column must be declared by name or pattern, so adding a column without updating the
    /// schema fails here.
    @Test(arguments: cases.filter { !$0.arguments.contains("--group") })
    func everyColumnIsDeclared(_ test: Case) throws {
        let validator = try JSONSchemaValidator(schemaNamed: test.schema)
        let object = try Self.output(test.arguments)
        let rows = try #require(object["rows"] as? [[String: Any]])
        let rowSchemas = ["row", "statisticsRow", "doseExposureRow"].compactMap(validator.definition)
        for row in rows {
            let undeclared = rowSchemas.map { JSONSchemaValidator.undeclaredKeys(row, in: $0) }
            #expect(
                undeclared.contains { $0.isEmpty },
                "undeclared columns: \(undeclared.min { $0.count < $1.count } ?? [])")
        }
        // Units name columns the rows have (nca, fit) or parameters the rows summarise (summary).
        let units = try #require(object["units"] as? [String: String])
        let keys =
            test.schema == "summary"
            ? Set(rows.compactMap { $0["parameter"] as? String }) : Set(rows.first?.keys.map { $0 } ?? [])
        #expect(Set(units.keys).isSubset(of: keys))
    }

    @Test func unitsOfTheQPCRFileInDays() throws {
        let nca = try #require(Self.output(["nca", Self.qpcr, "--format", "json"])["units"] as? [String: String])
        #expect(nca["cmax"] == "copies/ug")
        #expect(nca["tmax"] == "day")
        #expect(nca["auc_0_28"] == "day*copies/ug")
        #expect(nca["auc_0_90_extrap"] == "day*copies/ug")
        #expect(nca["lambda_z"] == "1/day")
        #expect(nca["aucpext_obs"] == "%")
        // Dimensionless, counts and text have no unit.
        for name in ["r2", "r2adj", "span_ratio", "n_quantifiable", "auc_0_28_n", "subject", "unit", "time_unit"] {
            #expect(nca[name] == nil, "\(name)")
        }
        let fit = try #require(Self.output(["fit", Self.qpcr, "--format", "json"])["units"] as? [String: String])
        #expect(fit["alpha"] == "1/day")
        #expect(fit["se_rho"] == "1/day")
        #expect(fit["cmax_lower95"] == "copies/ug")
        #expect(fit["auc_0_28_model"] == "day*copies/ug")
        #expect(fit["contraction_half_life"] == "day")
        #expect(fit["fb"] == nil && fit["aic"] == nil)
        let summary = try #require(
            Self.output(["summary", Self.qpcr, "--format", "json"])["units"] as? [String: String])
        #expect(summary["auc_0_28"] == "day*copies/ug")
        #expect(summary["half_life"] == "day")
    }

    @Test func unitsOfTheHoursFile() throws {
        let object = try Self.output(["nca", Self.hours, "--format", "json"])
        let units = try #require(object["units"] as? [String: String])
        #expect(units["tmax"] == "h")
        #expect(units["auc_0_672"] == "h*copies/ug")
        #expect(units["lambda_z"] == "1/h")
        #expect(units["auc_0_28"] == nil)
        // The stated unit agrees with each row's own time_unit column.
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.allSatisfy { $0["time_unit"] as? String == "h" })
        let converted = try #require(
            Self.output(["fit", Self.hours, "--output-time-unit", "d", "--format", "json"])["units"]
                as? [String: String])
        #expect(converted["tmax"] == "day")
        #expect(converted["alpha"] == "1/day")
    }

    /// Without a level unit in the input, level-dependent units are left out rather than guessed.
    @Test func noLevelUnitNoLevelDependentUnits() throws {
        let units = try #require(
            Self.output(["nca", Self.flow] + Self.flowValue + ["--format", "json"])["units"] as? [String: String])
        #expect(units["cmax"] == nil && units["auclast"] == nil && units["clast_pred"] == nil)
        #expect(units["tmax"] == "day" && units["lambda_z"] == "1/day")
    }

    /// The streamed nca JSON (default) and the whole-table path (`--columns` with every column) agree on the
    /// envelope: the streamed writer knows the level unit before the first row.
    @Test func streamedAndTableEnvelopesAgree() throws {
        let streamed = try runPKFit(["nca", Self.qpcr, "--format", "json"])
        let whole = try runPKFit(["nca", Self.qpcr, "--format", "json", "--csv-safe"])
        #expect(streamed.status == 0 && whole.status == 0)
        #expect(streamed.stdout == whole.stdout)
        #expect(streamed.stdout.contains(#""units": {"cmax": "copies/ug", "tmax": "day""#))
    }

    /// The validator rejects what the schema forbids (else every test above would pass vacuously).
    @Test func validatorRejectsViolations() throws {
        let validator = try JSONSchemaValidator(schemaNamed: "nca")
        let object = try Self.output(["nca", Self.qpcr, "--format", "json"])
        var rows = try #require(object["rows"] as? [[String: Any]])
        #expect(validator.errors(object) == [])
        func errors(_ change: (inout [String: Any]) -> Void) -> [String] {
            var row = rows[0]
            change(&row)
            var changed = object
            changed["rows"] = [row]
            return validator.errors(changed)
        }
        #expect(errors { $0["cmax"] = "NaN" } == [])
        #expect(errors { $0["cmax"] = "-Infinity" } == [])
        #expect(!errors { $0["cmax"] = "nan" }.isEmpty)
        #expect(!errors { $0["cmax"] = "12" }.isEmpty)
        #expect(!errors { $0["n_blq"] = 1.5 }.isEmpty)
        #expect(!errors { $0["n_blq"] = NSNull() }.isEmpty)
        #expect(!errors { $0["time_unit"] = "days" }.isEmpty)
        #expect(!errors { $0["auc_0_28_end"] = "guessed" }.isEmpty)
        #expect(!errors { $0.removeValue(forKey: "half_life") }.isEmpty)
        #expect(!errors { $0["new_parameter"] = 1.0 }.isEmpty)
        #expect(errors { $0["COHORT"] = "A" } == []) // a group column
        #expect(
            JSONSchemaValidator.undeclaredKeys(
                rows[0].merging(["new_column": "x"]) { a, _ in a }, in: try #require(validator.definition("row"))) == [
                    "new_column"
                ])
        rows[0]["cmax"] = 1.0
        var wrongSchema = object
        wrongSchema["schema"] = "https://carkinetics.example/schema/fit/1"
        #expect(!validator.errors(wrongSchema).isEmpty)
        var noUnits = object
        noUnits.removeValue(forKey: "units")
        #expect(!validator.errors(noUnits).isEmpty)
        #expect(!JSONSchemaValidator(["minimum": 0]).errors(1).isEmpty) // unsupported keywords are errors
    }
}
