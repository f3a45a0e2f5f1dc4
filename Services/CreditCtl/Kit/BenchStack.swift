import CreditModel
import DevBrokerClient
import Foundation
import Logging
import PostgresClient

/// Where the benchmark's private stacks run: a PostgreSQL server (a private cluster it started,
/// or one it was given) and a dev broker (a private broker process per stack, or a private
/// cluster of a running dev broker, through its control API).
public struct BenchInfrastructure: Sendable {
    /// The server's URL (its `postgres` database); each stack gets a fresh database on it.
    public let serverURL: String
    /// The cluster the benchmark started, stopped at the end (nil when given a server).
    public let cluster: PostgresCluster?
    /// The control API of a running dev broker to take private clusters from (nil: start a
    /// broker process per stack).
    public let brokerControl: String?
    /// The directory of the executables (`creditctl`, the four services).
    public let binDirectory: String
    /// The checkout (its `deploy/` holds the agencies, rulebook and templates).
    public let workingDirectory: String
    /// Where stacks keep logs, pid files and letters.
    public let runDirectory: String

    /// Uses `databaseURL` if given, else starts a private cluster under `runDirectory/pg`.
    public static func prepare(databaseURL: String?, brokerControl: String?, binDirectory: String,
                               workingDirectory: String, runDirectory: String) async throws -> BenchInfrastructure {
        try LauncherFiles.createDirectory(runDirectory)
        if let databaseURL {
            return BenchInfrastructure(serverURL: databaseURL, cluster: nil, brokerControl: brokerControl,
                                       binDirectory: binDirectory, workingDirectory: workingDirectory, runDirectory: runDirectory)
        }
        let cluster = PostgresCluster(directory: "\(runDirectory)/pg")
        let url = try await cluster.start()
        return BenchInfrastructure(serverURL: url, cluster: cluster, brokerControl: brokerControl,
                                   binDirectory: binDirectory, workingDirectory: workingDirectory, runDirectory: runDirectory)
    }

    /// Stops the cluster the benchmark started and removes its files, also when the caller was
    /// cancelled (an interrupted benchmark must not leave a server running). A cluster that
    /// would not stop keeps its files, and the error says so.
    public func shutdown() async throws(LauncherError) {
        guard let cluster else { return }
        let stopped = await Task { () -> Result<Void, LauncherError> in
            do throws(LauncherError) {
                try await cluster.stop()
            } catch {
                return .failure(error)
            }
            try? FileManager.default.removeItem(atPath: cluster.directory)
            return .success(())
        }.value
        try stopped.get()
    }
}

/// One private stack: a fresh database, a fresh dev broker with its topics at `partitions`,
/// and the four services as separate processes (started on demand).
public struct BenchStack: Sendable {
    /// The stack's name (database, run directory).
    public let name: String
    /// Its database URL.
    public let databaseURL: String
    /// Bootstrap servers of its broker.
    public let bootstrap: String
    /// Partitions of its topics.
    public let partitions: TopicPartitions
    /// Its run directory.
    public let directory: String
    private let infrastructure: BenchInfrastructure
    private let broker: DevBrokerProcess?
    private let privateCluster: String?
    private let control: DevBrokerControl
    private var supervisor: StackSupervisor?

    /// Creates the database and the broker with `topics` at `partitions` (plus `extraTopics`
    /// at their own counts).
    public static func create(_ name: String, on infrastructure: BenchInfrastructure, topics: [String],
                              partitions: TopicPartitions, extraTopics: [String: Int] = [:], logger: Logger) async throws -> BenchStack {
        let directory = "\(infrastructure.runDirectory)/\(name)"
        try? FileManager.default.removeItem(atPath: directory)
        try LauncherFiles.createDirectory(directory)
        guard let databaseURL = DatabaseURL.replacingDatabase(in: infrastructure.serverURL, with: name) else {
            throw BenchStackError.unsupportedDatabaseURL(infrastructure.serverURL)
        }
        let admin = PostgresPool(configuration: PostgresConfiguration(url: infrastructure.serverURL, poolSize: 1,
                                                                      applicationName: "creditctl-bench"), logger: logger)
        do {
            try await admin.execute("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)")
            try await admin.execute("CREATE DATABASE \(identifier: name)")
        } catch {
            await admin.shutdown()
            throw error
        }
        await admin.shutdown()

        let broker: DevBrokerProcess?, cluster: String?, control: DevBrokerControl, bootstrap: String
        if let url = infrastructure.brokerControl {
            control = try DevBrokerControl(baseURL: url)
            let created = try await control.createCluster()
            broker = nil
            cluster = created.id
            bootstrap = created.bootstrap
            for topic in topics {
                try await control.createTopic(topic, partitions: partitions.count(of: topic), cluster: created.id)
            }
        } else {
            let process = try await DevBrokerProcess.start(binDirectory: infrastructure.binDirectory,
                                                           stateFile: "\(directory)/broker.json",
                                                           logPath: "\(directory)/broker.log",
                                                           extraArguments: ["--partitions", String(partitions.pipeline),
                                                                            "--agency-partitions", String(partitions.agency)])
            broker = process
            cluster = nil
            control = try DevBrokerControl(baseURL: process.control)
            bootstrap = process.bootstrap
            // The broker creates the default topics; others (e.g. a non-default agency) here.
            for topic in topics where !Topics.all.contains(topic) {
                try await control.createTopic(topic, partitions: partitions.count(of: topic))
            }
        }
        for (topic, count) in extraTopics.sorted(by: { $0.key < $1.key }) {
            try await control.createTopic(topic, partitions: count, cluster: cluster)
        }
        return BenchStack(name: name, databaseURL: databaseURL, bootstrap: bootstrap, partitions: partitions,
                          directory: directory, infrastructure: infrastructure, broker: broker, privateCluster: cluster,
                          control: control, supervisor: nil)
    }

    /// Starts the four services on free ports and waits until they are healthy.
    public mutating func startServices(logLevel: String = "warning", logger: Logger) async throws {
        var configuration = StackConfiguration(runDirectory: directory, binDirectory: infrastructure.binDirectory,
                                               databaseURL: databaseURL, kafkaBootstrap: bootstrap,
                                               tokens: StackFile.Tokens(agencies: [:], officer: DevTokens.randomToken(),
                                                                        enforcer: DevTokens.randomToken()),
                                               workingDirectory: infrastructure.workingDirectory, logLevel: logLevel)
        for service in StackService.allCases { configuration.ports[service] = try LauncherFiles.freePort() }
        supervisor = try await StackSupervisor.start(services: StackService.allCases, configuration: configuration, logger: logger)
    }

    /// The services' process ids.
    public var pids: [String: Int32] {
        Dictionary(uniqueKeysWithValues: (supervisor?.processes ?? []).map { ($0.service.rawValue, $0.process.pid) })
    }

    /// The processes whose CPU a run reports by name: the services and, when this stack
    /// started it, the dev broker (`dev-broker`).
    public var cpuProcesses: [String: Int32] {
        var processes = pids
        if let broker { processes["dev-broker"] = broker.process.pid }
        return processes
    }

    /// Throws if a service (or the broker process) has exited.
    public func checkAlive() throws {
        for service in supervisor?.processes ?? [] {
            if let status = service.process.status {
                throw BenchStackError.died(name: service.service.rawValue, status: "\(status)", log: service.process.logTail(30))
            }
        }
        if let broker, let status = broker.process.status {
            throw BenchStackError.died(name: "dev broker", status: "\(status)", log: broker.process.logTail(30))
        }
    }

    /// Stops the services and the broker, and drops the database unless `keep`. The run
    /// directory (logs, mailbox) goes too unless `keep` or `keepFiles`: a benchmark keeps it
    /// until its last measurement (see `PipelineBenchmark.removeStackFiles`). It runs to the end
    /// also when the caller was cancelled (an interrupted benchmark): in a task of its own, whose
    /// waits for the processes to exit are real waits.
    public func stop(keep: Bool = false, keepFiles: Bool = false, logger: Logger) async {
        await Task { await stopProcessesAndDatabase(keep: keep, keepFiles: keepFiles, logger: logger) }.value
    }

    private func stopProcessesAndDatabase(keep: Bool, keepFiles: Bool, logger: Logger) async {
        if let supervisor { await supervisor.stop(timeout: .seconds(20)) }
        if let broker { await broker.stop() }
        if let privateCluster { try? await control.destroyCluster(privateCluster) }
        guard !keep else { return }
        let admin = PostgresPool(configuration: PostgresConfiguration(url: infrastructure.serverURL, poolSize: 1,
                                                                      applicationName: "creditctl-bench"), logger: logger)
        _ = try? await admin.execute("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)")
        await admin.shutdown()
        if !keepFiles { try? FileManager.default.removeItem(atPath: directory) }
    }
}

/// Why a benchmark stack failed.
public enum BenchStackError: Error, Sendable, CustomStringConvertible {
    /// A process of the stack exited during the run.
    case died(name: String, status: String, log: String)
    /// The database URL has no database part to replace.
    case unsupportedDatabaseURL(String)

    /// A plain-language description.
    public var description: String {
        switch self {
        case .died(let name, let status, let log): "\(name) exited during the benchmark (\(status)); its log ends:\n\(log)"
        case .unsupportedDatabaseURL(let url):
            "the database URL \(url) is not of the form postgresql://user@host:port/database, so the benchmark cannot name a fresh database"
        }
    }
}
