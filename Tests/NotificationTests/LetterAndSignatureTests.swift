import CreditModel
import Foundation
import Notification
import Testing

@Suite struct LetterTests {
    @Test func sanctionLetterHasCaseMeasuresReasonsDeadlineAndHowToAppeal() throws {
        let request = Fixtures.sanctionNotice(caseID: "case-42")
        let letter = try Fixtures.letters().render(request, sentAt: Fixtures.deliveredAt)
        #expect(letter.contains("Case: case-42"))
        #expect(letter.contains("To: 11010519491231002X"))
        #expect(letter.contains("  - travel.flight_ban: the subject"))
        #expect(letter.contains("  - list.public_blacklist: the subject will be listed on the public blacklist"))
        #expect(letter.contains("court.order_ignored (event court-2026-000123)"))
        #expect(letter.contains("appeal within 10 days"))
        #expect(letter.contains("28 November 2026, 12:06 UTC"))
        #expect(letter.contains("APL-7Q2K"))
        #expect(letter.contains("POST /v1/cases/case-42/appeal"))
        #expect(!letter.contains("{{"))
    }

    @Test func everyKindRendersWithoutPlaceholdersLeft() throws {
        let letters = try Fixtures.letters()
        for kind in NoticeRequest.Kind.allCases {
            let request = NoticeRequest(caseID: "case-1", subject: Fixtures.subject, kind: kind,
                                        measures: [Measure(rawValue: "hotel.no_deposit")], title: "t", reasons: ["r"],
                                        appealDays: 10, appealCode: "c", requestedAt: Fixtures.requestedAt)
            let text = letters.render(request, sentAt: Fixtures.deliveredAt)
            #expect(!text.contains("{{"), "\(kind)")
            #expect(text.contains("case-1"))
        }
    }

    /// Each `{{` closes at the first `}}` after it, a `{{` never closed is text, and text from
    /// the request is never substituted into.
    @Test func placeholdersAreFilledOnceAndUnclosedBracesStayText() throws {
        let template = "A {{title}} B {{case_id}}}{{ C"
        let letters = try LetterTemplates(templates: [.sanctionNotice: template, .rewardInfo: "{{case_id}}", .liftInfo: "é{{subject}}é"])
        let request = NoticeRequest(caseID: "c-1", subject: Fixtures.subject, kind: .sanctionNotice, measures: [],
                                    title: "x {{case_id}}", reasons: [], appealDays: 10, appealCode: "c",
                                    requestedAt: Fixtures.requestedAt)
        #expect(letters.render(request, sentAt: Fixtures.deliveredAt) == "A x {{case_id}} B c-1}{{ C")
        var lift = request
        lift.kind = .liftInfo
        #expect(letters.render(lift, sentAt: Fixtures.deliveredAt) == "é\(Fixtures.subject.rawValue)é")
    }

    @Test func unknownPlaceholderOrMissingTemplateIsRejected() {
        #expect(throws: LetterTemplateError.self) {
            try LetterTemplates(templates: [.sanctionNotice: "{{case_id}} {{bogus}}", .rewardInfo: "", .liftInfo: ""])
        }
        #expect(throws: LetterTemplateError.self) { try LetterTemplates(templates: [.sanctionNotice: ""]) }
    }
}

/// The mailbox file itself: created with its directory, appended, and a disk error retryable.
@Suite struct MailboxFileTests {
    @Test func lettersAreAppendedToOneFilePerSubjectAndADiskErrorIsRetryable() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("mailbox-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("nested/mail")
        let subject = try SubjectCode(validating: "11010519491231002X")
        #expect(MailboxWriter.append("first letter", for: subject, in: directory) == .delivered)
        #expect(MailboxWriter.append("second letter\n", for: subject, in: directory) == .delivered)
        let text = try String(contentsOf: MailboxWriter.file(for: subject, in: directory), encoding: .utf8)
        let rule = MailboxWriter.separator
        #expect(text == "\(rule)\nfirst letter\n\(rule)\nsecond letter\n")

        // A file where the directory should be: no letter can be written, and the worker retries.
        let blocked = root.appendingPathComponent("blocked")
        try Data("not a directory".utf8).write(to: blocked)
        guard case .retryable(let reason) = MailboxWriter.append("lost?", for: subject, in: blocked) else {
            Issue.record("a write into a file path must be retryable")
            return
        }
        #expect(reason.contains("mailbox write failed"))
    }

    /// A round's letters in one call: each outcome is the letter's own, so a file that cannot be
    /// opened fails only its letter, and the others (a new file, an existing one, two letters for
    /// one subject) are appended in order.
    @Test func aRoundOfLettersHasAnOutcomePerLetter() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mailbox-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var rng = SplitMix64(seed: 43)
        let first = SubjectCode.random(.person, using: &rng), second = SubjectCode.random(.company, using: &rng)
        let blocked = SubjectCode.random(.organisation, using: &rng)
        #expect(Set([first, second, blocked]).count == 3)
        #expect(MailboxWriter.append("earlier", for: first, in: directory) == .delivered)
        // A directory where the blocked subject's file should be: it cannot be opened for writing.
        try FileManager.default.createDirectory(at: MailboxWriter.file(for: blocked, in: directory), withIntermediateDirectories: true)
        let outcomes = MailboxWriter.append([MailboxWriter.Letter("one", for: first), MailboxWriter.Letter("two", for: blocked),
                                             MailboxWriter.Letter("three", for: second), MailboxWriter.Letter("four\n", for: first)],
                                            in: directory)
        #expect(outcomes.count == 4)
        #expect(outcomes[0] == .delivered && outcomes[2] == .delivered && outcomes[3] == .delivered)
        guard case .retryable(let reason) = outcomes[1] else {
            Issue.record("a letter whose file cannot be opened must be retryable, got \(outcomes[1])")
            return
        }
        #expect(reason.contains(MailboxWriter.file(for: blocked, in: directory).path))
        let rule = MailboxWriter.separator
        #expect(try String(contentsOf: MailboxWriter.file(for: first, in: directory), encoding: .utf8)
                == "\(rule)\nearlier\n\(rule)\none\n\(rule)\nfour\n")
        #expect(try String(contentsOf: MailboxWriter.file(for: second, in: directory), encoding: .utf8) == "\(rule)\nthree\n")
        #expect(MailboxWriter.append([], in: directory).isEmpty)
    }
}

@Suite struct SignatureTests {
    /// RFC 4231 test case 2.
    @Test func matchesTheRFC4231Vector() {
        let header = WebhookSignature.header(body: Data("what do ya want for nothing?".utf8), secret: "Jefe")
        #expect(header == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func verifiesOnlyTheRightBodyAndSecret() {
        let body = Data(#"{"request_id":"x"}"#.utf8)
        let header = WebhookSignature.header(body: body, secret: "s1")
        #expect(WebhookSignature.isValid(header: header, body: body, secret: "s1"))
        #expect(!WebhookSignature.isValid(header: header, body: body, secret: "s2"))
        #expect(!WebhookSignature.isValid(header: header, body: Data(#"{"request_id":"y"}"#.utf8), secret: "s1"))
        #expect(!WebhookSignature.isValid(header: "sha256=zz", body: body, secret: "s1"))
    }

    @Test func statusClassification() {
        #expect(WebhookSender.classify(status: 200) == .delivered)
        #expect(WebhookSender.classify(status: 202) == .delivered)
        #expect(WebhookSender.classify(status: 503) == .retryable("webhook answered HTTP 503"))
        #expect(WebhookSender.classify(status: 429) == .retryable("webhook answered HTTP 429"))
        #expect(WebhookSender.classify(status: 404) == .permanent("webhook answered HTTP 404"))
        #expect(WebhookSender.classify(status: 301) == .permanent("webhook answered HTTP 301"))
    }
}
