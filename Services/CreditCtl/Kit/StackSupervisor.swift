import Foundation
import Logging
import PostgresClient
import Synchronization

/// Runs a set of the stack's services as processes: starts them, waits until each answers
/// `GET /health`, reports at once any that ends by itself (``exits``), and stops them in
/// pipeline order (ingest first, so each downstream service can still take what its upstream
/// flushed) with SIGTERM, then SIGKILL after a timeout. While they run, the database backends
/// of sanctions and notification are kept at their lower priority (``BackendPriority``).
///
/// ```swift
/// let stack = try await StackSupervisor.start(services: StackService.allCases, configuration: configuration)
/// defer-like: await stack.stop()
/// ```
public final class StackSupervisor: Sendable {
    /// What the services were started with.
    public let configuration: StackConfiguration
    /// The running services, in pipeline order.
    public let processes: [ServiceProcess]
    /// Processes that ended by themselves (not through ``stop(timeout:)``), as they end.
    public let exits: AsyncStream<ProcessExit>

    private let continuation: AsyncStream<ProcessExit>.Continuation
    private let stopping = Mutex(false)
    private let backendPriority = Mutex<(task: Task<Void, Never>, pool: PostgresPool)?>(nil)

    private init(configuration: StackConfiguration, processes: [ServiceProcess]) {
        self.configuration = configuration
        self.processes = processes
        let (stream, continuation) = AsyncStream.makeStream(of: ProcessExit.self, bufferingPolicy: .unbounded)
        self.exits = stream
        self.continuation = continuation
        for service in processes { watch(service.process, name: service.service.rawValue) }
    }

    /// Starts `services` with `configuration` (pid files `<runDirectory>/<name>.pid`, logs
    /// `<logDirectory>/<name>.log`) and waits up to `healthTimeout` until all are healthy. If
    /// one fails, the others are stopped and the error names it with its last log lines.
    public static func start(services: [StackService], configuration: StackConfiguration,
                             healthTimeout: Duration = .seconds(120), logger: Logger) async throws(LauncherError) -> StackSupervisor {
        for directory in [configuration.runDirectory, configuration.logDirectory, configuration.mailboxDirectory] {
            try LauncherFiles.createDirectory(directory)
        }
        var launched: [ServiceProcess] = []
        do throws(LauncherError) {
            for service in Set(services).sorted() {
                let process = try ServiceProcess.launch(service, configuration: configuration)
                launched.append(process)
                try LauncherFiles.writePID(process.process.pid, to: configuration.pidPath(of: service))
            }
        } catch {
            await StackSupervisor(configuration: configuration, processes: launched).stop()
            throw error
        }
        let supervisor = StackSupervisor(configuration: configuration, processes: launched)
        let failure = await withTaskGroup(of: LauncherError?.self) { group in
            for process in launched {
                group.addTask {
                    do throws(LauncherError) {
                        try await process.waitUntilHealthy(timeout: healthTimeout)
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            var first: LauncherError?
            for await result in group where first == nil { first = result }
            return first
        }
        if let failure {
            await supervisor.stop()
            throw failure
        }
        supervisor.lowerOffPathBackends(logger: logger)
        return supervisor
    }

    /// Keeps the backends of the services off the score path at their lower priority until
    /// ``stop(timeout:)``, if the stack's database server is on this machine.
    private func lowerOffPathBackends(logger: Logger) {
        var nices: [String: Int32] = [:]
        for service in processes.map(\.service) where service == .sanctions || service == .notification {
            nices[service.rawValue] = configuration.environment(for: service)["SERVICE_NICE"].flatMap { Int32($0) }
        }
        let priority = BackendPriority(nices: nices)
        guard !priority.nices.isEmpty else { return }
        let pool = PostgresPool(configuration: PostgresConfiguration(url: configuration.databaseURL, poolSize: 1,
                                                                     applicationName: "creditctl-priority"), logger: logger)
        let task = Task { await priority.keepApplied(on: pool, logger: logger) }
        backendPriority.withLock { $0 = (task, pool) }
    }

    /// Also reports `process` on ``exits`` when it ends by itself (e.g. the dev broker).
    public func watch(_ process: ChildProcess, name: String) {
        Task { [self] in
            let status = await process.exitStatus()
            guard !stopping.withLock({ $0 }) else { return }
            continuation.yield(ProcessExit(name: name, pid: process.pid, status: status,
                                           logTail: process.logTail(), logPath: process.logPath))
        }
    }

    /// The running process of `service`, if it was started.
    public func process(of service: StackService) -> ServiceProcess? {
        processes.first { $0.service == service }
    }

    /// Stops every service in pipeline order: SIGTERM, SIGKILL after `timeout`; removes the pid
    /// files and ends ``exits``. Returns how each ended.
    @discardableResult
    public func stop(timeout: Duration = .seconds(30)) async -> [StackService: TerminationStatus] {
        stopping.withLock { $0 = true }
        if let (task, pool) = backendPriority.withLock({ state in defer { state = nil }; return state }) {
            task.cancel()
            await task.value
            await pool.shutdown()
        }
        var statuses: [StackService: TerminationStatus] = [:]
        for service in processes {
            statuses[service.service] = await service.process.terminate(timeout: timeout)
            try? FileManager.default.removeItem(atPath: configuration.pidPath(of: service.service))
        }
        continuation.finish()
        return statuses
    }

    /// The last `lines` lines of each service's log, under a header per service (for test failures).
    public func logTails(lines: Int = 40) -> String {
        processes.map { "--- \($0.service.rawValue) (\($0.process.logPath)) ---\n\($0.process.logTail(lines))" }
            .joined(separator: "\n")
    }
}
