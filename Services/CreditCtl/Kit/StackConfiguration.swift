import Foundation

/// Everything needed to launch a stack's services as processes: where they run, where the
/// infrastructure is, and the dev settings they share. Build one, then call
/// ``environment(for:)`` or ``StackSupervisor/start(services:configuration:)``.
public struct StackConfiguration: Sendable {
    /// Where pid files and (by default) logs, mailbox and clock live, e.g. `.run`.
    public var runDirectory: String
    /// Where the `ingest`, `scoring`, `sanctions`, `notification` executables are.
    public var binDirectory: String
    /// The checkout whose `deploy/` holds the agency registry, rulebook and letter templates;
    /// the services run in it.
    public var workingDirectory: String
    /// libpq URL of the database every service uses (each in its own schema).
    public var databaseURL: String
    /// Kafka bootstrap servers.
    public var kafkaBootstrap: String
    /// The HTTP port of each service.
    public var ports: [StackService: Int]
    /// Agency tokens (ingest), officer and enforcer tokens (sanctions).
    public var tokens: StackFile.Tokens
    /// The shared dev clock's offset file (`CREDIT_DEV_CLOCK_FILE`); nil runs on system time.
    public var clockFile: String?
    /// Where the notification service writes letters.
    public var mailboxDirectory: String
    /// Where each service's log (`<name>.log`) goes.
    public var logDirectory: String
    /// `LOG_LEVEL` of every service.
    public var logLevel: String
    /// Variables added to every service's environment (they win over the ones above).
    public var extraEnvironment: [String: String]
    /// Variables added to one service's environment (they win over everything else).
    public var serviceEnvironment: [StackService: [String: String]]

    /// A configuration with the dev defaults: ports from `portBase` (8081...8084), logs in
    /// `<runDirectory>/logs`, letters in `<runDirectory>/mailbox`, the clock in
    /// `<runDirectory>/clock`, the current directory as the checkout. Paths are made absolute.
    public init(runDirectory: String, binDirectory: String, databaseURL: String, kafkaBootstrap: String,
                tokens: StackFile.Tokens, portBase: Int = 8081,
                workingDirectory: String = FileManager.default.currentDirectoryPath,
                logLevel: String = "info") {
        let run = Self.absolute(runDirectory)
        self.runDirectory = run
        self.binDirectory = Self.absolute(binDirectory)
        self.workingDirectory = Self.absolute(workingDirectory)
        self.databaseURL = databaseURL
        self.kafkaBootstrap = kafkaBootstrap
        self.ports = Dictionary(uniqueKeysWithValues: StackService.allCases.map { ($0, $0.port(base: portBase)) })
        self.tokens = tokens
        self.clockFile = "\(run)/clock"
        self.mailboxDirectory = "\(run)/mailbox"
        self.logDirectory = "\(run)/logs"
        self.logLevel = logLevel
        self.extraEnvironment = [:]
        self.serviceEnvironment = [:]
    }

    /// The port of `service` (its DESIGN default when not configured).
    public func port(of service: StackService) -> Int { ports[service] ?? service.port() }

    /// The base URL of `service`.
    public func url(of service: StackService) -> String { "http://127.0.0.1:\(port(of: service))" }

    /// The log file of `service`.
    public func logPath(of service: StackService) -> String { "\(logDirectory)/\(service.rawValue).log" }

    /// The pid file of `service`.
    public func pidPath(of service: StackService) -> String { "\(runDirectory)/\(service.rawValue).pid" }

    /// The executable of `service`.
    public func executable(of service: StackService) -> String { "\(binDirectory)/\(service.executable)" }

    /// The environment `service` runs with: a few inherited basics (PATH, HOME, locale), then
    /// exactly the variables the services read (see each service's configuration type):
    /// `DATABASE_URL`, `KAFKA_BOOTSTRAP`, `LOG_LEVEL`, `CREDIT_DEV_CLOCK_FILE`,
    /// `<NAME>_HTTP_PORT`, and per service `INGEST_AGENCY_TOKENS` + `INGEST_AGENCIES_FILE`,
    /// `SCORING_RULEBOOK`, `SANCTIONS_OFFICER_TOKEN` + `SANCTIONS_ENFORCER_TOKEN` +
    /// `SANCTIONS_RULEBOOK`, `NOTIFICATION_MAILBOX_DIR` + `NOTIFICATION_TEMPLATES_DIR`
    /// (deploy files as absolute paths into ``workingDirectory``), and `SERVICE_NICE` 10 for
    /// sanctions and notification, `KAFKA_FETCH_WAIT_MAX_MS` 50 for both, and
    /// `PIPELINE_BATCH_LINGER_MS` 20 and `PIPELINE_BATCH_LINGER_BELOW` 2001 for sanctions, unless
    /// inherited (they are off the score path: see `ProcessPriority`, ``offPathFetchWait``,
    /// ``offPathBatchLinger`` and ``offPathLingerBelow``); then ``extraEnvironment`` and
    /// ``serviceEnvironment``.
    public func environment(for service: StackService) -> [String: String] {
        var environment = ServiceEnvironment.inherited()
        environment["DATABASE_URL"] = databaseURL
        environment["KAFKA_BOOTSTRAP"] = kafkaBootstrap
        environment["LOG_LEVEL"] = logLevel
        if let clockFile { environment["CREDIT_DEV_CLOCK_FILE"] = clockFile }
        environment["\(service.environmentPrefix)_HTTP_PORT"] = String(port(of: service))
        let deploy = "\(workingDirectory)/deploy"
        switch service {
        case .ingest:
            environment["INGEST_AGENCY_TOKENS"] = tokens.agencies.sorted { $0.key < $1.key }
                .map { "\($0.key):\($0.value)" }.joined(separator: ",")
            environment["INGEST_AGENCIES_FILE"] = "\(deploy)/agencies.yaml"
        case .scoring:
            environment["SCORING_RULEBOOK"] = "\(deploy)/rulebooks/default.yaml"
        case .sanctions:
            environment["SANCTIONS_OFFICER_TOKEN"] = tokens.officer
            environment["SANCTIONS_ENFORCER_TOKEN"] = tokens.enforcer
            environment["SANCTIONS_RULEBOOK"] = "\(deploy)/rulebooks/default.yaml"
            environment["SERVICE_NICE"] = environment["SERVICE_NICE"] ?? Self.offPathNice
            environment["KAFKA_FETCH_WAIT_MAX_MS"] = environment["KAFKA_FETCH_WAIT_MAX_MS"] ?? Self.offPathFetchWait
            environment["PIPELINE_BATCH_LINGER_MS"] = environment["PIPELINE_BATCH_LINGER_MS"] ?? Self.offPathBatchLinger
            environment["PIPELINE_BATCH_LINGER_BELOW"] = environment["PIPELINE_BATCH_LINGER_BELOW"] ?? Self.offPathLingerBelow
        case .notification:
            environment["NOTIFICATION_MAILBOX_DIR"] = mailboxDirectory
            environment["NOTIFICATION_TEMPLATES_DIR"] = "\(deploy)/templates"
            environment["SERVICE_NICE"] = environment["SERVICE_NICE"] ?? Self.offPathNice
            environment["KAFKA_FETCH_WAIT_MAX_MS"] = environment["KAFKA_FETCH_WAIT_MAX_MS"] ?? Self.offPathFetchWait
        }
        environment.merge(extraEnvironment) { _, extra in extra }
        environment.merge(serviceEnvironment[service] ?? [:]) { _, extra in extra }
        return environment
    }

    /// The nice value of the services off the score path (sanctions, notification).
    static let offPathNice = "10"

    /// The fetch wait (`KAFKA_FETCH_WAIT_MAX_MS`) of sanctions and notification, off the score
    /// path: 50 ms instead of 5. The dev broker answers an empty fetch only when the wait ends,
    /// so an idle consumer at 5 ms asks 200 times a second; a decision that waits out a 10-day
    /// appeal window does not need those milliseconds. At a paced 3,000 events/s their CPU per
    /// event fell by 5.0–6.7 and 2.7–4.6 µs, the dev broker's by 3.4–5.2 µs, and the decision p50
    /// rose by 30–40 ms (three interleaved runs).
    static let offPathFetchWait = "50"

    /// The batch linger (`PIPELINE_BATCH_LINGER_MS`) of sanctions, off the score path: its
    /// batches wait 20 ms to fill instead of 2, since a decision that waits out a 10-day appeal
    /// window does not need milliseconds. Half as many transactions at moderate load; on the
    /// embedded stack at a paced 3,200 events/s, sanctions used 16.2 and 16.6 % of a core
    /// against 20.3 and 19.6 %, PostgreSQL 49.8 and 51.9 % against 56.8 and 53.7 % (two runs each).
    static let offPathBatchLinger = "20"

    /// `PIPELINE_BATCH_LINGER_BELOW` of sanctions: its batches linger whatever their size (its
    /// largest batch is 2,000), so a burst of accepted events waits for the score changes that
    /// follow it, and both go in one transaction.
    static let offPathLingerBelow = "2001"

    /// `path` made absolute against the current directory.
    static func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
}

/// The part of the parent's environment a launched process keeps: only the basics, so that a
/// stray `DATABASE_URL` or `INGEST_SCHEMA` of the caller cannot leak into a stack.
public enum ServiceEnvironment {
    /// Variables kept from the parent: the basics, the broker-dependent Kafka settings
    /// (`KafkaTuning`), so that `KAFKA_FETCH_WAIT_MAX_MS=500 creditctl bench` measures them,
    /// scoring's `SCORING_HISTORY_CACHE_ENTRIES` (0 compares a run without the cache), and
    /// `SERVICE_NICE` (`SERVICE_NICE=0 creditctl bench` runs every service at 0).
    public static let inheritedNames: Set<String> = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ", "TMPDIR", "TERM",
                                                     "KAFKA_FETCH_WAIT_MAX_MS", "KAFKA_MAX_IN_FLIGHT", "KAFKA_LINGER_MS", "PIPELINE_BATCH_LINGER_MS",
                                                     "PIPELINE_BATCH_LINGER_BELOW", "PIPELINE_LANES",
                                                     "SCORING_HISTORY_CACHE_ENTRIES", "SERVICE_NICE"]

    /// The inherited basics of the current process (plus `LC_*`).
    public static func inherited(from parent: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        parent.filter { inheritedNames.contains($0.key) || $0.key.hasPrefix("LC_") }
    }
}
