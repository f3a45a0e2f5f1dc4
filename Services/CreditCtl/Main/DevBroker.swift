import Foundation
import KafkaClient
import Logging

/// The dev broker's clusters: the shared default one, and private ones that fault-injection
/// tests create so that taking brokers down does not disturb other tests.
actor DevBroker {
    /// Id of the shared cluster whose bootstraps go into the state file.
    static let defaultID = "default"

    private var clusters: [String: MockCluster]
    private var nextID = 1
    private let logger: Logger

    /// Starts the default cluster and creates `topics` on it, each with its partition count.
    init(brokers: Int, topics: [(name: String, partitions: Int)], logger: Logger) throws {
        let cluster = try MockCluster(brokers: brokers, logger: logger)
        for topic in topics { try cluster.createTopic(topic.name, partitions: topic.partitions) }
        clusters = [Self.defaultID: cluster]
        self.logger = logger
    }

    /// The default cluster's bootstrap servers.
    var bootstrapServers: String { clusters[Self.defaultID]!.bootstrapServers }

    /// A cluster by id.
    func cluster(_ id: String) throws(DevBrokerError) -> MockCluster {
        guard let cluster = clusters[id] else { throw .notFound("no cluster \(id)") }
        return cluster
    }

    /// Every cluster, default first.
    func all() -> [(String, MockCluster)] {
        clusters.sorted { ($0.key == Self.defaultID ? "" : $0.key) < ($1.key == Self.defaultID ? "" : $1.key) }
    }

    /// Starts a private cluster and returns its id.
    func createCluster(brokers: Int) throws -> (String, MockCluster) {
        let cluster = try MockCluster(brokers: brokers, logger: logger)
        let id = "c\(nextID)"
        nextID += 1
        clusters[id] = cluster
        logger.info("dev broker: private cluster \(id) at \(cluster.bootstrapServers)")
        return (id, cluster)
    }

    /// Stops a private cluster (when its last in-flight request finishes).
    func destroyCluster(_ id: String) throws(DevBrokerError) {
        guard id != Self.defaultID else { throw .badRequest("the default cluster cannot be destroyed") }
        guard clusters.removeValue(forKey: id) != nil else { throw .notFound("no cluster \(id)") }
        logger.info("dev broker: private cluster \(id) destroyed")
    }

    /// Stops every cluster.
    func shutdown() { clusters.removeAll() }
}

/// A control-API request the dev broker refuses.
enum DevBrokerError: Error {
    /// No such cluster.
    case notFound(String)
    /// Malformed or impossible request.
    case badRequest(String)
}
