import CreditModel
import Foundation
import KafkaClient
import Logging

/// One `decision/1` as an enforcer reads it from `sanctions.decisions`.
public struct DecisionView: Codable, Sendable, Hashable {
    /// The case.
    public var caseID: String
    /// The subject it binds.
    public var subject: String
    /// The measure.
    public var measure: String
    /// `imposed`, `lifted`, `granted` or `revoked`.
    public var action: String
    /// The policy, `id@version`.
    public var policy: String
    /// Why.
    public var reason: String
    /// From when (RFC 3339).
    public var effectiveAt: String

    enum CodingKeys: String, CodingKey {
        case caseID = "case_id"
        case subject, measure, action, policy, reason
        case effectiveAt = "effective_at"
    }
}

/// Reads `sanctions.decisions` as an enforcer does, in a group of its own from the start of the
/// topic, and keeps the decisions about the subjects it was asked to watch.
public actor DecisionFeed {
    private let consumer: KafkaConsumer
    private var watched: Set<String> = []
    private var decisions: [String: [DecisionView]] = [:]
    private var failure: String?
    private var task: Task<Void, Never>?

    /// Subscribes a consumer of a fresh group to `sanctions.decisions` on `bootstrap`.
    public init(bootstrap: String, logger: Logger) async throws {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: bootstrap, groupID: "creditctl-demo-\(UUID().uuidString)")
        configuration.clientID = "creditctl-demo"
        configuration.autoOffsetReset = .earliest
        consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        try await consumer.subscribe(topics: [Topics.sanctionsDecisions])
    }

    /// Starts polling in the background.
    public func start() {
        guard task == nil else { return }
        let consumer = consumer
        task = Task { [weak self] in
            while !Task.isCancelled {
                do {
                    let batch = try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(300))
                    await self?.record(batch)
                } catch {
                    await self?.fail("\(error)")
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
        }
    }

    /// Keeps decisions about `subject` from now on (and those already read).
    public func watch(_ subject: String) { watched.insert(subject) }

    /// The decisions read so far about `subject`, in topic order.
    public func decisions(about subject: String) -> [DecisionView] { decisions[subject] ?? [] }

    /// The last consumer error, if any (shown when a wait for a decision times out).
    public var lastFailure: String? { failure }

    /// Stops polling and leaves the group.
    public func stop() async {
        task?.cancel()
        await task?.value
        task = nil
        await consumer.close()
    }

    private func record(_ batch: [KafkaMessage]) {
        for message in batch {
            guard let key = message.keyString, watched.contains(key),
                  let decision = try? JSONDecoder().decode(DecisionView.self, from: Data(message.value)) else { continue }
            if !decisions[key, default: []].contains(decision) { decisions[key, default: []].append(decision) }
        }
    }

    private func fail(_ message: String) { failure = message }
}
