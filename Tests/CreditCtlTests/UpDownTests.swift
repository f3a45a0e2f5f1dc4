import CreditCtlKit
import Foundation
import Testing
import TestSupport

/// `creditctl up --detach`, `status`, a refused second `up`, and `down`, run as the operator
/// runs them, against a private run directory with its own PostgreSQL cluster and dev broker.
@Suite struct UpDownTests {
    /// Runs `creditctl` with `arguments` in the checkout and returns its exit status and output.
    static func creditctl(_ arguments: [String], logPath: String) async throws -> (status: TerminationStatus, output: String) {
        try? FileManager.default.removeItem(atPath: logPath)
        let child = try ChildProcess.spawn("\(try TestEnvironment.binDirectory())/creditctl", arguments: arguments,
                                           environment: ServiceEnvironment.inherited(),
                                           workingDirectory: E2EWorld.repositoryRoot, logPath: logPath)
        let status = await child.exitStatus()
        return (status, (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
    }

    @Test func upDetachStatusSecondUpAndDown() async throws {
        let directory = try LauncherTests.temporaryDirectory("updown")
        let run = "\(directory)/run"
        let layout = RunLayout(root: run)
        let base = try LauncherFiles.freePorts(count: StackService.allCases.count)
        let pgPort = try LauncherFiles.freePort()
        let common = ["--run-dir", run]
        let up = ["up", "--detach", "--port-base", "\(base)", "--pg-port", "\(pgPort)",
                  "--bin-dir", try TestEnvironment.binDirectory(), "--log-level", "warning"] + common
        do {
            let started = try await Self.creditctl(up, logPath: "\(directory)/up.out")
            #expect(started.status == .exited(0), "\(started.output)\n\(LauncherFiles.tail(of: layout.supervisorLog, lines: 40))")
            #expect(started.output.contains("SocialCredit embedded stack is up"), "\(started.output)")

            let stack = try StackFile.load(from: layout.stackFile)
            #expect(try stack.serviceURL("ingest") == "http://127.0.0.1:\(base)")
            #expect(try stack.serviceURL("notification") == "http://127.0.0.1:\(base + 3)")
            #expect(stack.database.url == "postgresql://postgres@127.0.0.1:\(pgPort)/postgres")
            #expect(stack.kafka.control != nil && stack.clock == layout.clock && stack.mailbox == layout.mailbox)
            #expect(Set(stack.tokens.agencies.keys).isSuperset(of: ["court", "jinan-dogs"]))
            for service in StackService.allCases {
                #expect(await HealthProbe.isHealthy("http://127.0.0.1:\(base + service.index)"), "\(service) is healthy")
            }

            let status = try await Self.creditctl(["status", "--json"] + common, logPath: "\(directory)/status.out")
            #expect(status.status == .exited(0), "\(status.output)")
            let decoded = try JSONDecoder().decode(StackStatus.self, from: Data(status.output.utf8))
            #expect(decoded.allUp && decoded.services.count == 4)
            #expect(decoded.supervisor.pid == LauncherFiles.readPID(layout.supervisorPID))

            let second = try await Self.creditctl(up, logPath: "\(directory)/second.out")
            #expect(second.status == .exited(1))
            #expect(second.output.contains("a stack already runs from \(layout.root)"), "\(second.output)")
            #expect(try StackFile.load(from: layout.stackFile) == stack, "the refused up leaves the running stack alone")

            let down = try await Self.creditctl(["down"] + common, logPath: "\(directory)/down.out")
            #expect(down.status == .exited(0), "\(down.output)")
            #expect(down.output.contains("down: the stack is stopped"), "\(down.output)")
            #expect(!FileManager.default.fileExists(atPath: layout.stackFile))
            #expect(layout.liveSupervisor == nil)
            for service in StackService.allCases {
                #expect(!LauncherFiles.isListening(port: base + service.index), "\(service) stopped")
            }
            #expect(!LauncherFiles.isListening(port: pgPort), "PostgreSQL stopped")
            let supervisorLog = LauncherFiles.tail(of: layout.supervisorLog, lines: 30)
            #expect(supervisorLog.contains("stopping the stack") && supervisorLog.contains("up: stopped"), "\(supervisorLog)")

            let after = try await Self.creditctl(["status"] + common, logPath: "\(directory)/after.out")
            #expect(after.status == .exited(3), "\(after.output)")
        } catch {
            await EmbeddedStackControl.down(layout, say: { _ in })
            throw error
        }
        await EmbeddedStackControl.down(layout, say: { _ in })
        try? FileManager.default.removeItem(atPath: directory)
    }
}
