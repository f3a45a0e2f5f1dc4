import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Client of the dev broker's HTTP control API (`creditctl broker`): topics on the shared
/// cluster or on a private one, private clusters of their own, and fault injection on those
/// (a broker down, request errors) that does not disturb anyone else. Used by creditctl's
/// benchmarks and by the tests.
public struct DevBrokerControl: Sendable {
    /// Base URL, e.g. `http://127.0.0.1:40123`.
    public let baseURL: URL

    /// A client of the control API at `baseURL`.
    public init(baseURL: URL) { self.baseURL = baseURL }

    /// A client of the control API at `text` (as the broker's state file writes it).
    public init(baseURL text: String) throws(DevBrokerControlError) {
        guard let url = URL(string: text), url.scheme != nil else { throw DevBrokerControlError(status: 0, body: "bad control URL \(text)") }
        self.init(baseURL: url)
    }

    /// A cluster of the dev broker: its id (`default` for the shared one) and bootstrap servers.
    public struct Cluster: Codable, Sendable, Hashable {
        /// Cluster id, used in the other calls.
        public var id: String
        /// Bootstrap servers.
        public var bootstrap: String
        /// Number of brokers (ids 1...brokers).
        public var brokers: Int
    }

    /// Creates `name` with `partitions` partitions on `cluster` (nil: the shared one).
    public func createTopic(_ name: String, partitions: Int, cluster: String? = nil) async throws {
        _ = try await call("POST", cluster.map { "clusters/\($0)/topics" } ?? "topics", ["name": name, "partitions": partitions])
    }

    /// Creates a private cluster of `brokers` brokers.
    public func createCluster(brokers: Int = 1) async throws -> Cluster {
        try JSONDecoder().decode(Cluster.self, from: try await call("POST", "clusters", ["brokers": brokers]))
    }

    /// Destroys a private cluster.
    public func destroyCluster(_ id: String) async throws {
        _ = try await call("DELETE", "clusters/\(id)")
    }

    /// Takes broker `broker` of `cluster` down (true) or brings it back up (false).
    public func setBroker(_ broker: Int, down: Bool, cluster: String) async throws {
        _ = try await call("POST", "clusters/\(cluster)/brokers/\(broker)/\(down ? "down" : "up")")
    }

    /// Makes the next requests of `apiKey` (0 Produce, 1 Fetch, 3 Metadata...) on `cluster`
    /// fail with these Kafka error codes (`rd_kafka_resp_err_t` values), in order.
    public func pushRequestErrors(apiKey: Int, errors: [Int32], cluster: String) async throws {
        _ = try await call("POST", "clusters/\(cluster)/errors", ["apiKey": apiKey, "errors": errors])
    }

    /// Drops errors still queued for `apiKey` on `cluster`.
    public func clearRequestErrors(apiKey: Int, cluster: String) async throws {
        _ = try await call("DELETE", "clusters/\(cluster)/errors/\(apiKey)")
    }

    private func call(_ method: String, _ path: String, _ body: [String: any Sendable]? = nil) async throws -> Data {
        var request = URLRequest(url: baseURL.appendingPathComponent(path))
        request.httpMethod = method
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw DevBrokerControlError(status: status, body: String(decoding: data, as: UTF8.self))
        }
        return data
    }
}

/// The control API refused a request (or its URL is not one).
public struct DevBrokerControlError: Error, Sendable, CustomStringConvertible {
    /// HTTP status (0 when there was no response).
    public let status: Int
    /// Response body.
    public let body: String
    /// `dev broker control: HTTP status: body`.
    public var description: String { "dev broker control: HTTP \(status): \(body)" }
}
