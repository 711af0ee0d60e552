import Foundation
import Testing

// Shared helpers for the test suite. Tests are not API; nothing here is visible outside the test target.

/// The example data files, stored once in the repository's `SampleData/` (which `scripts/run-sample.sh` and the
/// fuzz seeds read too) and named here as the fixtures they once were copies of.
private let sampleDataFiles = [
    "data/aid_cd7_qpcr.csv": "aid_cd7_qpcr.csv",
    "data/waiha_cd19bcma_flow.csv": "waiha_cd19bcma_flow.csv",
    "data/noise_free_profiles.csv": "stein_noise_free.csv",
]

/// The URL of a file under `Tests/CARKineticsTests/Fixtures`, or of an example file in `SampleData/` (found from
/// this source file's place in the clone: the tests run where they were built).
func fixtureURL(_ relativePath: String) -> URL {
    if let name = sampleDataFiles[relativePath] {
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent() // Support
            .deletingLastPathComponent() // CARKineticsTests
            .deletingLastPathComponent() // Tests
            .deletingLastPathComponent() // the package root
            .appendingPathComponent("SampleData").appendingPathComponent(name)
    }
    guard let base = Bundle.module.resourceURL?.appendingPathComponent("Fixtures") else {
        fatalError("test bundle has no Fixtures resource directory")
    }
    return base.appendingPathComponent(relativePath)
}

/// The text of a fixture file.
func fixtureText(_ relativePath: String) throws -> String {
    try String(contentsOf: fixtureURL(relativePath), encoding: .utf8)
}

/// A deliberately simple CSV reader (quotes, no embedded newlines) used to read expected-value tables.
/// Independent of the library's reader, so the library is not checked against itself.
func readTable(_ relativePath: String) throws -> [[String: String]] {
    let lines = try fixtureText(relativePath).split(whereSeparator: \.isNewline).map(String.init)
    guard let header = lines.first else { return [] }
    let names = splitCSVLine(header)
    return lines.dropFirst().map { line in
        let cells = splitCSVLine(line)
        var row: [String: String] = [:]
        for (i, name) in names.enumerated() { row[name] = i < cells.count ? cells[i] : "" }
        return row
    }
}

/// CSV fields of one line, with RFC 4180 quotes.
func splitCSVLine(_ line: String) -> [String] {
    var cells: [String] = []
    var current = ""
    var quoted = false
    var chars = Array(line)[...]
    while let c = chars.popFirst() {
        if quoted {
            if c == "\"" {
                if chars.first == "\"" {
                    current.append("\"")
                    chars.removeFirst()
                } else {
                    quoted = false
                }
            } else {
                current.append(c)
            }
        } else if c == "\"" {
            quoted = true
        } else if c == "," {
            cells.append(current)
            current = ""
        } else {
            current.append(c)
        }
    }
    cells.append(current)
    return cells
}

/// `Double` from an expected-value cell; empty, `NA` and `NaN` give nil.
func expectedNumber(_ cell: String?) -> Double? {
    guard let cell, !cell.isEmpty, cell != "NA", cell != "NaN" else { return nil }
    return Double(cell)
}

/// Relative closeness with an absolute floor for values near zero.
func isClose(_ a: Double, _ b: Double, relative: Double, absolute: Double = 0) -> Bool {
    if a == b { return true }
    guard a.isFinite, b.isFinite else { return false }
    return abs(a - b) <= max(absolute, relative * max(abs(a), abs(b)))
}

/// Records an issue unless `actual` and `expected` are both nil or close.
func expectClose(
    _ actual: Double?, _ expected: Double?, relative: Double, absolute: Double = 0,
    _ what: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    switch (actual, expected) {
    case (nil, nil): return
    case (let a?, let e?):
        #expect(
            isClose(a, e, relative: relative, absolute: absolute),
            "\(what()): \(a) vs expected \(e)", sourceLocation: sourceLocation)
    default:
        Issue.record(
            "\(what()): \(String(describing: actual)) vs expected \(String(describing: expected))",
            sourceLocation: sourceLocation)
    }
}

/// What a run of the built `pkfit` produced.
struct ProcessOutput {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the `pkfit` executable built next to the test bundle (`swift build` builds it first; see
/// scripts/test.sh) with the given arguments and working directory.
func runPKFit(_ arguments: [String], in directory: URL? = nil, stdin: Data? = nil) throws -> ProcessOutput {
    try runProcess(try pkfitExecutable(), arguments, in: directory, stdin: stdin)
}

/// The `pkfit` executable built next to the test bundle.
func pkfitExecutable() throws -> URL {
    let bundleDirectory = Bundle.module.bundleURL.deletingLastPathComponent()
    var candidates = [bundleDirectory.appendingPathComponent("pkfit")]
    var search = bundleDirectory
    for _ in 0..<3 {
        search = search.deletingLastPathComponent()
        candidates.append(search.appendingPathComponent("debug/pkfit"))
    }
    guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw TestSupportError.pkfitNotBuilt(bundleDirectory.path)
    }
    return executable
}

/// Runs `/bin/sh -c script` with `$PKFIT` set to the built `pkfit`: for runs whose standard streams the
/// shell must arrange (`> /dev/full`, a closed stdout, `trap '' PIPE`).
func runPKFitShell(_ script: String, in directory: URL) throws -> ProcessOutput {
    var environment = ProcessInfo.processInfo.environment
    environment["PKFIT"] = try pkfitExecutable().path
    return try runProcess(
        URL(fileURLWithPath: "/bin/sh"), ["-c", script], in: directory, stdin: nil, environment: environment)
}

private func runProcess(
    _ executable: URL, _ arguments: [String], in directory: URL?, stdin: Data?,
    environment: [String: String]? = nil
) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe()
    let err = Pipe()
    let input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    // Drain stderr on another thread while stdout is read here, so neither pipe can fill and block the child.
    let errBox = DataBox()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) { errBox.data = err.fileHandleForReading.readDataToEndOfFile() }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    let errData = errBox.data
    process.waitUntilExit()
    return ProcessOutput(
        status: process.terminationStatus,
        stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

private final class DataBox: @unchecked Sendable {
    var data = Data()
}

enum TestSupportError: Error {
    case pkfitNotBuilt(String)
}

/// A fresh temporary directory, removed by the caller with `FileManager.default.removeItem`.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("carkinetics-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
