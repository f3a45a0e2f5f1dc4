import CreditModel
import Foundation
import Logging

/// How to run the embedded stack (DESIGN §10): `creditctl up`'s options.
public struct EmbeddedStackOptions: Sendable {
    /// The run directory's layout (`.run`).
    public var layout: RunLayout
    /// Where `creditctl` and the service executables are.
    public var binDirectory: String
    /// The checkout (its `deploy/` holds agencies, rulebook, templates).
    public var workingDirectory: String
    /// Which services to run.
    public var services: [StackService] = StackService.allCases
    /// The first service's port; the others follow in pipeline order.
    public var portBase = 8081
    /// PostgreSQL's port.
    public var postgresPort = 55432
    /// `LOG_LEVEL` of the services.
    public var logLevel = "info"

    /// Options with the defaults above.
    public init(layout: RunLayout, binDirectory: String,
                workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.layout = layout
        self.binDirectory = StackConfiguration.absolute(binDirectory)
        self.workingDirectory = StackConfiguration.absolute(workingDirectory)
    }
}

/// The embedded stack, up: a private PostgreSQL cluster, the dev broker and the services, all
/// on loopback, their addresses and tokens in `stack.json`. ``start(_:say:)`` brings it up,
/// ``stop(say:)`` takes it down (services, then broker, then PostgreSQL).
public final class EmbeddedStack: Sendable {
    /// The options it runs with.
    public let options: EmbeddedStackOptions
    /// Its PostgreSQL cluster.
    public let postgres: PostgresCluster
    /// Its dev broker.
    public let broker: DevBrokerProcess
    /// Its services.
    public let supervisor: StackSupervisor
    /// What was written to `stack.json`.
    public let stackFile: StackFile

    private init(options: EmbeddedStackOptions, postgres: PostgresCluster, broker: DevBrokerProcess,
                 supervisor: StackSupervisor, stackFile: StackFile) {
        self.options = options
        self.postgres = postgres
        self.broker = broker
        self.supervisor = supervisor
        self.stackFile = stackFile
    }

    /// Starts everything and writes `stack.json`; on failure stops what it started and throws.
    /// Processes recorded by an earlier run whose supervisor is gone are stopped first.
    public static func start(_ options: EmbeddedStackOptions, logger: Logger,
                             say: @Sendable (String) -> Void) async throws(LauncherError) -> EmbeddedStack {
        let layout = options.layout
        let agenciesFile = "\(options.workingDirectory)/deploy/agencies.yaml"
        guard FileManager.default.fileExists(atPath: agenciesFile) else {
            throw .invalidSetting("no \(agenciesFile): run creditctl from the checkout's root directory")
        }
        await EmbeddedStackControl.stopLeftovers(layout, keepPostgres: true, say: say)
        for directory in [layout.root, layout.logs, layout.mailbox] { try LauncherFiles.createDirectory(directory) }
        let registry: AgencyRegistry
        do {
            registry = try AgencyRegistry.load(contentsOf: URL(fileURLWithPath: agenciesFile))
        } catch {
            throw .invalidSetting("\(agenciesFile): \(error)")
        }
        let tokens = try DevTokens.loadOrCreate(at: layout.tokens, registry: registry)

        let postgres = PostgresCluster(directory: layout.postgres)
        let databaseURL = try await postgres.start(port: options.postgresPort)
        say("up: PostgreSQL at \(databaseURL) (data in \(postgres.dataDirectory))")
        let broker: DevBrokerProcess
        do throws(LauncherError) {
            // One partition per agency topic, as in the benchmark: eleven agencies still give
            // ingest eleven partitions, and the dev broker's cost grows with each one (README).
            broker = try await DevBrokerProcess.start(binDirectory: options.binDirectory, stateFile: layout.brokerState,
                                                      logPath: layout.brokerLog, extraArguments: ["--agency-partitions", "1"])
            try LauncherFiles.writePID(broker.process.pid, to: layout.brokerPID)
        } catch {
            await stopAfterFailure(postgres, say: say)
            throw error
        }
        say("up: dev broker at \(broker.bootstrap) (control \(broker.control))")

        var configuration = StackConfiguration(runDirectory: layout.root, binDirectory: options.binDirectory,
                                               databaseURL: databaseURL, kafkaBootstrap: broker.bootstrap, tokens: tokens,
                                               portBase: options.portBase, workingDirectory: options.workingDirectory,
                                               logLevel: options.logLevel)
        configuration.clockFile = layout.clock
        configuration.mailboxDirectory = layout.mailbox
        configuration.logDirectory = layout.logs
        let supervisor: StackSupervisor
        do throws(LauncherError) {
            say("up: starting \(options.services.map(\.rawValue).joined(separator: ", "))")
            supervisor = try await StackSupervisor.start(services: options.services, configuration: configuration, logger: logger)
        } catch {
            await broker.stop()
            try? FileManager.default.removeItem(atPath: layout.brokerPID)
            await stopAfterFailure(postgres, say: say)
            throw error
        }
        supervisor.watch(broker.process, name: "dev broker")
        let stackFile = StackFile(
            kafka: .init(bootstrap: broker.bootstrap, control: broker.control), database: .init(url: databaseURL),
            services: Dictionary(uniqueKeysWithValues: supervisor.processes.map { ($0.service.rawValue, $0.url) }),
            tokens: tokens, mailbox: layout.mailbox, clock: layout.clock)
        let stack = EmbeddedStack(options: options, postgres: postgres, broker: broker, supervisor: supervisor,
                                  stackFile: stackFile)
        do {
            try stackFile.write(to: layout.stackFile)
        } catch {
            await stack.stop(say: say)
            throw .file(layout.stackFile, "cannot write: \(error)")
        }
        return stack
    }

    /// Stops the services (pipeline order), then the broker, then PostgreSQL; removes `stack.json`.
    public func stop(say: @Sendable (String) -> Void) async {
        let layout = options.layout
        try? FileManager.default.removeItem(atPath: layout.stackFile)
        for (service, status) in await supervisor.stop().sorted(by: { $0.key < $1.key }) {
            say("down: \(service.rawValue) stopped (\(status))")
        }
        let brokerStatus = await broker.stop()
        say("down: dev broker stopped (\(brokerStatus))")
        try? FileManager.default.removeItem(atPath: layout.brokerPID)
        do {
            try await postgres.stop()
            say("down: PostgreSQL stopped")
        } catch {
            say("down: PostgreSQL did not stop: \(error)")
        }
    }

    /// Where to look, as printed by `creditctl up`.
    public var summary: String { StackSummary.text(stackFile, layout: options.layout) }

    /// Stops PostgreSQL while `up` unwinds from `error`; a failure to stop is reported, not
    /// hidden, since it leaves a server running under the run directory.
    private static func stopAfterFailure(_ postgres: PostgresCluster, say: (String) -> Void) async {
        do {
            try await postgres.stop()
        } catch {
            say("up: could not stop PostgreSQL after the failure: \(error)")
        }
    }
}

/// The "where to look" text of a stack that is up.
public enum StackSummary {
    /// The summary of `stack`, with the files under `layout`.
    public static func text(_ stack: StackFile, layout: RunLayout) -> String {
        var lines = ["SocialCredit embedded stack is up:"]
        for service in StackService.allCases {
            guard let url = stack.services[service.rawValue] else { continue }
            lines.append("  \((service.rawValue + ":").padding(toLength: 19, withPad: " ", startingAt: 0)) \(url)  (log \(layout.log(of: service)))")
        }
        lines += [
            "  Kafka (dev broker): \(stack.kafka.bootstrap)   control: \(stack.kafka.control ?? "-")",
            "  PostgreSQL:         \(stack.database.url)",
            "  Stack file:         \(layout.stackFile) (addresses and tokens)",
            "  Letters:            \(stack.mailbox ?? layout.mailbox)/<subject>.txt",
            "  Dev clock:          creditctl clock advance 11d   (file \(stack.clock ?? layout.clock))",
            "  Logs:               \(layout.logs)/ (and \(layout.postgres)/server.log)",
            "  Stop with:          creditctl down   (or scripts/stack down)",
        ]
        return lines.joined(separator: "\n")
    }
}
