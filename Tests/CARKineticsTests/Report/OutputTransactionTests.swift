import Foundation
import Testing
@testable import CARKinetics

/// Issue 11, item 7: the files of one transaction are committed together or not at all.
@Suite struct OutputTransactionTests {
    @Test func aFailingFileLeavesEveryDestinationUntouched() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = directory.appendingPathComponent("first.csv").path
        try "old\n".write(toFile: first, atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: directory.appendingPathComponent("third").path, withIntermediateDirectories: false)
        let live = TemporaryFiles.count
        let transaction = OutputTransaction()
        try transaction.add("new first\n", to: first)
        try transaction.add("second\n", to: directory.appendingPathComponent("second.csv").path)
        #expect(TemporaryFiles.count == live + 2, "both temporaries are registered for the signal handler")
        #expect(throws: OutputError.self) { try transaction.add("third\n", to: directory.appendingPathComponent("third").path) }
        #expect(throws: OutputError.self) { try transaction.commit() }
        #expect(try String(contentsOfFile: first, encoding: .utf8) == "old\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["first.csv", "third"])
        #expect(TemporaryFiles.count == live)
    }

    @Test func aCommitRenamesEveryFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let transaction = OutputTransaction()
        for name in ["a", "b", "c"] { try transaction.add(name, to: directory.appendingPathComponent(name).path) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).allSatisfy { $0.hasSuffix(".tmp") })
        try transaction.commit()
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["a", "b", "c"])
        #expect(try String(contentsOfFile: directory.appendingPathComponent("b").path, encoding: .utf8) == "b")
    }
}
