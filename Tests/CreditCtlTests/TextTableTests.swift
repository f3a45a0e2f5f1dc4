import CreditCtlKit
import Testing

@Suite struct TextTableTests {
    @Test func alignsColumnsToTheWidestCell() {
        let table = TextTable([.init("scheme"), .init("points", .right), .init("grade")],
                              rows: [["citizen", "950", "B"], ["dog-owner", "0", "confiscated"]])
        #expect(table.render() == """
        scheme     points  grade
        ---------  ------  -----------
        citizen       950  B
        dog-owner       0  confiscated
        """)
    }

    @Test func padsShortRowsDropsExtraCellsAndFlattensNewlines() {
        let table = TextTable(headers: ["a", "b"], rows: [["x"], ["1", "two\nlines", "extra"]])
        let lines = table.render().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4)
        #expect(lines[2] == "x")
        #expect(lines[3] == "1  two lines")
        #expect(lines.allSatisfy { !$0.hasSuffix(" ") })
    }

    @Test func headerOnlyTableHasItsRule() {
        #expect(TextTable(headers: ["case", "state"]).render() == "case  state\n----  -----")
    }
}
