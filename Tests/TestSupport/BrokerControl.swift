import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Client of the dev broker's HTTP control API (`creditctl broker`, see `Broker` in creditctl):
/// create topics on the shared cluster, and create PRIVATE clusters for fault injection so
/// that taking a broker down does not disturb tests running in parallel.
public struct BrokerControl: Sendable {
    /// Base URL, e.g. `http://127.0.0.1:40123`.
    public let baseURL: URL

    /// A client of the control API at `baseURL`.
    public init(baseURL: URL) { self.baseURL = baseURL }

    /// The client of the broker `scripts/test` started (`CREDIT_TEST_BROKER_CONTROL`).
    public static func fromEnvironment() throws -> BrokerControl {
        let text = try TestEnvironment.brokerControl()
        guard let url = URL(string: text) else { throw BrokerControlError(status: 0, body: "bad control URL \(text)") }
        return BrokerControl(baseURL: url)
    }

    /// A cluster of the dev broker: its id (`default` for the shared one) and bootstraps.
    public struct Cluster: Codable, Sendable {
        /// Cluster id, used in the other calls.
        public var id: String
        /// Bootstrap servers.
        public var bootstrap: String
        /// Number of brokers (ids 1...brokers).
        public var brokers: Int
    }

    /// Creates a topic on the shared cluster.
    public func createTopic(_ name: String, partitions: Int) async throws {
        _ = try await call("POST", "topics", ["name": name, "partitions": partitions])
    }

    /// Creates a private cluster with `brokers` brokers.
    public func createCluster(brokers: Int = 1) async throws -> Cluster {
        let data = try await call("POST", "clusters", ["brokers": brokers])
        return try JSONDecoder().decode(Cluster.self, from: data)
    }

    /// Destroys a private cluster.
    public func destroyCluster(_ id: String) async throws {
        _ = try await call("DELETE", "clusters/\(id)")
    }

    /// Creates a topic on a given cluster.
    public func createTopic(_ name: String, partitions: Int, cluster: String) async throws {
        _ = try await call("POST", "clusters/\(cluster)/topics", ["name": name, "partitions": partitions])
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
            throw BrokerControlError(status: status, body: String(decoding: data, as: UTF8.self))
        }
        return data
    }
}

/// The control API refused a request.
public struct BrokerControlError: Error, CustomStringConvertible {
    /// HTTP status (0 when no response).
    public let status: Int
    /// Response body.
    public let body: String
    /// `HTTP status: body`.
    public var description: String { "broker control: HTTP \(status): \(body)" }
}
