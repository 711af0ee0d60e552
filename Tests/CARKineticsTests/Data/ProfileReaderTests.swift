import Foundation
import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels
@testable import CARKineticsNCA
@testable import CARKineticsNumerics
@testable import CARKineticsReports
@testable import CARKineticsStatistics

func readProfiles(_ text: String, _ selection: ColumnSelection = ColumnSelection()) throws(DataError) -> ProfileSet {
    try ProfileReader(selection: selection).read(bytes: Array(text.utf8), file: "data.csv")
}

@Suite struct ProfileReaderTests {
    @Test func adpcFixtureReadsAVALCAndUnits() throws {
        let set = try ProfileReader().read(contentsOf: fixtureURL("data/aid_cd7_qpcr.csv"), displayName: "aid.csv")
        #expect(set.profiles.count == 18)
        let first = try #require(set.profiles.first)
        #expect(first.subject == "AID-001")
        #expect(first.unit == "copies/ug")
        #expect(first.observations.count == 14)
        #expect(first.observations[0] == Observation(time: -1, measurement: .belowLimit(lloq: nil), line: 2))
        #expect(first.observations[2].measurement == .value(163.799))
        #expect(
            first.observations.map(\.time) == [
                -1, 1, 4, 7, 10.1, 14.88, 21.43, 30.52, 43.85, 57.89, 87.58, 179.21, 250.24, 351.98,
            ],
            "AFRLT (actual time) is read, not NFRLT")
        let ledger = set.ledger
        #expect(ledger.dataLines == 252)
        #expect(ledger.belowLimit == 128)
        #expect(ledger.quantifiable + ledger.belowLimit + ledger.missing + ledger.blankLines.count == ledger.dataLines)
        #expect(ledger.preInfusion == 18)
    }

    @Test func lloqColumnAndConstantMakeLowValuesBLQ() throws {
        let text = "id,time,value,LLOQ\nA,0,0,50\nA,1,40,50\nA,2,60,50\nA,3,BLQ,50\n"
        let fromColumn = try readProfiles(text, ColumnSelection(lloq: .column("LLOQ")))
        #expect(
            fromColumn.profiles[0].observations.map(\.measurement) == [
                .belowLimit(lloq: 50), .belowLimit(lloq: 50), .value(60), .belowLimit(lloq: 50),
            ])
        let constant = try readProfiles(text, ColumnSelection(lloq: .constant(45)))
        #expect(constant.profiles[0].observations[1].measurement == .belowLimit(lloq: 45))
        let none = try readProfiles(text)
        #expect(none.profiles[0].observations[1].measurement == .value(40))
    }

    @Test func unsortedNonContiguousRowsAreGroupedAndSorted() throws {
        let set = try readProfiles("subject,day,conc\nB,7,3\nA,7,30\nA,0,0\nB,0,1\nA,14,\nA,1,10\n")
        #expect(set.profiles.map(\.subject) == ["B", "A"], "first-appearance order")
        #expect(set.profiles[1].observations.map(\.time) == [0, 1, 7, 14])
        #expect(set.profiles[1].observations.map(\.line) == [4, 7, 3, 6])
        #expect(set.profiles[1].observations[3].measurement == .missing)
        let unsorted = NCA.analyze(set.profiles[1], options: NCAOptions(aucMethod: .linear))
        #expect(unsorted.auclast == .value(5 + 6 * 20))
    }

    @Test func profileByColumnsSplitProfilesAndGroupsAreCarried() throws {
        let set = try readProfiles(
            "ID,time,value,infusion,arm\nA,0,1,1,x\nA,0,2,2,x\nA,1,3,1,x\n",
            ColumnSelection(groups: ["arm"], profileBy: ["infusion"]))
        #expect(set.profiles.map(\.groups) == [["x", "1"], ["x", "2"]])
        #expect(set.profiles[0].observations.count == 2)
    }

    /// Issue 11 item 4: a group value that changes within a subject is an error naming both lines, never a
    /// phantom profile; under --skip-invalid the differing row is excluded with that error.
    @Test func aGroupValueChangingWithinASubjectIsAnError() throws {
        let text = "ID,time,value,cohort\nA,0,1,DL1\nB,0,2,DL2\nA,1,3,dl1\nA,2,4,DL1\n"
        #expect {
            _ = try readProfiles(text, ColumnSelection(groups: ["cohort"]))
        } throws: { error in
            (error as? DataError)?.description
                == "data.csv:4: column 'cohort': \"dl1\" differs from 'DL1' on line 2 for subject 'A'; a group column must be constant within a subject (if 'cohort' splits the subject into several profiles, say so in the column selection's profileBy)"
        }
        let lenient = try ProfileReader(selection: ColumnSelection(groups: ["cohort"]), invalidRows: .skip)
            .read(bytes: Array(text.utf8), file: "data.csv")
        #expect(lenient.profiles.map(\.subject) == ["A", "B"])
        #expect(lenient.profiles[0].observations.map(\.line) == [2, 5])
        #expect(lenient.ledger.excluded.map(\.line) == [4])
    }

}

@Suite struct ColumnRecognitionTests {
    @Test func recognisedNamesCaseInsensitive() throws {
        let set = try readProfiles("Patient_ID,DAYS,Concentration\nP,1,2\n")
        #expect(set.profiles[0].subject == "P" && set.profiles[0].observations[0].measurement == .value(2))
    }

    @Test func cdiscTiersWinOverGenericAndNominalTimeIsIgnored() throws {
        let set = try readProfiles("USUBJID,SUBJID,NFRLT,ARELTM,AFRLT,AVAL\nS-1,1,7,6.5,6.9,10\n")
        #expect(set.profiles[0].subject == "S-1")
        #expect(set.profiles[0].observations[0].time == 6.9)
    }

    @Test func ambiguousColumnsListTheHeader() {
        #expect(
            throws: DataError(
                file: "data.csv", line: 1,
                message:
                    "ambiguous time column ('time', 'day'); choose one explicitly; header has: 'id', 'time', 'day', 'value'"
            )
        ) {
            _ = try readProfiles("id,time,day,value\nA,1,1,1\n")
        }
    }

    /// The library knows no command-line options: a caller says how its users name a column, and the error
    /// quotes that (pkfit passes `--time` and friends).
    @Test func namingHintsAreTheCallersWords() {
        var selection = ColumnSelection()
        selection.namingHints = [.time: "--time"]
        #expect(
            throws: DataError(
                file: "data.csv", line: 1,
                message:
                    "ambiguous time column ('time', 'day'); choose one with --time; header has: 'id', 'time', 'day', 'value'"
            )
        ) {
            _ = try readProfiles("id,time,day,value\nA,1,1,1\n", selection)
        }
    }

    @Test func missingColumnListsTheHeader() {
        #expect(
            throws: DataError(
                file: "data.csv", line: 1,
                message:
                    "no value column (looked for aval, value, conc, concentration); name it explicitly; header has: 'patient_id', 'day', 'car_t_cells_per_uL'"
            )
        ) {
            _ = try readProfiles("patient_id,day,car_t_cells_per_uL\nW,1,1\n")
        }
        #expect(
            throws: DataError(
                file: "data.csv", line: 1,
                message: "no column named 'dose' for group; header has: 'id', 'time', 'value'")
        ) {
            _ = try readProfiles("id,time,value\nA,1,1\n", ColumnSelection(groups: ["dose"]))
        }
    }
}
