/// libpq URLs of the form `postgresql://user@host:port/database?options`.
public enum DatabaseURL {
    /// `url` naming `database` instead of its own (options kept); nil if it is not a URL with a
    /// host part (a `key=value` conninfo string).
    public static func replacingDatabase(in url: String, with database: String) -> String? {
        guard let scheme = url.range(of: "://") else { return nil }
        let rest = url[scheme.upperBound...]
        let query = rest.firstIndex(of: "?").map { String(rest[$0...]) } ?? ""
        let beforeQuery = rest.prefix { $0 != "?" }
        let authority = beforeQuery.prefix { $0 != "/" }
        return String(url[..<scheme.upperBound]) + authority + "/" + database + query
    }
}
