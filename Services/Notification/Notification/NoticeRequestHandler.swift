import CreditModel
import Foundation
import KafkaClient
import Logging
import Metrics
import Pipeline
import PostgresClient
import ServiceSupport

/// Consumes `notice-request/1` (DESIGN §9 batch transaction). It only records: each readable
/// request is stored as `pending` under its id (a redelivered request is ignored, so a notice
/// is never delivered twice through redelivery); delivery happens later in `DeliveryWorker`,
/// outside the consume transaction, so a slow webhook never holds up the partition.
///
/// A message that is not a readable request becomes a row of `rejected_requests`; a readable
/// request that cannot be delivered as asked (a sanction notice without appeal days or appeal
/// code) is stored as `failed` and answered with a failed receipt at once.
public struct NoticeRequestHandler: BatchHandler {
    /// The store of the service's schema.
    public let store: NoticeStore
    /// Where receipts go (`notifications.delivered`).
    public let receiptTopic: String
    /// The channels, to name the one a failed receipt would have used.
    public let routing: ChannelRouting
    /// Business time (failure times).
    public let clock: any WallClock
    private let logger: Logger
    private let rejected = Counter(label: "notification_requests_rejected_total")
    private let recorded = Counter(label: "notification_requests_recorded_total")

    /// A handler recording into `store`.
    public init(store: NoticeStore, receiptTopic: String, routing: ChannelRouting, clock: any WallClock, logger: Logger) {
        self.store = store
        self.receiptTopic = receiptTopic
        self.routing = routing
        self.clock = clock
        self.logger = logger
    }

    /// Records every request of the batch (one statement); returns failed receipts for unusable
    /// ones. A request is stored as its message's JSON, not encoded again.
    public func handle(_ batch: [KafkaMessage], on connection: isolated PostgresConnection) throws -> [OutboxMessage] {
        var readable: [(request: NoticeRequest, json: String)] = []
        for message in batch {
            let request: NoticeRequest
            do {
                request = try MessageCoding.decode(NoticeRequest.self, from: message.value)
            } catch {
                try reject(message, reason: Self.reason(for: message), error: error, on: connection)
                continue
            }
            guard UUID(uuidString: request.id) != nil else {
                try reject(message, reason: "invalid_field", error: InvalidRequestID(id: request.id), on: connection)
                continue
            }
            readable.append((request, String(decoding: message.value, as: UTF8.self)))
        }
        let recordedIDs = try store.record(readable, receivedAt: clock.now(), on: connection)
        var outgoing: [OutboxMessage] = []
        var answered = Set<String>()
        for (request, _) in readable {
            // Once per recorded request (the first of two copies in the batch).
            guard recordedIDs.contains(request.id.lowercased()), answered.insert(request.id.lowercased()).inserted else { continue }
            recorded.increment()
            if let problem = Self.problem(with: request) {
                logger.warning("notice request cannot be delivered as asked", metadata: ["request_id": "\(request.id)", "problem": "\(problem)"])
                let reason = "invalid_request: \(problem)"
                let channel = routing.route(for: request.subject)?.channel ?? .mailbox
                if try store.markFailed(request.id, at: clock.now(), reason: reason, channel: channel, on: connection) {
                    let receipt = NoticeReceipt(request: request, status: .failed, deliveredAt: nil, reason: reason, channel: channel)
                    outgoing.append(try ReceiptMessage.make(receipt, topic: receiptTopic))
                }
            }
        }
        return outgoing
    }

    /// Records a message that failed alone as a dead letter.
    public func deadLetter(_ message: KafkaMessage, error: any Error, on connection: isolated PostgresConnection) throws -> [OutboxMessage] {
        try reject(message, reason: Self.reason(for: message), error: error, on: connection)
        return []
    }

    /// What makes a readable request undeliverable, or nil.
    static func problem(with request: NoticeRequest) -> String? {
        guard request.kind == .sanctionNotice else { return nil }
        guard let days = request.appealDays, days > 0 else { return "a sanction notice needs appeal_days > 0" }
        guard let code = request.appealCode, !code.isEmpty else { return "a sanction notice needs an appeal_code" }
        return nil
    }

    /// `invalid_json` when the bytes are not JSON at all, else `invalid_schema`.
    static func reason(for message: KafkaMessage) -> String {
        (try? JSONSerialization.jsonObject(with: Data(message.value))) == nil ? "invalid_json" : "invalid_schema"
    }

    /// A request whose id is not a UUID (`MessageID` ids always are).
    struct InvalidRequestID: Error, CustomStringConvertible {
        let id: String
        var description: String { "the request id '\(id)' is not a UUID" }
    }

    private func reject(_ message: KafkaMessage, reason: String, error: any Error, on connection: isolated PostgresConnection) throws {
        rejected.increment()
        logger.error("unreadable notice request recorded as a dead letter", metadata: [
            "topic": "\(message.topic)", "partition": "\(message.partition)", "offset": "\(message.offset)",
            "reason": "\(reason)", "error": "\(error)",
        ])
        try store.reject(topic: message.topic, partition: message.partition, offset: message.offset, raw: message.value,
                         reason: reason, message: "\(error)", on: connection)
    }
}
