/// Shared model: subject codes, catalogs and message schemas (DESIGN §3–§5).
public enum CreditModel {}
