/// How to reach PostgreSQL and how many connections to keep. Plain data with defaults: the
/// executable reads the environment and fills it in; the library never reads the environment.
public struct PostgresConfiguration: Sendable {
    /// libpq connection URL or `key=value` conninfo string, e.g. `postgresql://user@host:5432/db`.
    public var url: String
    /// Most connections a ``PostgresPool`` opens at once.
    public var poolSize: Int
    /// Seconds libpq waits for a connection to be established (`connect_timeout`).
    public var connectTimeoutSeconds: Int
    /// Shown in `pg_stat_activity.application_name`, to tell services apart.
    public var applicationName: String

    /// A configuration; only the URL is required.
    public init(url: String, poolSize: Int = 4, connectTimeoutSeconds: Int = 10,
                applicationName: String = "socialcredit") {
        self.url = url
        self.poolSize = max(1, poolSize)
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.applicationName = applicationName
    }
}
