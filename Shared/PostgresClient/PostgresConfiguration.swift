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
    /// Whether prepared statements are planned for their actual parameters and the tables'
    /// current size on every run (`plan_cache_mode = force_custom_plan`), instead of switching to
    /// a generic plan after five runs. A generic plan stays until the table is analysed: made
    /// at start-up on empty tables, it kept scanning them whole as they grew (measured in the
    /// pipeline benchmark: scoring's history lookup at 395 ms per batch, up to 5.3 s, against
    /// 49 ms planned per run). Planning costs a little per statement, and the statements here
    /// run once per batch.
    public var forceCustomPlans: Bool

    /// A configuration; only the URL is required.
    public init(url: String, poolSize: Int = 4, connectTimeoutSeconds: Int = 10,
                applicationName: String = "socialcredit", forceCustomPlans: Bool = true) {
        self.url = url
        self.poolSize = max(1, poolSize)
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.applicationName = applicationName
        self.forceCustomPlans = forceCustomPlans
    }
}
