/// An error from the PostgreSQL wrapper: what kind of failure, the server's diagnostics if any,
/// and the query that caused it, so a log line alone is enough to find the problem.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure; callers switch on it to decide between retry, fix and give up.
    public enum Code: Sendable, Equatable, CustomStringConvertible {
        /// Could not open a connection (server down, bad URL, authentication refused).
        case connectionFailed
        /// The connection broke during use (server restart, network failure).
        case connectionLost
        /// The server rejected a statement; the SQLSTATE says why (e.g. "23505").
        case server(sqlState: String)
        /// A column could not be decoded into the requested Swift type.
        case decoding
        /// libpq or the server answered in a way the wrapper did not expect.
        case `protocol`
        /// A migration could not be applied or an applied one was changed.
        case migration
        /// The pool was shut down while a caller waited for or asked for a connection.
        case poolClosed

        /// A short name for logs.
        public var description: String {
            switch self {
            case .connectionFailed: "connection failed"
            case .connectionLost: "connection lost"
            case .server(let state): "server error \(state)"
            case .decoding: "decoding error"
            case .protocol: "protocol error"
            case .migration: "migration error"
            case .poolClosed: "pool closed"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// The primary message (libpq's or the server's).
    public var message: String
    /// The server's DETAIL field, when it sent one.
    public var detail: String?
    /// The SQL text of the statement that failed, when there was one (never the bound values).
    public var query: String?
    /// The five-character SQLSTATE the server sent (also for a connection it terminated, e.g.
    /// 57P01), `nil` for client-side failures.
    public var sqlState: String?

    /// Creates an error; the wrapper builds these, tests and callers may too.
    public init(code: Code, message: String, detail: String? = nil, query: String? = nil, sqlState: String? = nil) {
        self.code = code
        self.message = message
        self.detail = detail
        self.query = query
        if case .server(let state) = code { self.sqlState = state } else { self.sqlState = sqlState }
    }

    /// SQLSTATEs after which running the same work again can succeed: serialization failure,
    /// deadlock, shutdowns and connection-class errors.
    static let retriableStates: Set<String> = [
        "40001", "40P01", "57P01", "57P02", "57P03", "53300", "08000", "08003", "08006", "08001", "08004",
    ]

    /// True when retrying the same work later may succeed (connection trouble, serialization
    /// failure, deadlock, server shutting down); false for bugs and bad data.
    public var isRetriable: Bool {
        switch code {
        case .connectionFailed, .connectionLost: true
        case .server(let state): Self.retriableStates.contains(state)
        case .decoding, .protocol, .migration, .poolClosed: false
        }
    }

    /// One line: kind, SQLSTATE, message, detail and the query text.
    public var description: String {
        var text = "PostgresError(\(code)): \(message)"
        if let sqlState, code != .server(sqlState: sqlState) { text += " (SQLSTATE \(sqlState))" }
        if let detail, !detail.isEmpty { text += " — detail: \(detail)" }
        if let query { text += " — query: \(query)" }
        if isRetriable { text += " [retriable]" }
        return text
    }
}
