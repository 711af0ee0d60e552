import Foundation
import Testing

/// `pkfit fit --model stein` with BLQ samples censored (M3) on the two example files, against the maximum of the
/// same likelihood found independently (`scripts/fixtures/m3_reference.py`: scipy, 120 random starts per subject
/// plus pkfit's earlier estimates, Nelder–Mead then BFGS; numbers in `Fixtures/expected/m3_reference.csv`).
@Suite("pkfit fit --blq m3 reaches the reference M3 optimum")
struct FitM3ReferenceTests {
    @Test(
        "every censored stein fit of the example files is at or below the reference -2 ln L (1e-6 relative)",
        arguments: [
            ("aid_cd7_qpcr", ["fit", "--model", "stein", "--lloq", "LLOQ", "--blq", "m3"]),
            ("waiha_cd19bcma_flow", ["fit", "--model", "stein", "--value", "car_t_cells_per_uL", "--blq", "m3"]),
        ])
    func reference(dataset: String, options: [String]) throws {
        let run = try runPKFit([options[0], fixtureURL("data/\(dataset).csv").path] + options.dropFirst())
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        let header = splitCSVLine(lines[0])
        var fitted: [String: [String: String]] = [:]
        for line in lines.dropFirst() {
            let row = Dictionary(uniqueKeysWithValues: zip(header, splitCSVLine(line)))
            fitted[row["subject"] ?? ""] = row
        }
        let references = try readTable("expected/m3_reference.csv").filter { $0["dataset"] == dataset }
        #expect(references.count >= 7)
        for reference in references {
            let subject = reference["subject"] ?? ""
            guard let best = expectedNumber(reference["minus2ll"]), let row = fitted[subject] else {
                Issue.record("\(dataset) \(subject): no reference or no fit")
                continue
            }
            #expect(row["blq_method"] == "m3")
            #expect(row["n"] == reference["n_quantified"] && row["n_blq_used"] == reference["n_censored"], "\(subject)")
            let value = Double(row["minus2ll"] ?? "") ?? .infinity
            #expect(value <= best + 1e-6 * max(1, abs(best)), "\(dataset) \(subject): \(value) vs reference \(best)")
        }
    }
}
