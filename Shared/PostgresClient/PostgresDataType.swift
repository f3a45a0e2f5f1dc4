/// A PostgreSQL type OID (`pg_type.oid`) with names for the built-in types the wrapper binds and
/// decodes; it tells the server what a parameter is and tells the decoder what a column is.
public struct PostgresDataType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The OID.
    public var rawValue: UInt32
    /// Wraps an OID.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Let the server infer the type, as for an untyped literal.
    public static let unknown = PostgresDataType(rawValue: 0)
    /// `boolean`.
    public static let bool = PostgresDataType(rawValue: 16)
    /// `bytea`.
    public static let bytea = PostgresDataType(rawValue: 17)
    /// `name` (system identifiers).
    public static let name = PostgresDataType(rawValue: 19)
    /// `bigint`.
    public static let int8 = PostgresDataType(rawValue: 20)
    /// `smallint`.
    public static let int2 = PostgresDataType(rawValue: 21)
    /// `integer`.
    public static let int4 = PostgresDataType(rawValue: 23)
    /// `text`.
    public static let text = PostgresDataType(rawValue: 25)
    /// `oid`.
    public static let oid = PostgresDataType(rawValue: 26)
    /// `json`.
    public static let json = PostgresDataType(rawValue: 114)
    /// `real`.
    public static let float4 = PostgresDataType(rawValue: 700)
    /// `double precision`.
    public static let float8 = PostgresDataType(rawValue: 701)
    /// `character(n)`.
    public static let bpchar = PostgresDataType(rawValue: 1042)
    /// `character varying`.
    public static let varchar = PostgresDataType(rawValue: 1043)
    /// `timestamp without time zone` (read as UTC).
    public static let timestamp = PostgresDataType(rawValue: 1114)
    /// `timestamp with time zone`.
    public static let timestamptz = PostgresDataType(rawValue: 1184)
    /// `numeric`.
    public static let numeric = PostgresDataType(rawValue: 1700)
    /// `uuid`.
    public static let uuid = PostgresDataType(rawValue: 2950)
    /// `jsonb`.
    public static let jsonb = PostgresDataType(rawValue: 3802)
    /// `boolean[]`.
    public static let boolArray = PostgresDataType(rawValue: 1000)
    /// `bytea[]`.
    public static let byteaArray = PostgresDataType(rawValue: 1001)
    /// `smallint[]`.
    public static let int2Array = PostgresDataType(rawValue: 1005)
    /// `integer[]`.
    public static let int4Array = PostgresDataType(rawValue: 1007)
    /// `text[]`.
    public static let textArray = PostgresDataType(rawValue: 1009)
    /// `bigint[]`.
    public static let int8Array = PostgresDataType(rawValue: 1016)
    /// `double precision[]`.
    public static let float8Array = PostgresDataType(rawValue: 1022)
    /// `timestamptz[]`.
    public static let timestamptzArray = PostgresDataType(rawValue: 1185)
    /// `uuid[]`.
    public static let uuidArray = PostgresDataType(rawValue: 2951)
    /// `json[]`.
    public static let jsonArray = PostgresDataType(rawValue: 199)
    /// `jsonb[]`.
    public static let jsonbArray = PostgresDataType(rawValue: 3807)

    private static let names: [UInt32: String] = [
        0: "unknown", 16: "bool", 17: "bytea", 19: "name", 20: "int8", 21: "int2", 23: "int4", 25: "text",
        26: "oid", 114: "json", 700: "float4", 701: "float8", 1042: "bpchar", 1043: "varchar",
        1114: "timestamp", 1184: "timestamptz", 1700: "numeric", 2950: "uuid", 3802: "jsonb",
        1000: "bool[]", 1001: "bytea[]", 1005: "int2[]", 1007: "int4[]", 1009: "text[]", 1016: "int8[]",
        1022: "float8[]", 1185: "timestamptz[]", 2951: "uuid[]", 199: "json[]", 3807: "jsonb[]",
    ]

    /// The type's SQL name when known, else `oid <n>`.
    public var description: String { Self.names[rawValue] ?? "oid \(rawValue)" }
}
