import Foundation
import Logging
import PostgresClient
import ServiceSupport
#if canImport(Glibc)
import Glibc
#endif

/// Lowers the CPU priority of the PostgreSQL backends that serve the services off the score
/// path, as `SERVICE_NICE` lowers those services themselves (see `ProcessPriority`).
///
/// On a machine the stack shares, a score change waits for ingest, scoring, their backends and
/// the broker; sanctions and notification act later (a sanction waits out a 10-day appeal
/// window anyway). Their own processes run at nice 10, but the backends doing their SQL ran
/// at 0: at 50 % load in the benchmark, sanctions' backends used 0.15 cores and
/// notification's 0.05, on equal terms with the score path.
///
/// Only backends of a server on this machine are touched: the server's address must be a
/// loopback one, and the process must be a PostgreSQL process. Lowering another user's
/// process needs privileges (root, or `CAP_SYS_NICE`); without them the first refusal is
/// logged and nothing else changes. In production each service and the database have their
/// own CPU allowance, and this has no part there.
public struct BackendPriority: Sendable {
    /// The nice value of the backends of each `application_name` (1...19; others are left).
    public var nices: [String: Int32]

    /// Lowers the backends of each `application_name` in `nices` to its value.
    public init(nices: [String: Int32]) {
        self.nices = nices.filter { (1...19).contains($0.value) }
    }

    /// Lowers each matching backend not yet at its nice value or lower; returns how many it changed.
    /// Throws when the server is not on this machine (nothing to lower) or a backend cannot be
    /// lowered for want of privileges.
    public func apply(on pool: PostgresPool) async throws -> Int {
        guard !nices.isEmpty else { return 0 }
        let rows = try await pool.query("""
            SELECT pid, application_name, coalesce(host(inet_server_addr()), '') FROM pg_stat_activity
            WHERE application_name = ANY(\(nices.keys.sorted())::text[])
            """)
        var changed = 0
        for row in rows {
            let pid = try row.decode(Int32.self, at: 0)
            guard let nice = nices[try row.decode(String.self, at: 1)] else { continue }
            let server = try row.decode(String.self, at: 2)
            guard server.isEmpty || server == "127.0.0.1" || server == "::1" else { throw BackendPriorityError.remoteServer(server) }
            guard Self.isPostgresProcess(pid) else { continue }  // ended, or not the server's
            do {
                if try ProcessPriority.lower(pid, to: nice) { changed += 1 }
            } catch {
                throw BackendPriorityError.refused(pid: pid, errno: error.errno)
            }
        }
        return changed
    }

    /// Applies every `interval` until cancelled, since the pools open backends as they need
    /// them; stops at the first error, which it logs (the stack runs on without it).
    public func keepApplied(on pool: PostgresPool, every interval: Duration = .seconds(2), logger: Logger) async {
        while !Task.isCancelled {
            do {
                let changed = try await apply(on: pool)
                if changed > 0 { logger.debug("lowered backends off the score path", metadata: ["backends": "\(changed)"]) }
            } catch let error as BackendPriorityError {
                logger.info("backends off the score path keep their priority", metadata: ["reason": "\(error)"])
                return
            } catch {
                if Task.isCancelled { return }
                logger.debug("backend priority check failed; trying again", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// Whether `pid` is a process of this machine's PostgreSQL (its command is `postgres`).
    static func isPostgresProcess(_ pid: Int32) -> Bool {
        guard let command = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8) else { return false }
        return command.trimmingCharacters(in: .whitespacesAndNewlines) == "postgres"
    }
}

/// Why ``BackendPriority`` leaves the backends as they are.
public enum BackendPriorityError: Error, Equatable, CustomStringConvertible {
    /// The server is not on this machine (its address).
    case remoteServer(String)
    /// Lowering a backend was refused (`EPERM`: no privileges over another user's process).
    case refused(pid: Int32, errno: Int32)

    public var description: String {
        switch self {
        case .remoteServer(let address): "the database server at \(address) is not on this machine"
        case .refused(let pid, let errno): "lowering backend \(pid) was refused: \(String(cString: strerror(errno)))"
        }
    }
}
