import CARKinetics
import Testing

@Suite("Grouping")
struct GroupingTests {
    struct Row: Equatable {
        var id: String
        var dose: String
        var response: String
    }
    let rows = [
        Row(id: "S1", dose: "DL2", response: "CR"),
        Row(id: "S2", dose: "DL1", response: "PR"),
        Row(id: "S3", dose: "DL2", response: "PR"),
        Row(id: "S4", dose: "DL1", response: "PR"),
        Row(id: "S5", dose: "DL2", response: "CR"),
    ]

    @Test("one column: groups in order of first appearance, rows in input order")
    func oneColumn() {
        let groups = Grouping.byFirstAppearance(rows) { [$0.dose] }
        #expect(groups.map(\.key) == [["DL2"], ["DL1"]])
        #expect(groups.map { $0.rows.map(\.id) } == [["S1", "S3", "S5"], ["S2", "S4"]])
    }

    @Test("two columns: each combination once")
    func twoColumns() {
        let groups = Grouping.byFirstAppearance(rows) { [$0.dose, $0.response] }
        #expect(groups.map(\.key) == [["DL2", "CR"], ["DL1", "PR"], ["DL2", "PR"]])
        #expect(groups.map { $0.rows.map(\.id) } == [["S1", "S5"], ["S2", "S4"], ["S3"]])
    }

    @Test("no key columns: one overall group; no rows: no groups")
    func overall() {
        let groups = Grouping.byFirstAppearance(rows) { _ in [] }
        #expect(groups.count == 1 && groups[0].key == [] && groups[0].rows == rows)
        #expect(Grouping.byFirstAppearance([Row]()) { [$0.dose] }.isEmpty)
    }

    @Test("keys are exact strings: a key that is a prefix-concatenation of another stays distinct")
    func exactKeys() {
        let groups = Grouping.byFirstAppearance([("a b", "c"), ("a", "b c")]) { [$0.0, $0.1] }
        #expect(groups.count == 2)
    }
}
