import CreditCtlKit
import CreditModel
import Testing

@Suite struct ClientArgumentsTests {
    @Test func subjectCodesAreCheckedLocally() throws {
        #expect(try ClientArguments.subject("11010519491231002X").rawValue == "11010519491231002X")
        #expect(try ClientArguments.subject("91350100M000100Y43").type == .company)
        #expect(throws: ArgumentError.self) { try ClientArguments.subject("11010119900307451X") }
        do {
            _ = try ClientArguments.subject("123")
            Issue.record("a short code was accepted")
        } catch let error as ArgumentError {
            #expect(error.message.hasPrefix("'123' is not a subject code"))
        }
    }

    @Test func instantsAreRFC3339OrDates() throws {
        #expect(try ClientArguments.instant("2026-11-20") == "2026-11-20T00:00:00.000Z")
        #expect(try ClientArguments.instant("2026-11-20T09:30:00+08:00") == "2026-11-20T01:30:00.000Z")
        for bad in ["2026-13-01", "yesterday", "2026-11-20 09:30", "2026-02-30"] {
            #expect(throws: ArgumentError.self, "\(bad)") { try ClientArguments.instant(bad) }
        }
    }

    @Test func decisionsAndListsHaveTheirAliases() throws {
        #expect(try ClientArguments.outcome("uphold") == .upheld)
        #expect(try ClientArguments.outcome("Overturned") == .overturned)
        #expect(throws: ArgumentError("'reject' is not a decision: use uphold or overturn")) { try ClientArguments.outcome("reject") }
        #expect(try ClientArguments.list("REDLIST") == .redlist)
        #expect(throws: ArgumentError.self) { try ClientArguments.list("greylist") }
    }

    @Test func textsAreTrimmedAndBounded() throws {
        #expect(try ClientArguments.text("  ticket sale \n", name: "--purpose", limit: 500) == "ticket sale")
        #expect(throws: ArgumentError("--purpose must not be empty")) { try ClientArguments.text("   ", name: "--purpose", limit: 500) }
        #expect(throws: ArgumentError("--reason may be at most 3 characters")) { try ClientArguments.text("four", name: "--reason", limit: 3) }
    }

    @Test func agencyIdsAreTopicNames() throws {
        #expect(try ClientArguments.agency("jinan-dogs") == "jinan-dogs")
        #expect(throws: ArgumentError.self) { try ClientArguments.agency("Jinan Dogs") }
        #expect(throws: ArgumentError.self) { try ClientArguments.agency("") }
    }
}
