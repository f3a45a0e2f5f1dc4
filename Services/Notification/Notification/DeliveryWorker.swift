import CreditModel
import Foundation
import Logging
import Metrics
import Pipeline
import PostgresClient
import ServiceLifecycle
import ServiceSupport

/// Delivers pending notices, outside any consume transaction.
///
/// Each round claims due `pending` rows (`FOR UPDATE SKIP LOCKED`, so several workers share
/// the work) by raising their attempt count and hiding them for a lease, delivers them
/// concurrently, and records the round's outcomes: delivered or failed notices together in one
/// transaction (with their `notice-receipt/1` messages enqueued in the outbox in it), retries
/// rescheduled with backoff. Retries live in the table (`next_attempt_at`), so they survive restarts.
///
/// **At most one resend after a crash.** Sending and recording cannot be one atomic step:
/// if the process dies after the webhook accepted a notice (or the letter was appended) but
/// before the delivery is committed, the notice is still `pending` and is sent again when its
/// lease runs out. Only that in-flight attempt can repeat, once per crash. The webhook body
/// and `X-Request-Id` carry the request id, so receivers de-duplicate; mailbox letters name it.
/// A request redelivered by Kafka is never sent again: its id is already stored.
///
/// The delivery time in the receipt (which starts the appeal window) is the business-clock
/// time at which the successful attempt was made; the letter's deadline counts from it too.
public final class DeliveryWorker: Service, Sendable {
    private let pool: PostgresPool
    private let store: NoticeStore
    private let outbox: Outbox
    private let receiptTopic: String
    private let routing: ChannelRouting
    private let letters: LetterTemplates
    private let webhook: WebhookSender
    private let policy: DeliveryPolicy
    private let clock: any WallClock
    private let publisher: OutboxPublisher?
    private let logger: Logger
    private let delivered = Counter(label: "notification_delivered_total")
    private let failed = Counter(label: "notification_failed_total")
    private let retried = Counter(label: "notification_retries_total")

    /// A worker over `store`'s schema; `publisher` gets the receipts of each round.
    public init(pool: PostgresPool, store: NoticeStore, receiptTopic: String, routing: ChannelRouting,
                letters: LetterTemplates, webhook: WebhookSender, policy: DeliveryPolicy, clock: any WallClock,
                publisher: OutboxPublisher?, logger: Logger) {
        self.pool = pool
        self.store = store
        outbox = Outbox(schema: store.schema)
        self.receiptTopic = receiptTopic
        self.routing = routing
        self.letters = letters
        self.webhook = webhook
        self.policy = policy
        self.clock = clock
        self.publisher = publisher
        self.logger = logger
    }

    /// Delivers until graceful shutdown (an attempt in flight is finished and recorded).
    public func run() async throws {
        // Transient (database restarting) or not (a bug, a bad row): either way the worker backs
        // off and tries again rather than taking the service down.
        await PeriodicJob.run("delivery", every: policy.pollInterval, logger: logger) { try await deliverDue() > 0 }
    }

    /// Claims and delivers one round of due notices; returns how many were attempted. Webhook
    /// notices are sent concurrently; the round's mailbox letters are appended together, on the
    /// writer's queue. The final outcomes of the round are recorded together, in one transaction.
    @discardableResult
    public func deliverDue() async throws -> Int {
        let claimed = try await store.claim(limit: policy.concurrency, lease: policy.lease, pool: pool)
        guard !claimed.isEmpty else { return 0 }
        var mailboxes: [URL: [(notice: ClaimedNotice, letter: String, sentAt: Date)]] = [:]
        var webhooks: [(notice: ClaimedNotice, endpoint: WebhookEndpoint)] = []
        var unroutable: [Attempt] = []
        for notice in claimed {
            switch routing.route(for: notice.request.subject) {
            case .mailbox(let directory):
                let sentAt = clock.now()
                mailboxes[directory, default: []].append((notice, letters.render(notice.request, sentAt: sentAt), sentAt))
            case .webhook(let endpoint):
                webhooks.append((notice, endpoint))
            case nil:
                unroutable.append(Attempt(notice: notice, outcome: .permanent("no_channel: no webhook or mailbox is configured for this subject"),
                                          channel: .mailbox, sentAt: clock.now()))
            }
        }
        let attempts = await withTaskGroup(of: [Attempt].self) { group in
            for (notice, endpoint) in webhooks {
                group.addTask { [await self.attempt(notice, to: endpoint)] }
            }
            for (directory, round) in mailboxes {
                group.addTask {
                    let outcomes = await MailboxWriter.appendInBackground(
                        round.map { MailboxWriter.Letter($0.letter, for: $0.notice.request.subject) }, in: directory)
                    return zip(round, outcomes).map { Attempt(notice: $0.notice, outcome: $1, channel: .mailbox, sentAt: $0.sentAt) }
                }
            }
            var attempts = unroutable
            for await some in group { attempts += some }
            return attempts
        }
        try await finish(attempts)
        return claimed.count
    }

    /// One delivery attempt and what came of it.
    private struct Attempt: Sendable {
        var notice: ClaimedNotice
        var outcome: DeliveryOutcome
        var channel: NoticeReceipt.Channel
        var sentAt: Date
    }

    /// One attempt to deliver a notice to its webhook.
    private func attempt(_ notice: ClaimedNotice, to endpoint: WebhookEndpoint) async -> Attempt {
        let request = notice.request
        let sentAt = clock.now()
        let outcome: DeliveryOutcome
        do {
            let letter = letters.render(request, sentAt: sentAt)
            let body = try MessageCoding.encode(WebhookPayload(request: request, sentAt: sentAt, letter: letter))
            outcome = await webhook.send(body, requestID: request.id, to: endpoint)
        } catch {
            outcome = .permanent("cannot encode the webhook body: \(error)")
        }
        return Attempt(notice: notice, outcome: outcome, channel: .webhook, sentAt: sentAt)
    }

    /// Records a round's outcomes: delivered and failed notices first, all in one transaction
    /// with their receipts (it used to be one transaction, with its own WAL flush, per notice),
    /// so that a failing reschedule cannot leave a sent notice unrecorded; then the retries,
    /// one by one.
    private func finish(_ attempts: [Attempt]) async throws {
        var finals: [Final] = []
        var retries: [(attempt: Attempt, reason: String)] = []
        for attempt in attempts {
            let request = attempt.notice.request
            func final(_ status: NoticeReceipt.Status, at time: Date, reason: String?) {
                finals.append(Final(request: request, outcome: NoticeStore.FinalOutcome(
                    requestID: request.id, status: status, at: time, reason: reason, channel: attempt.channel),
                                    metadata: Self.metadata(attempt)))
            }
            switch attempt.outcome {
            case .delivered:
                final(.delivered, at: attempt.sentAt, reason: nil)
            case .retryable(let reason) where attempt.notice.attempt < policy.maxAttempts:
                retries.append((attempt, reason))
            case .retryable(let reason):
                final(.failed, at: clock.now(), reason: "retry budget exhausted after \(attempt.notice.attempt) attempts: \(reason)")
            case .permanent(let reason):
                final(.failed, at: clock.now(), reason: reason)
            }
        }
        if let receipts = try await record(finals) { publisher?.publish(receipts) }
        for final in finals {
            if final.outcome.status == .delivered {
                delivered.increment()
                logger.info("notice delivered", metadata: final.metadata)
            } else {
                failed.increment()
                logger.error("notice failed permanently",
                             metadata: final.metadata.merging(["error": "\(final.outcome.reason ?? "")"]) { $1 })
            }
        }
        for (attempt, reason) in retries {
            let delay = policy.backoff.delay(attempt: attempt.notice.attempt - 1)
            try await store.reschedule(attempt.notice.request.id, attempt: attempt.notice.attempt, after: delay, error: reason,
                                       channel: attempt.channel, pool: pool)
            retried.increment()
            logger.notice("notice delivery failed; will retry",
                          metadata: Self.metadata(attempt).merging(["error": "\(reason)", "delay": "\(delay)"]) { $1 })
        }
    }

    /// A delivered or failed notice of a round, to record.
    private struct Final {
        var request: NoticeRequest
        var outcome: NoticeStore.FinalOutcome
        var metadata: Logger.Metadata
    }

    private static func metadata(_ attempt: Attempt) -> Logger.Metadata {
        ["request_id": "\(attempt.notice.request.id)", "attempt": "\(attempt.notice.attempt)", "channel": "\(attempt.channel.rawValue)"]
    }

    /// In one transaction: the final states and, for each notice that was still pending, its
    /// receipt in the outbox; returns the receipts enqueued, for the publisher.
    private func record(_ finals: [Final]) async throws -> Outbox.Enqueued? {
        guard !finals.isEmpty else { return nil }
        let store = store, outbox = outbox, topic = receiptTopic
        return try await pool.withTransaction { connection in
            let changed = try store.markFinal(finals.map(\.outcome), on: connection)
            let receipts = try finals.filter { changed.contains($0.request.id.lowercased()) }.map { final in
                try ReceiptMessage.make(NoticeReceipt(request: final.request, status: final.outcome.status,
                                                      deliveredAt: final.outcome.status == .delivered ? final.outcome.at : nil,
                                                      reason: final.outcome.reason, channel: final.outcome.channel), topic: topic)
            }
            return try outbox.enqueue(receipts, on: connection)
        }
    }
}
