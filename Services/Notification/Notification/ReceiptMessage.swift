import CreditModel
import Foundation
import Pipeline

/// Builds the outbox message carrying a `notice-receipt/1`, keyed by the subject code.
enum ReceiptMessage {
    /// The receipt as an outgoing message on `topic`; its id is the receipt's deterministic id.
    static func make(_ receipt: NoticeReceipt, topic: String) throws -> OutboxMessage {
        guard let id = UUID(uuidString: receipt.id) else { throw InvalidMessageID(id: receipt.id) }
        return OutboxMessage(id: id, topic: topic, key: receipt.subject.rawValue, payload: Array(try MessageCoding.encode(receipt)))
    }

    /// A message id that is not a UUID (cannot happen with `MessageID`).
    struct InvalidMessageID: Error {
        let id: String
    }
}
