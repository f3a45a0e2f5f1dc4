import Foundation

/// One bound parameter: its type and bytes (`nil` is SQL NULL), in PostgreSQL's text format,
/// or binary for a ``PostgresBinaryEncodable`` value.
public struct PostgresBinding: Sendable {
    /// The type the server is told the parameter has.
    public var type: PostgresDataType
    /// The encoded bytes, or `nil` for NULL.
    public var bytes: [UInt8]?
    /// True when `bytes` are in binary format.
    public var isBinary = false

    /// Encodes a value; throws only if the value cannot be encoded (e.g. a failing `Encodable`).
    public init<Value: PostgresEncodable>(_ value: Value) throws {
        type = Value.postgresType
        if value.isPostgresNull {
            bytes = nil
        } else if let binary = value as? any PostgresBinaryEncodable {
            var buffer: [UInt8] = []
            try binary.encodePostgresBinary(into: &buffer)
            bytes = buffer
            isBinary = true
        } else {
            var buffer: [UInt8] = []
            try value.encodePostgresText(into: &buffer)
            bytes = buffer
        }
    }
}

/// An ordered list of bound parameters for raw SQL that refers to them as `$1`, `$2`, ...
public struct PostgresBindings: Sendable {
    /// The parameters, `$1` first.
    public private(set) var values: [PostgresBinding] = []
    /// An empty list.
    public init() {}
    /// Appends a value as the next `$n`.
    public mutating func append<Value: PostgresEncodable>(_ value: Value) throws {
        values.append(try PostgresBinding(value))
    }
}

/// A SQL statement with its parameters. Build it by interpolation — every interpolated value
/// becomes a `$n` parameter, never SQL text, so data cannot inject SQL:
///
///     let rows = try await db.query("SELECT * FROM events WHERE agency = \(agency) AND id > \(id)")
///
/// Identifiers (schema and table names) that must be part of the text go through
/// `\(identifier:)` (quoted) or, when already trusted, `\(unsafeRaw:)`.
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The SQL text with `$n` placeholders.
    public var sql: String
    /// The parameters, `$1` first.
    public var bindings: [PostgresBinding]
    /// Set when an interpolated value failed to encode; executing the query throws it.
    var encodingFailure: String?
    /// True when marked with ``genericPlan(_:)``: planned once per session, without sequential
    /// scans, inside a transaction.
    public private(set) var usesGenericPlan = false

    /// `query`, marked to be planned once per session and then run from that plan, made
    /// without sequential scans (`plan_cache_mode = force_generic_plan`, `enable_seqscan = off`,
    /// both `SET LOCAL`): inside a transaction, whatever ``PostgresConfiguration/forceCustomPlans``
    /// says; outside one it runs in the session's mode.
    ///
    /// For the pipeline's hot statements, which run once per batch. Planning them for every
    /// run was 17 % of PostgreSQL's CPU with the pipeline at 1,400 events/s (perf), 0.23 ms per
    /// run for scoring's history read. A generic plan made while a table was small and kept
    /// after it grew is the danger: a sequential scan cheapest for 50 rows, still run at 200,000.
    /// Without sequential scans a plan can only reach a table through an index, so mark only
    /// statements where that means a probe per key whatever the size:
    /// - an `INSERT … SELECT FROM unnest(…)` or `VALUES` (`ON CONFLICT` probes a unique index);
    /// - a lookup by key (`WHERE id = $1`, `seq = ANY($1)`, `seq > $1 ORDER BY seq LIMIT`);
    /// - a `LATERAL` subquery per key that the planner cannot turn into a join (`OFFSET 0`,
    ///   `FOR UPDATE`).
    /// Not a join left to the planner (`UPDATE … FROM unnest(…)`): it can read a whole index
    /// instead of a whole table.
    public static func genericPlan(_ query: PostgresQuery) -> PostgresQuery {
        var query = query
        query.usesGenericPlan = true
        return query
    }

    /// Throws the encoding failure, if a value could not be encoded (before anything is sent).
    func checkEncoded() throws {
        if let encodingFailure {
            throw PostgresError(code: .protocol, message: "cannot encode \(encodingFailure)", query: sql)
        }
    }

    /// Raw SQL plus explicit parameters, for statements built elsewhere (`$1`... in `sql`).
    public init(sql: String, bindings: PostgresBindings = PostgresBindings()) {
        self.sql = sql
        self.bindings = bindings.values
    }

    /// Raw SQL text with no parameters, from a `String` that may have been built at run time.
    /// Named "unsafe" because any data spliced into `sql` by the caller is SQL, not data.
    public init(unsafeSQL sql: String) {
        self.sql = sql
        bindings = []
    }

    /// A literal statement without parameters.
    public init(stringLiteral value: String) {
        sql = value
        bindings = []
    }

    /// A statement built by interpolation.
    public init(stringInterpolation: StringInterpolation) {
        sql = stringInterpolation.sql
        bindings = stringInterpolation.bindings
        encodingFailure = stringInterpolation.encodingFailure
    }

    /// The SQL text (parameters are not shown: they may be personal data).
    public var description: String { sql }

    /// Collects the literal SQL pieces and turns each interpolated value into a parameter.
    public struct StringInterpolation: StringInterpolationProtocol {
        var sql: String
        var bindings: [PostgresBinding] = []
        var encodingFailure: String?

        /// Reserves room for the SQL text.
        public init(literalCapacity: Int, interpolationCount: Int) {
            sql = ""
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
        }

        /// Appends literal SQL from the source code.
        public mutating func appendLiteral(_ literal: String) { sql += literal }

        /// Appends a value as the next `$n` parameter.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) {
            appendBinding(value)
        }

        /// Encodes `value` as the next parameter and appends its `$n`.
        private mutating func appendBinding<Value: PostgresEncodable>(_ value: Value) {
            do {
                bindings.append(try PostgresBinding(value))
            } catch {
                encodingFailure = encodingFailure ?? "parameter $\(bindings.count + 1): \(error)"
                bindings.append(PostgresBinding(failed: Value.postgresType))
            }
            sql += "$\(bindings.count)"
        }

        /// Appends an optional value as the next `$n` parameter (NULL for `nil`).
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            appendBinding(value)
        }

        /// Appends an identifier (schema, table, column) double-quoted with `"` doubled, so any
        /// string is safe and names keep their case.
        public mutating func appendInterpolation(identifier: String) {
            sql += PostgresQuery.quoteIdentifier(identifier)
        }

        /// Appends trusted text verbatim into the SQL. Never pass data from outside here.
        public mutating func appendInterpolation(unsafeRaw text: String) { sql += text }
    }

    /// `name` as a quoted SQL identifier: `my"schema` becomes `"my""schema"`.
    public static func quoteIdentifier(_ name: String) -> String {
        // Every statement quotes its schema: the common case (no quote inside) skips Foundation's
        // replacingOccurrences, which was 2.6 % of scoring's CPU in a profile at 700 events/s.
        guard name.utf8.contains(UInt8(ascii: "\"")) else { return "\"" + name + "\"" }
        return "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension PostgresBinding {
    /// A NULL placeholder for a value that failed to encode (the query will not run).
    fileprivate init(failed type: PostgresDataType) {
        self.type = type
        bytes = nil
    }
}
