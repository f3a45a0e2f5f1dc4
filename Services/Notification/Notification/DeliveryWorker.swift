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
/// concurrently, and records each outcome in its own transaction: delivered or failed (with
/// the `notice-receipt/1` enqueued in the outbox in the same transaction), or rescheduled with
/// backoff. Retries live in the table (`next_attempt_at`), so they survive restarts.
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

    /// A worker over `store`'s schema; `publisher` is woken after each recorded outcome.
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

    /// Claims and delivers one round of due notices; returns how many were attempted.
    @discardableResult
    public func deliverDue() async throws -> Int {
        let claimed = try await store.claim(limit: policy.concurrency, lease: policy.lease, pool: pool)
        guard !claimed.isEmpty else { return 0 }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for notice in claimed {
                group.addTask { try await self.deliver(notice) }
            }
            try await group.waitForAll()
        }
        publisher?.wake()
        return claimed.count
    }

    /// One attempt for one notice, then its outcome recorded.
    private func deliver(_ notice: ClaimedNotice) async throws {
        let request = notice.request
        let sentAt = clock.now()
        guard let route = routing.route(for: request.subject) else {
            try await finish(notice, .permanent("no_channel: no webhook or mailbox is configured for this subject"),
                             channel: .mailbox, at: sentAt)
            return
        }
        let letter = letters.render(request, sentAt: sentAt)
        let outcome: DeliveryOutcome
        switch route {
        case .webhook(let endpoint):
            do {
                let body = try MessageCoding.encode(WebhookPayload(request: request, sentAt: sentAt, letter: letter))
                outcome = await webhook.send(body, requestID: request.id, to: endpoint)
            } catch {
                outcome = .permanent("cannot encode the webhook body: \(error)")
            }
        case .mailbox(let directory):
            outcome = await MailboxWriter.appendInBackground(letter, for: request.subject, in: directory)
        }
        try await finish(notice, outcome, channel: route.channel, at: sentAt)
    }

    /// Records `outcome`: delivered or failed with a receipt, or a retry later.
    private func finish(_ notice: ClaimedNotice, _ outcome: DeliveryOutcome, channel: NoticeReceipt.Channel,
                        at sentAt: Date) async throws {
        let request = notice.request
        let metadata: Logger.Metadata = ["request_id": "\(request.id)", "attempt": "\(notice.attempt)", "channel": "\(channel.rawValue)"]
        switch outcome {
        case .delivered:
            try await record(request, status: .delivered, at: sentAt, reason: nil, channel: channel)
            delivered.increment()
            logger.info("notice delivered", metadata: metadata)
        case .retryable(let reason) where notice.attempt < policy.maxAttempts:
            let delay = policy.backoff.delay(attempt: notice.attempt - 1)
            try await store.reschedule(request.id, attempt: notice.attempt, after: delay, error: reason, channel: channel, pool: pool)
            retried.increment()
            logger.notice("notice delivery failed; will retry", metadata: metadata.merging(["error": "\(reason)", "delay": "\(delay)"]) { $1 })
        case .retryable(let reason):
            let final = "retry budget exhausted after \(notice.attempt) attempts: \(reason)"
            try await record(request, status: .failed, at: clock.now(), reason: final, channel: channel)
            failed.increment()
            logger.error("notice failed permanently", metadata: metadata.merging(["error": "\(final)"]) { $1 })
        case .permanent(let reason):
            try await record(request, status: .failed, at: clock.now(), reason: reason, channel: channel)
            failed.increment()
            logger.error("notice failed permanently", metadata: metadata.merging(["error": "\(reason)"]) { $1 })
        }
    }

    /// In one transaction: the final state and its receipt in the outbox (only if still pending).
    private func record(_ request: NoticeRequest, status: NoticeReceipt.Status, at time: Date, reason: String?,
                        channel: NoticeReceipt.Channel) async throws {
        let store = store, outbox = outbox, topic = receiptTopic
        try await pool.withTransaction { connection in
            let changed: Bool
            switch status {
            case .delivered: changed = try store.markDelivered(request.id, at: time, channel: channel, on: connection)
            case .failed: changed = try store.markFailed(request.id, at: time, reason: reason ?? "failed", channel: channel, on: connection)
            }
            guard changed else { return }
            let receipt = NoticeReceipt(request: request, status: status, deliveredAt: status == .delivered ? time : nil,
                                        reason: reason, channel: channel)
            try outbox.enqueue([try ReceiptMessage.make(receipt, topic: topic)], on: connection)
        }
    }
}
