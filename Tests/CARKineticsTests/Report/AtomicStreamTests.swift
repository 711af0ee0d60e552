import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// A file written in pieces appears whole on commit, and not at all otherwise.
@Suite struct AtomicStreamTests {
    func write(_ text: String, to stream: AtomicFileWriter.Stream) throws {
        try Array(text.utf8).withUnsafeBufferPointer { try stream.write($0) }
    }

    @Test func commitReplacesTheDestinationWithAllPieces() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("out.csv")
        try AtomicFileWriter.write("old\n", to: url)
        let stream = try AtomicFileWriter.Stream(to: url)
        try write("a,b\n", to: stream)
        #expect(try String(contentsOf: url, encoding: .utf8) == "old\n", "unchanged until commit")
        try write("1,2\n", to: stream)
        try stream.commit()
        #expect(try String(contentsOf: url, encoding: .utf8) == "a,b\n1,2\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.csv"])
        #expect(throws: OutputError.self) { try write("late", to: stream) }
    }

    @Test func anUncommittedStreamLeavesNothing() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("out.csv")
        do {
            let stream = try AtomicFileWriter.Stream(to: url)
            try write("partial,", to: stream)
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: directory.path).count == 1, "the temporary file")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
        let discarded = try AtomicFileWriter.Stream(to: url)
        try write("x", to: discarded)
        discarded.discard()
        discarded.discard()
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
        #expect(throws: OutputError.self) {
            _ = try AtomicFileWriter.Stream(to: directory.appendingPathComponent("missing/out.csv"))
        }
    }
}
