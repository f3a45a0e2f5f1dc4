/// The `sanctions` service's logic; its executable (Services/Sanctions/Main) is a thin `main`.
public enum SanctionsService {}
