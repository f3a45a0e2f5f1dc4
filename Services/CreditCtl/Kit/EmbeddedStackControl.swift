import Foundation

/// `creditctl down` and clean-up: stops a stack through its supervisor, or, when the supervisor
/// is gone, every process its pid files record.
public enum EmbeddedStackControl {
    /// Asks the supervisor of `layout` to stop (SIGTERM) and waits up to `timeout` until it has
    /// stopped everything; then stops whatever is still recorded. Returns whether a supervisor ran.
    @discardableResult
    public static func down(_ layout: RunLayout, timeout: Duration = .seconds(120),
                            say: @Sendable (String) -> Void) async -> Bool {
        var hadSupervisor = false
        if let pid = layout.liveSupervisor {
            hadSupervisor = true
            say("down: stopping the supervisor (pid \(pid))")
            if !(await signalAndWait(pid, timeout: timeout)) {
                say("down: the supervisor did not stop in \(timeout); it was killed")
            }
        }
        try? FileManager.default.removeItem(atPath: layout.supervisorPID)
        await stopLeftovers(layout, keepPostgres: false, say: say)
        return hadSupervisor
    }

    /// Stops the services and broker recorded in pid files (each only if its command line names
    /// it, so a reused pid is spared) and, unless `keepPostgres`, the PostgreSQL cluster;
    /// removes the stack file.
    public static func stopLeftovers(_ layout: RunLayout, keepPostgres: Bool, say: @Sendable (String) -> Void) async {
        for service in StackService.allCases {
            let pidFile = layout.pidFile(of: service)
            if let pid = LauncherFiles.livePID(in: pidFile, named: service.executable) {
                say("down: stopping \(service.rawValue) (pid \(pid))")
                await signalAndWait(pid, timeout: .seconds(30))
            }
            try? FileManager.default.removeItem(atPath: pidFile)
        }
        if let pid = LauncherFiles.livePID(in: layout.brokerPID, named: "broker") {
            say("down: stopping the dev broker (pid \(pid))")
            await signalAndWait(pid, timeout: .seconds(10))
        }
        try? FileManager.default.removeItem(atPath: layout.brokerPID)
        try? FileManager.default.removeItem(atPath: layout.stackFile)
        guard !keepPostgres else { return }
        let postgres = PostgresCluster(directory: layout.postgres)
        if await postgres.runningPort() != nil {
            do {
                try await postgres.stop()
                say("down: PostgreSQL stopped")
            } catch {
                say("down: PostgreSQL did not stop: \(error)")
            }
        }
    }

    /// SIGTERM to a process that is not our child, then SIGKILL after `timeout`; true if it ended
    /// before the SIGKILL.
    @discardableResult
    public static func signalAndWait(_ pid: pid_t, timeout: Duration) async -> Bool {
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !LauncherFiles.isAlive(pid) { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        kill(pid, SIGKILL)
        return false
    }
}
