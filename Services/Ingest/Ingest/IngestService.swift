/// The `ingest` service's logic; its executable (Services/Ingest/Main) is a thin `main`.
public enum IngestService {}
