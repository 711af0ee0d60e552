import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

@Suite struct ValidateCommandTests {
    /// The installation check end to end: exit 0 and JSON estimates at the certified values.
    @Test func publicNISTSetPasses() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let jsonURL = directory.appendingPathComponent("estimates.json")
        let output = try runPKFit(["validate", "nist", fixtureURL("nist").path, "--json", jsonURL.path])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.hasPrefix("problem   start  min LRE  RSS LRE  iterations  termination\n"))
        #expect(output.stdout.contains("25 problems, 43 solves; lowest parameter LRE"))

        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: jsonURL)) as? [String: Any])
        #expect(object["generator"] as? [String: String] == ["name": "CARKinetics", "version": PackageVersion.current])
        let json = try #require(object["estimates"] as? [String: Any])
        #expect(json.count == 25)
        for name in nistNonlinearNames {
            let problem = try nistProblem("nonlinear", name)
            let starts = try #require(json[name] as? [String: [Double]], "\(name)")
            #expect(Set(starts.keys) == ["start1", "start2"])
            for (key, estimates) in starts {
                #expect(estimates.count == problem.parameters.count)
                for (j, estimate) in estimates.enumerated() {
                    #expect(
                        logRelativeError(estimate: estimate, certified: problem.certifiedValues[j]) >= 6,
                        "\(name) \(key) \(problem.parameters[j]) = \(estimate)")
                }
            }
        }
        for name in nistLinearNames {
            let problem = try nistProblem("linear", name)
            let estimates = try #require(json[name] as? [Double], "\(name)")
            #expect(estimates.count == problem.parameters.count)
            for (j, estimate) in estimates.enumerated() {
                #expect(
                    logRelativeError(estimate: estimate, certified: problem.certifiedValues[j]) >= 6,
                    "\(name) \(estimate)")
            }
        }
    }

    @Test func unreachableThresholdFails() throws {
        let output = try runPKFit(["validate", "nist", fixtureURL("nist").path, "--min-lre", "16"])
        #expect(output.status == 1)
        #expect(output.stderr.hasPrefix("pkfit validate nist: 43 of 43 below LRE 16.0: Chwirut1 start 1, "))
    }

    @Test func damagedFileFailsWithoutOutput() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try fixtureText("nist/nonlinear/Misra1a.dat")
        let damaged = text.replacingOccurrences(of: "      14.73E0     114.9E0", with: "      14.73E0     114.9E0  7")
        try Data(damaged.utf8).write(to: directory.appendingPathComponent("Misra1a.dat"))
        let jsonURL = directory.appendingPathComponent("out.json")
        let output = try runPKFit(["validate", "nist", directory.path, "--json", jsonURL.path])
        #expect(output.status != 0)
        #expect(output.stdout.isEmpty)
        #expect(
            output.stderr.contains("Misra1a.dat:62: expected 2 numbers (y x) but found 3 fields"), "\(output.stderr)")
        #expect(!FileManager.default.fileExists(atPath: jsonURL.path))
    }
}
