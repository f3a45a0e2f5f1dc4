import Foundation
import Synchronization

/// File helpers of the launcher: directories, pid files, log tails, free ports, liveness.
public enum LauncherFiles {
    /// Creates `path` and its parents if missing.
    public static func createDirectory(_ path: String) throws(LauncherError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .file(path, "cannot create directory: \(error.localizedDescription)")
        }
    }

    /// The last `lines` lines of the file at `path` (empty if unreadable); reads at most its last 64 KiB.
    public static func tail(of path: String, lines: Int) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 65_536 ? size - 65_536 : 0)
        let text = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .reversed().drop { $0.isEmpty }.prefix(lines).reversed().joined(separator: "\n")
    }

    /// Writes `pid` to `path` (atomically).
    public static func writePID(_ pid: pid_t, to path: String) throws(LauncherError) {
        do {
            try Data("\(pid)\n".utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .file(path, "cannot write pid file: \(error.localizedDescription)")
        }
    }

    /// The pid in the file at `path`, if it holds one.
    public static func readPID(_ path: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The pid in `path` if that process is alive (and, when `named` is given, its command line
    /// mentions that name, so a reused pid is not mistaken for ours).
    public static func livePID(in path: String, named name: String? = nil) -> pid_t? {
        guard let pid = readPID(path), isAlive(pid) else { return nil }
        if let name {
            let commandLine = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
            guard String(decoding: commandLine, as: UTF8.self).contains(name) else { return nil }
        }
        return pid
    }

    /// Whether a process with `pid` exists (and is not a zombie).
    public static func isAlive(_ pid: pid_t) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return true }
        return !stat[close...].hasPrefix(") Z")
    }

    /// A TCP port on 127.0.0.1 that is free right now, for a child process to listen on.
    ///
    /// It comes from below the kernel's ephemeral range (`ip_local_port_range`), never from it:
    /// a port the kernel handed out once is handed out again to the next outgoing connection or
    /// port-0 listener (a broker client, a mock cluster), and the child's `bind` then fails with
    /// "Address already in use". Ports are not handed out twice by one process.
    public static func freePort() throws(LauncherError) -> Int {
        try freePorts(count: 1)
    }

    /// The first of `count` consecutive TCP ports on 127.0.0.1 that are free right now, chosen
    /// as `freePort()` chooses one (for `--port-base`, whose services take consecutive ports).
    public static func freePorts(count: Int) throws(LauncherError) -> Int {
        let candidates = portsOutsideEphemeralRange()
        for _ in 0..<500 {
            let base = Int.random(in: candidates.lowerBound...(candidates.upperBound - count + 1))
            let ports = Array(base..<(base + count))
            guard ports.allSatisfy(canBind) else { continue }
            let reserved = handedOut.withLock { taken in
                guard ports.allSatisfy({ !taken.contains($0) }) else { return false }
                taken.formUnion(ports)
                return true
            }
            if reserved { return base }
        }
        throw .invalidSetting("no \(count) free consecutive port(s) found in \(candidates) on 127.0.0.1")
    }

    /// Ports this process has handed out already.
    private static let handedOut = Mutex<Set<Int>>([])

    /// Listening ports that the kernel does not assign on its own: below `ip_local_port_range`
    /// (32768-60999 by default), or above it when it starts too low to leave room.
    static func portsOutsideEphemeralRange() -> ClosedRange<Int> {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let bounds = text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        let (low, high) = bounds.count == 2 ? (bounds[0], bounds[1]) : (32_768, 60_999)
        if low > 12_000 { return 10_000...(low - 1) }
        if high < 63_000 { return (high + 1)...65_535 }
        return 10_000...65_535
    }

    /// Whether a listening socket could bind 127.0.0.1:`port` right now.
    static func canBind(_ port: Int) -> Bool {
        withLoopbackSocket(port: port) { fd, address, length in bind(fd, address, length) == 0 }
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func isListening(port: Int) -> Bool {
        withLoopbackSocket(port: port) { fd, address, length in connect(fd, address, length) == 0 }
    }

    /// Runs `body` with a fresh TCP socket and the address 127.0.0.1:`port`, then closes it.
    private static func withLoopbackSocket(port: Int, _ body: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Bool) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                body(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }
}
