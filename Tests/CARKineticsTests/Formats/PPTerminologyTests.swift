import Foundation
import Testing

@testable import CARKineticsNCA
@testable import CARKineticsReports

/// Every PPTESTCD/PPTEST pair the PP writer uses, against CDISC controlled terminology (codelists C85493
/// PKPARMCD and C85839 PKPARM) as confirmed in `Fixtures/pp/cdisc_pkparm.csv` (sources in `Fixtures/pp/README.md`):
/// a CDISC code must carry CT's exact name, a sponsor code must not be a CDISC code, and both fit SAS transport.
@Suite struct PPTerminologyTests {
    static func confirmed() throws -> [String: String] {
        let text = try String(contentsOf: fixtureURL("pp/cdisc_pkparm.csv"), encoding: .utf8)
        var pairs: [String: String] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            pairs[cells[0]] = cells[1]
        }
        return pairs
    }

    /// Every registry parameter with intervals, so that AUCINT and AUCINTIS are among them.
    static var tests: [PPTest] {
        var options = NCAOptions()
        options.intervals = [AUCInterval(start: 0, end: 28)].compactMap { $0 }
        return NCARegistry.columns(for: options).compactMap(\.ppTest)
    }

    @Test func everyCDISCPairIsCTsExactly() throws {
        let confirmed = try Self.confirmed()
        #expect(confirmed.count == 18)
        var seen: Set<String> = []
        for test in Self.tests where !test.isSponsorDefined {
            #expect(
                confirmed[test.code] == test.name,
                "\(test.code): '\(test.name)' is not CT's '\(confirmed[test.code] ?? "—")'")
            seen.insert(test.code)
        }
        // Every confirmed pair is used: a code dropped from the registry or marked sponsor-defined shows here.
        #expect(seen == Set(confirmed.keys))
    }

    @Test func sponsorCodesAreNotCDISCCodesAndAreDocumented() throws {
        let confirmed = try Self.confirmed()
        let sponsor = Self.tests.filter(\.isSponsorDefined)
        #expect(Set(sponsor.map(\.code)) == ["AUCINTIS", "CLSTP", "NQUANT", "NBLQ", "NMISS"])
        let docs = try String(contentsOf: repositoryURL("docs/pp-output.md"), encoding: .utf8)
        for test in sponsor {
            #expect(confirmed[test.code] == nil, "\(test.code)")
            #expect(docs.contains("| \(test.code) | \(test.name) |"), "docs/pp-output.md lacks \(test.code)")
        }
    }

    @Test func codesAndNamesFitSASTransport() {
        for test in Self.tests {
            #expect(test.code.count <= 8 && test.code.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) })
            #expect(test.name.count <= 40 && test.name.allSatisfy(\.isASCII), "\(test.name)")
        }
    }
}
