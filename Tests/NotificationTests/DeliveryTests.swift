import CreditModel
import Foundation
import KafkaClient
import Notification
import Pipeline
import PostgresClient
import ServiceSupport
import Testing

/// The delivery worker against a real PostgreSQL schema and a real local HTTP receiver.
@Suite struct DeliveryTests {
    static let secret = "endpoint-secret-1"

    /// A migrated schema, a store, a manual clock and a worker over `routing`.
    struct Harness {
        let pool: PostgresPool
        let schema: String
        let store: NoticeStore
        let clock = ManualWallClock(Fixtures.deliveredAt)

        static func make() async throws -> Harness {
            let (pool, schema) = try await Fixtures.migratedSchema()
            return Harness(pool: pool, schema: schema, store: NoticeStore(schema: schema))
        }

        func worker(routing: ChannelRouting, maxAttempts: Int = 4, timeout: Duration = .seconds(5)) throws -> DeliveryWorker {
            var policy = DeliveryPolicy()
            policy.maxAttempts = maxAttempts
            policy.backoff = Backoff(initial: .milliseconds(20), maximum: .milliseconds(100))
            return DeliveryWorker(pool: pool, store: store, receiptTopic: "receipts", routing: routing,
                                  letters: try Fixtures.letters(), webhook: WebhookSender(timeout: timeout), policy: policy,
                                  clock: clock, publisher: nil, logger: Fixtures.logger)
        }

        func record(_ request: NoticeRequest) async throws -> Bool {
            let store = store
            return try await pool.withTransaction { try store.record(request, receivedAt: Fixtures.requestedAt, on: $0) }
        }

        /// Runs delivery rounds until `request` is no longer pending (or 30 s pass).
        func deliver(_ request: NoticeRequest, with worker: DeliveryWorker) async throws -> NoticeSummary {
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                try await worker.deliverDue()
                if let notice = try await notice(request), notice.status != "pending" { return notice }
                try await Task.sleep(for: .milliseconds(20))
            }
            Issue.record("notice still pending after 30 s")
            return try #require(try await notice(request))
        }

        func notice(_ request: NoticeRequest) async throws -> NoticeSummary? {
            try await store.notices(of: request.subject, pool: pool).first { $0.requestID == request.id }
        }

        func receipts() async throws -> [NoticeReceipt] { try await Fixtures.outboxReceipts(schema: schema, pool: pool) }
    }

    static func webhook(_ url: URL) -> ChannelRouting {
        ChannelRouting(defaultWebhook: WebhookEndpoint(url: url, secret: secret))
    }

    /// What one webhook scenario ended with.
    struct Outcome {
        let request: NoticeRequest
        let notice: NoticeSummary
        let calls: [WebhookReceiver.Call]
        let receipts: [NoticeReceipt]
        /// How long delivery took, to its final state.
        let elapsed: Duration
    }

    /// Records a fresh sanction notice and delivers it to a receiver answering call `n` with `reply(n)`.
    static func scenario(maxAttempts: Int = 4, timeout: Duration = .seconds(5),
                         reply: @escaping @Sendable (Int) -> WebhookReceiver.Reply) async throws -> Outcome {
        let harness = try await Harness.make()
        let request = Fixtures.sanctionNotice()
        let receiver = WebhookReceiver(reply: reply)
        let (notice, elapsed) = try await receiver.run { url in
            _ = try await harness.record(request)
            let worker = try harness.worker(routing: webhook(url), maxAttempts: maxAttempts, timeout: timeout)
            let started = ContinuousClock.now
            let notice = try await harness.deliver(request, with: worker)
            return (notice, ContinuousClock.now - started)
        }
        let receipts = try await harness.receipts()
        await harness.pool.shutdown()
        return Outcome(request: request, notice: notice, calls: receiver.received, receipts: receipts,
                       elapsed: elapsed)
    }

    @Test func webhook2xxIsDeliveredSignedAndReceipted() async throws {
        let outcome = try await Self.scenario { _ in .status(204) }
        let request = outcome.request
        #expect(outcome.notice.status == "delivered")
        #expect(outcome.notice.deliveredAt == Fixtures.deliveredAt)
        #expect(outcome.notice.channel == "webhook")
        try #require(outcome.calls.count == 1)
        let call = outcome.calls[0]
        #expect(call.requestID == request.id)
        #expect(WebhookSignature.isValid(header: call.signature ?? "", body: call.body, secret: Self.secret))
        #expect(!WebhookSignature.isValid(header: call.signature ?? "", body: call.body, secret: "another-secret"))
        let payload = try MessageCoding.makeDecoder().decode(WebhookPayload.self, from: call.body)
        #expect(payload.requestID == request.id)
        #expect(payload.caseID == request.caseID)
        #expect(payload.appealDeadline == Fixtures.deliveredAt.addingTimeInterval(10 * 86_400))
        #expect(payload.letter.contains("APL-7Q2K"))
        #expect(outcome.receipts.count == 1)
        #expect(outcome.receipts.first?.status == .delivered)
        #expect(outcome.receipts.first?.deliveredAt == Fixtures.deliveredAt)
        #expect(outcome.receipts.first?.requestID == request.id)
    }

    @Test func webhook500ThenSucceedsOnRetry() async throws {
        let outcome = try await Self.scenario { index in index == 0 ? .status(500) : .status(200) }
        #expect(outcome.notice.status == "delivered")
        #expect(outcome.notice.attempts == 2)
        #expect(outcome.calls.count == 2)
        #expect(Set(outcome.calls.map(\.requestID)) == [outcome.request.id])
        #expect(outcome.receipts.map(\.status) == [.delivered])
    }

    @Test func webhook429IsRetried() async throws {
        let outcome = try await Self.scenario { index in index == 0 ? .status(429) : .status(200) }
        #expect(outcome.notice.status == "delivered")
        #expect(outcome.calls.count == 2)
    }

    @Test func webhook400FailsPermanentlyWithoutRetry() async throws {
        let outcome = try await Self.scenario { _ in .status(400) }
        #expect(outcome.notice.status == "failed")
        #expect(outcome.notice.attempts == 1)
        #expect(outcome.calls.count == 1)
        #expect(outcome.receipts.map(\.status) == [.failed])
        #expect(outcome.receipts.first?.deliveredAt == nil)
        #expect(outcome.receipts.first?.reason?.contains("400") == true)
    }

    @Test func webhookRedirectIsNotFollowed() async throws {
        let outcome = try await Self.scenario { _ in .redirect }
        #expect(outcome.notice.status == "failed")
        #expect(outcome.calls.count == 1)
        #expect(outcome.notice.lastError?.contains("307") == true)
    }

    @Test func webhookTimeoutsExhaustTheRetryBudget() async throws {
        let outcome = try await Self.scenario(maxAttempts: 2, timeout: .milliseconds(400)) { _ in .hang(.seconds(6)) }
        // Each attempt waits out its 400 ms, and no longer: an attempt that did not time out would
        // take the receiver's 6 s. (The bound leaves room for a loaded machine: 2.66 s was seen
        // with the whole suite running, against 2.5 s allowed before.)
        #expect(outcome.elapsed >= .milliseconds(800))
        #expect(outcome.elapsed < .seconds(5))
        #expect(outcome.notice.status == "failed")
        #expect(outcome.notice.attempts == 2)
        #expect(outcome.notice.lastError?.contains("retry budget exhausted") == true)
        #expect(outcome.notice.lastError?.contains("timed out") == true)
        #expect(outcome.calls.count == 2)
        #expect(outcome.receipts.map(\.status) == [.failed])
    }

    /// Responses that arrive as their timeouts fire, from callers that are cancelled meanwhile:
    /// every send still ends with exactly one outcome (the continuation is resumed once), and
    /// the caller's cancellation never reaches URLSession.
    @Test func timeoutsRacingResponsesAndCancelledCallersEachGetOneOutcome() async throws {
        let receiver = WebhookReceiver { _ in .hang(.milliseconds(40)) }
        let sender = WebhookSender(timeout: .milliseconds(40))
        let outcomes = try await receiver.run { url in
            let endpoint = WebhookEndpoint(url: url, secret: Self.secret)
            return await withTaskGroup(of: DeliveryOutcome.self) { group in
                for index in 0..<48 {
                    group.addTask {
                        let send = Task { await sender.send(Data("{}".utf8), requestID: "race-\(index)", to: endpoint) }
                        if index.isMultiple(of: 2) {
                            try? await Task.sleep(for: .milliseconds(38 + index % 5))
                            send.cancel()
                        }
                        return await send.value
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }
        #expect(outcomes.count == 48)
        for outcome in outcomes {
            switch outcome {
            case .delivered: break
            case .retryable(let reason): #expect(reason.contains("timed out"), "\(reason)")
            case .permanent(let reason): Issue.record("unexpected permanent failure: \(reason)")
            }
        }
    }

    @Test func connectionRefusedIsRetriedThenFails() async throws {
        let harness = try await Harness.make()
        let request = Fixtures.sanctionNotice()
        // Port 9 (discard) on loopback: nothing listens, the connection is refused.
        let worker = try harness.worker(routing: Self.webhook(URL(string: "http://127.0.0.1:9/hook")!), maxAttempts: 2)
        _ = try await harness.record(request)
        let notice = try await harness.deliver(request, with: worker)
        #expect(notice.status == "failed")
        #expect(notice.attempts == 2)
        #expect(notice.lastError?.contains("connection failed") == true)
        await harness.pool.shutdown()
    }

    @Test func aRecordedRequestIsNotRecordedOrSentAgain() async throws {
        let harness = try await Harness.make()
        let request = Fixtures.sanctionNotice()
        let receiver = WebhookReceiver { _ in .status(200) }
        try await receiver.run { url in
            #expect(try await harness.record(request))
            let worker = try harness.worker(routing: Self.webhook(url))
            _ = try await harness.deliver(request, with: worker)
            #expect(try await !harness.record(request))
            try await worker.deliverDue()
        }
        #expect(receiver.received.count == 1)
        #expect(try await harness.receipts().count == 1)
        await harness.pool.shutdown()
    }

    @Test func aClaimAbandonedByACrashIsDeliveredAfterItsLease() async throws {
        let harness = try await Harness.make()
        let request = Fixtures.sanctionNotice()
        let receiver = WebhookReceiver { _ in .status(200) }
        let notice = try await receiver.run { url in
            _ = try await harness.record(request)
            // A worker claims the notice and dies before recording an outcome.
            let claimed = try await harness.store.claim(limit: 10, lease: .seconds(1), pool: harness.pool)
            #expect(claimed.map(\.request.id) == [request.id])
            let worker = try harness.worker(routing: Self.webhook(url))
            #expect(try await worker.deliverDue() == 0, "hidden from other workers while leased")
            return try await harness.deliver(request, with: worker)
        }
        #expect(notice.status == "delivered")
        #expect(notice.attempts == 2)
        #expect(receiver.received.count == 1)
        await harness.pool.shutdown()
    }

    @Test func mailboxAppendsThePlainTextLetter() async throws {
        let harness = try await Harness.make()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mailbox-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = Fixtures.sanctionNotice(caseID: "case-mailbox-1")
        let second = NoticeRequest(caseID: "case-mailbox-2", subject: Fixtures.subject, kind: .rewardInfo,
                                   measures: [Measure(rawValue: "hotel.no_deposit")], title: "You may stay without a deposit",
                                   reasons: ["grade AAA on scheme citizen"], requestedAt: Fixtures.requestedAt)
        let worker = try harness.worker(routing: ChannelRouting(mailboxDirectory: directory))
        _ = try await harness.record(first)
        #expect(try await harness.deliver(first, with: worker).status == "delivered")
        _ = try await harness.record(second)
        #expect(try await harness.deliver(second, with: worker).channel == "mailbox")

        let text = try String(contentsOf: MailboxWriter.file(for: Fixtures.subject, in: directory), encoding: .utf8)
        let letters = try Fixtures.letters()
        let expected = MailboxWriter.separator + "\n" + letters.render(first, sentAt: Fixtures.deliveredAt)
            + MailboxWriter.separator + "\n" + letters.render(second, sentAt: Fixtures.deliveredAt)
        #expect(text == expected)
        #expect(text.components(separatedBy: MailboxWriter.separator).count == 3)
        #expect(text.contains("Case: case-mailbox-1"))
        #expect(text.contains("within 10 days of\nreceiving this notice, that is until 28 November 2026, 12:06 UTC"))
        #expect(text.contains("quoting the appeal code\nAPL-7Q2K"))
        #expect(text.contains("  - travel.flight_ban: the subject"))
        #expect(text.contains("  - court reported court.order_ignored"))
        #expect(text.contains("NOTICE OF A REWARD"))
        #expect(try await harness.receipts().map(\.channel) == [.mailbox, .mailbox])
        await harness.pool.shutdown()
    }

    @Test func aRoundRecordsAllItsOutcomesOnceWithOneReceiptEach() async throws {
        let harness = try await Harness.make()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mailbox-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let requests = (1...4).map { Fixtures.sanctionNotice(caseID: "case-round-\($0)") }
        for request in requests { #expect(try await harness.record(request)) }
        let worker = try harness.worker(routing: ChannelRouting(mailboxDirectory: directory))
        #expect(try await worker.deliverDue() == 4)
        #expect(try await worker.deliverDue() == 0, "nothing left pending")
        for request in requests {
            let notice = try #require(try await harness.notice(request))
            #expect(notice.status == "delivered" && notice.deliveredAt == Fixtures.deliveredAt && notice.channel == "mailbox")
        }
        let receipts = try await harness.receipts()
        #expect(Set(receipts.map(\.requestID)) == Set(requests.map(\.id)) && receipts.count == 4)
        #expect(receipts.allSatisfy { $0.status == .delivered && $0.deliveredAt == Fixtures.deliveredAt })

        // Marking again (another worker got there first) changes nothing and reports nothing.
        let store = harness.store
        let again = try await harness.pool.withTransaction { connection in
            try store.markFinal([NoticeStore.FinalOutcome(requestID: requests[0].id, status: .failed, at: Fixtures.deliveredAt,
                                                          reason: "late", channel: .mailbox)], on: connection)
        }
        #expect(again.isEmpty)
        #expect(try await harness.notice(requests[0])?.status == "delivered")
        await harness.pool.shutdown()
    }

    /// One round with a webhook subject and mailbox subjects: the webhook gets its notice, the
    /// mailbox letters are appended together, in claim order within a subject's file (two for one
    /// subject), and every notice is recorded with its own channel and receipt.
    @Test func aRoundWithWebhookAndMailboxDeliversEachByItsChannel() async throws {
        let harness = try await Harness.make()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mailbox-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var rng = SplitMix64(seed: 41)
        let hooked = SubjectCode.random(.person, using: &rng), other = SubjectCode.random(.company, using: &rng)
        #expect(Set([hooked, other, Fixtures.subject]).count == 3)
        let requests = [Fixtures.sanctionNotice(caseID: "case-mixed-1", subject: hooked),
                        Fixtures.sanctionNotice(caseID: "case-mixed-2"),
                        Fixtures.sanctionNotice(caseID: "case-mixed-3", subject: other),
                        Fixtures.sanctionNotice(caseID: "case-mixed-4")]
        for request in requests { #expect(try await harness.record(request)) }
        let receiver = WebhookReceiver { _ in .status(200) }
        let attempted = try await receiver.run { url in
            let routing = ChannelRouting(webhooks: [hooked.rawValue: WebhookEndpoint(url: url, secret: Self.secret)],
                                         mailboxDirectory: directory)
            return try await harness.worker(routing: routing).deliverDue()
        }
        #expect(attempted == 4)
        #expect(receiver.received.map { $0.requestID } == [requests[0].id])
        for request in requests {
            let notice = try #require(try await harness.notice(request))
            #expect(notice.status == "delivered")
            #expect(notice.channel == (request.subject == hooked ? "webhook" : "mailbox"))
        }
        let mine = try String(contentsOf: MailboxWriter.file(for: Fixtures.subject, in: directory), encoding: .utf8)
        let first = try #require(mine.range(of: "case-mixed-2")), second = try #require(mine.range(of: "case-mixed-4"))
        #expect(first.lowerBound < second.lowerBound)
        #expect(mine.components(separatedBy: MailboxWriter.separator).count == 3)
        #expect(try String(contentsOf: MailboxWriter.file(for: other, in: directory), encoding: .utf8).contains("case-mixed-3"))
        #expect(!FileManager.default.fileExists(atPath: MailboxWriter.file(for: hooked, in: directory).path))
        let receipts = try await harness.receipts()
        #expect(receipts.count == 4)
        #expect(Set(receipts.map { $0.requestID }) == Set(requests.map { $0.id }))
        #expect(receipts.first { $0.requestID == requests[0].id }?.channel == .webhook)
        await harness.pool.shutdown()
    }

    @Test func noChannelFailsPermanently() async throws {
        let harness = try await Harness.make()
        let request = Fixtures.sanctionNotice()
        _ = try await harness.record(request)
        let notice = try await harness.deliver(request, with: try harness.worker(routing: ChannelRouting()))
        #expect(notice.status == "failed")
        #expect(notice.lastError?.hasPrefix("no_channel") == true)
        await harness.pool.shutdown()
    }
    /// A consumer batch is recorded in one statement: each readable request once (a copy in the
    /// same batch or a redelivered batch adds nothing), stored as the JSON it arrived with, an
    /// undeliverable one answered with one failed receipt, an unreadable one rejected.
    @Test func aBatchRecordsEachRequestOnce() async throws {
        let harness = try await Harness.make()
        let handler = NoticeRequestHandler(store: harness.store, receiptTopic: "receipts", routing: ChannelRouting(),
                                           clock: harness.clock, logger: Fixtures.logger)
        let good = Fixtures.sanctionNotice()
        var noCode = Fixtures.sanctionNotice()
        noCode.appealCode = nil
        let messages = try [good, noCode, good].map { try MessageCoding.encodeBytes($0) } + [Array("not json".utf8)]
        let batch = messages.enumerated().map { index, value in
            KafkaMessage(topic: "requests", partition: 0, offset: Int64(index), key: nil, value: value)
        }
        let first = try await harness.pool.withTransaction { try handler.handle(batch, on: $0) }
        let receipts = try first.map { try MessageCoding.decode(NoticeReceipt.self, from: Data($0.payload)) }
        #expect(receipts.map(\.requestID) == [noCode.id] && receipts.map(\.status) == [.failed])
        #expect(try await harness.notice(good)?.status == "pending")
        #expect(try await harness.notice(noCode)?.status == "failed")
        let stored = try await harness.pool.query("""
            SELECT request::text FROM \(identifier: harness.schema).notices WHERE request_id = \(UUID(uuidString: good.id))
            """).map { try $0.decode(String.self, at: 0) }
        #expect(try stored.map { try MessageCoding.decode(NoticeRequest.self, from: Data($0.utf8)) } == [good])
        let counts = try await harness.pool.query("""
            SELECT (SELECT count(*) FROM \(identifier: harness.schema).notices)::int,
                   (SELECT count(*) FROM \(identifier: harness.schema).rejected_requests)::int
            """).map { [try $0.decode(Int.self, at: 0), try $0.decode(Int.self, at: 1)] }
        #expect(counts == [[2, 1]])
        let again = try await harness.pool.withTransaction { try handler.handle(Array(batch.prefix(3)), on: $0) }
        #expect(again.isEmpty)
        await harness.pool.shutdown()
    }
}
