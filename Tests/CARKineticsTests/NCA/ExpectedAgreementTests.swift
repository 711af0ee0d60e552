import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// Agreement with Fixtures/expected/*_nca.csv (the project's rules, full precision) to 1e-9 relative,
/// for every subject, both AUC methods and every column the file has.
@Suite struct ExpectedAgreementTests {
    static let datasets: [(name: String, selection: ColumnSelection)] = [
        ("aid_cd7_qpcr", ColumnSelection()),
        ("noise_free_profiles", ColumnSelection()),
        ("waiha_cd19bcma_flow", ColumnSelection(value: "car_t_cells_per_uL")),
    ]

    /// expected-file column suffix → our method; expected column stem → our column.
    static let methods: [(suffix: String, method: AUCMethod)] = [
        ("linear", .linear), ("linuplogdown", .linearUpLogDown),
    ]
    static let methodColumns = [
        ("auclast", "auclast"), ("aucinf_obs", "aucinf_obs"),
        ("auc0_28_last", "auc_0_28"), ("auc0_28_inf", "auc_0_28_extrap"),
        ("auc0_90_last", "auc_0_90"), ("auc0_90_inf", "auc_0_90_extrap"),
    ]
    static let sharedColumns = [
        ("cmax", "cmax"), ("tmax", "tmax"), ("tlast", "tlast"), ("clast", "clast"), ("lambda_z", "lambda_z"),
        ("half_life", "half_life"), ("r2adj", "r2adj"), ("lambda_z_npoints", "lambda_z_points"),
    ]

    @Test(arguments: datasets.map(\.name))
    func agreesWithExpected(dataset: String) throws {
        let selection = try #require(Self.datasets.first { $0.name == dataset }).selection
        let expected = try readTable("expected/\(dataset)_nca.csv")
        #expect(expected.count > 3)
        var compared = 0
        for (suffix, method) in Self.methods {
            let output = try NCAAnalysis(selection: selection, options: NCAOptions(aucMethod: method))
                .run(files: [fixtureURL("data/\(dataset).csv")])
            let rows = try tableRows(output.table)
            #expect(rows.count == expected.count)
            #expect(
                output.table.rows.map { $0[0] } == expected.map { .text($0["subject"] ?? "") },
                "row order is input order")
            for row in expected {
                let subject = try #require(row["subject"])
                let ours = try #require(rows[subject], "subject \(subject) missing")
                var pairs = Self.methodColumns.map { ("\($0.0)_\(suffix)", $0.1) }
                pairs += Self.sharedColumns
                for (theirs, mine) in pairs {
                    expectClose(
                        ours[mine] ?? nil, expectedNumber(row[theirs]), relative: 1e-9,
                        "\(dataset) \(subject) \(mine) (\(suffix))")
                    compared += 1
                }
            }
        }
        #expect(compared == expected.count * 2 * 14)
    }
}

/// Our table as subject → column → number (nil for empty cells).
func tableRows(_ table: ResultTable) throws -> [String: [String: Double?]] {
    var out: [String: [String: Double?]] = [:]
    for row in table.rows {
        guard case .text(let subject) = row[0] else { throw TableShapeError() }
        var values: [String: Double?] = [:]
        for (name, cell) in zip(table.columns, row) {
            switch cell {
            case .number(let x): values[name] = x
            case .integer(let n): values[name] = Double(n)
            default: values[name] = .some(nil)
            }
        }
        out[subject] = values
    }
    return out
}

struct TableShapeError: Error {}
