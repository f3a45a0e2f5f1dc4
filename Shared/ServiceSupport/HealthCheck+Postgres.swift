import PostgresClient

extension HealthCheck {
    /// The database probe every service reports: a `SELECT 1` through the service's pool, so a
    /// pool that cannot reach the server (or whose connections are all stuck) shows as degraded.
    public static func postgres(_ pool: PostgresPool) -> HealthCheck {
        HealthCheck("postgres") {
            do {
                _ = try await pool.query("SELECT 1")
                return ComponentHealth(ok: true)
            } catch {
                return ComponentHealth(ok: false, detail: "\(error)")
            }
        }
    }
}
