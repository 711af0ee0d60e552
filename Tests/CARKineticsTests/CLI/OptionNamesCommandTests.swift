import CARKinetics
import Foundation
import Testing

/// The library names no command-line options; pkfit passes its own (ColumnSelection.namingHints,
/// TableChoice.namingHints), so the messages users see still say which option to use.
@Suite("pkfit: option names in messages come from pkfit")
struct OptionNamesCommandTests {
    @Test("a missing column names --time, several datasets name --dataset")
    func optionNamesReachTheMessages() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("names-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = directory.appendingPathComponent("ambiguous.csv")
        try Data("id,time,day,value\nA,1,1,1\n".utf8).write(to: csv)
        let ambiguous = try runPKFit(["nca", csv.path])
        #expect(ambiguous.status == 1)
        #expect(ambiguous.stderr.contains("ambiguous time column ('time', 'day'); choose one with --time;"))

        let members = try runPKFit(["nca", fixtureURL("formats/members.xpt").path])
        #expect(members.status == 1)
        #expect(members.stderr.contains("holds 2 datasets (ADPC, ADSL); choose one with --dataset NAME"))
    }
}
