import CARKinetics
import Foundation
import Testing

// The README's quick start, verbatim: the code between `README quick start:` and `end of snippet` is what the
// README shows (a line after `// README shows the next line as: X` is shown as X, so that the test reads its
// fixture where the README names the file in SampleData/). This file imports only `CARKinetics`, as a
// user's program would, so the snippets compile against the public API; `readmeShowsTheSnippets` checks the
// README holds exactly these lines.
@Suite("README quick start")
struct ReadmeQuickStartTests {
    @Test("in-memory profile → NCA → Stein fit")
    func inMemoryProfile() throws {
        // README quick start: in memory
        // Times in days since infusion, in any order; nil = below the limit of quantification.
        let times: [Double] = [0, 1, 4, 7, 9.3, 14, 21, 28, 60, 90, 180, 365]
        let levels: [Double?] = [nil, nil, 288, 3_180, 20_000, 6_840, 1_950, 1_070, 738, 616, 359, 118]
        let profile = try Profile(subject: "P01", times: times, values: levels, lloq: 50)

        let nca = NCA.analyze(profile)
        print(nca.cmax.number ?? .nan, nca.tmax.number ?? .nan, nca.auc(from: 0, to: 28) ?? .nan)

        // The Stein model (expansion, then biphasic contraction) fitted to the quantifiable levels.
        let fit = try KineticFitter(model: .stein).fit(times: times, values: levels.map { $0 ?? 0 })
        print(fit.status, fit.estimate("alpha")?.value ?? .nan, fit.estimate("beta")?.value ?? .nan)
        // end of snippet

        #expect(nca.cmax.number == 20_000 && nca.tmax.number == 9.3)
        #expect(nca.auc(from: 0, to: 28) == nca.intervals.first?.auc.number)
        #expect((nca.auc(from: 0, to: 28) ?? 0) > 0)
        #expect(fit.status == .converged)
        // The levels are a Stein curve (α 0.25, β 0.006 per day) rounded to 3 significant digits.
        #expect(abs((fit.estimate("alpha")?.value ?? .nan) / 0.25 - 1) < 0.05)
        #expect(abs((fit.estimate("beta")?.value ?? .nan) / 0.006 - 1) < 0.1)
    }

    @Test("CSV → cohort summary")
    func csvToCohortSummary() throws {
        // README quick start: files
        // README shows the next line as: let files = [URL(fileURLWithPath: "SampleData/aid_cd7_qpcr.csv")]
        let files = [fixtureURL("data/aid_cd7_qpcr.csv")]
        let cohort = try CohortAnalysis(selection: ColumnSelection(groups: ["COHORT"], lloq: .column("LLOQ")))
            .run(files: files)
        for result in cohort.nca.results { print(result.subject, result.cmax.number ?? .nan) }
        print(cohort.summary.displayTable(levelUnit: cohort.unit).rendered(as: .table))
        // end of snippet

        #expect(cohort.nca.results.count == 18)
        #expect(cohort.summary.displayTable(levelUnit: cohort.unit).rendered(as: .table).contains("0.25x10^8"))
    }

    /// The snippets above, as the README must show them.
    static func snippets() throws -> [[String]] {
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        var snippets: [[String]] = []
        var current: [String]?
        var replacement: String?
        let marker = "// README shows the next line as: "
        for line in source.components(separatedBy: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("// README quick start:") {
                current = []
            } else if trimmed == "// end of snippet", let lines = current {
                snippets.append(lines)
                current = nil
            } else if current != nil {
                if trimmed.hasPrefix(marker) {
                    replacement = String(trimmed.dropFirst(marker.count))
                    continue
                }
                // The test's indentation (8 spaces) is not shown.
                current?.append(replacement ?? (line.hasPrefix("        ") ? String(line.dropFirst(8)) : line))
                replacement = nil
            }
        }
        return snippets
    }

    @Test func readmeShowsTheSnippets() throws {
        let readme = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("README.md"),
            encoding: .utf8)
        let snippets = try Self.snippets()
        #expect(snippets.count == 2)
        for snippet in snippets {
            #expect(snippet.count > 4)
            let block =
                "```swift\nimport CARKinetics\nimport Foundation\n\n" + snippet.joined(separator: "\n") + "\n```\n"
            #expect(readme.contains(block), "README.md lacks this block:\n\(block)")
        }
    }
}
