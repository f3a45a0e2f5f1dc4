import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Client of the dev broker's HTTP control API (`creditctl broker`): topics on the shared
/// cluster or on a private one, and private clusters of their own.
public struct DevBrokerControl: Sendable {
    /// Base URL, e.g. `http://127.0.0.1:40123`.
    public let baseURL: String

    /// A client of the control API at `baseURL`.
    public init(baseURL: String) { self.baseURL = baseURL }

    /// A cluster: its id (`default` for the shared one) and bootstrap servers.
    public struct Cluster: Codable, Sendable, Hashable {
        /// Cluster id.
        public var id: String
        /// Bootstrap servers.
        public var bootstrap: String
    }

    /// Creates `name` with `partitions` partitions on `cluster` (nil: the shared one).
    public func createTopic(_ name: String, partitions: Int, cluster: String? = nil) async throws {
        let path = cluster.map { "/clusters/\($0)/topics" } ?? "/topics"
        _ = try await call("POST", path, ["name": name, "partitions": partitions])
    }

    /// Creates a private cluster of `brokers` brokers.
    public func createCluster(brokers: Int = 1) async throws -> Cluster {
        try JSONDecoder().decode(Cluster.self, from: try await call("POST", "/clusters", ["brokers": brokers]))
    }

    /// Destroys a private cluster.
    public func destroyCluster(_ id: String) async throws {
        _ = try await call("DELETE", "/clusters/\(id)", nil)
    }

    private func call(_ method: String, _ path: String, _ body: [String: any Sendable]?) async throws -> Data {
        guard let url = URL(string: baseURL + path) else { throw DevBrokerControlError(status: 0, body: "bad URL \(baseURL + path)") }
        var request = URLRequest(url: url)
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

/// The control API refused a request.
public struct DevBrokerControlError: Error, Sendable, CustomStringConvertible {
    /// HTTP status (0 when there was no response).
    public let status: Int
    /// Response body.
    public let body: String
    /// `dev broker control: HTTP status: body`.
    public var description: String { "dev broker control: HTTP \(status): \(body)" }
}
