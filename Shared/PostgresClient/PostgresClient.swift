/// Swift wrapper over libpq.
public enum PostgresClient {}
