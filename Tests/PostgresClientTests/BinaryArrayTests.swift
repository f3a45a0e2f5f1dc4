import Foundation
import PostgresClient
import Testing

/// Array parameters travel in binary (`array_recv`); the server must read back exactly what
/// was bound, at the edges of every element type.
@Suite("Binary array parameters")
struct BinaryArrayTests {
    @Test func everyElementTypeTravelsInBinary() throws {
        #expect(try PostgresBinding(["a"]).isBinary)
        #expect(try PostgresBinding([String?.none]).isBinary)
        #expect(try PostgresBinding([1]).isBinary)
        #expect(try PostgresBinding([Int?.none]).isBinary)
        #expect(try PostgresBinding([Int64(1)]).isBinary)
        #expect(try PostgresBinding([Int32(1)]).isBinary)
        #expect(try PostgresBinding([Int16(1)]).isBinary)
        #expect(try PostgresBinding([1.5]).isBinary)
        #expect(try PostgresBinding([true]).isBinary)
        #expect(try PostgresBinding([UUID()]).isBinary)
        #expect(try PostgresBinding([Date()]).isBinary)
        #expect(try PostgresBinding([Data()]).isBinary)
        #expect(try PostgresBinding([PostgresRawJSON("{}")]).isBinary)
        #expect(try PostgresBinding([PostgresJSON(["k": 1])]).isBinary)
        // A single value stays text.
        #expect(try !PostgresBinding("a").isBinary)
    }

    @Test func integersAndFloatsKeepTheirExtremes() async throws {
        let connection = try await TestDB.connect()
        let int64s: [Int64] = [.min, -1, 0, 1, .max]
        let ints: [Int] = [.min, -42, 0, 42, .max]
        let int32s: [Int32] = [.min, -7, 0, 7, .max]
        let int16s: [Int16] = [.min, -3, 0, 3, .max]
        let doubles: [Double] = [-.infinity, -0.5, 0, 3.141592653589793, .infinity]
        let bools = [true, false, true, false, true]
        let rows = try await connection.query("""
            SELECT a, b, c, d, e, f FROM unnest(\(int64s)::bigint[], \(ints)::bigint[], \(int32s)::int[],
                \(int16s)::smallint[], \(doubles)::float8[], \(bools)::bool[]) WITH ORDINALITY AS x(a, b, c, d, e, f, n)
            ORDER BY n
            """)
        #expect(try rows.map { try $0.decode(Int64.self, at: 0) } == int64s)
        #expect(try rows.map { try $0.decode(Int.self, at: 1) } == ints)
        #expect(try rows.map { try $0.decode(Int32.self, at: 2) } == int32s)
        #expect(try rows.map { try Int16($0.decode(Int.self, at: 3)) } == int16s)
        #expect(try rows.map { try $0.decode(Double.self, at: 4) } == doubles)
        #expect(try rows.map { try $0.decode(Bool.self, at: 5) } == bools)
        let nan = try await connection.query("SELECT (\([Double.nan])::float8[])[1] = 'NaN'::float8")[0]
        #expect(try nan.decode(Bool.self, at: 0))
    }

    @Test func timestampsKeepMicrosecondsAndClampToInfinity() async throws {
        let connection = try await TestDB.connect()
        let dates = [
            Date(timeIntervalSince1970: 946_684_800), Date(timeIntervalSince1970: 946_684_799.999999),
            Date(timeIntervalSince1970: 1_712_345_678.123456), Date(timeIntervalSince1970: -86_400.5),
            Date(timeIntervalSince1970: -62_135_596_800),
        ]
        let rows = try await connection.query("""
            SELECT t, t::text FROM unnest(\(dates)::timestamptz[]) WITH ORDINALITY AS x(t, n) ORDER BY n
            """)
        #expect(try rows.map { try $0.decode(Date.self, at: 0) } == dates)
        #expect(try rows[0].decode(String.self, at: 1) == "2000-01-01 00:00:00+00")
        #expect(try rows[4].decode(String.self, at: 1) == "0001-01-01 00:00:00+00")
        // Years outside 1...9999 are infinities, as in the text form (a whole second out: a Double
        // this far from 1970 cannot hold a microsecond).
        let outside = [Date(timeIntervalSince1970: -62_135_596_801), Date(timeIntervalSince1970: 253_402_300_800)]
        let infinite = try await connection.query("SELECT t::text FROM unnest(\(outside)::timestamptz[]) WITH ORDINALITY AS x(t, n) ORDER BY n")
        #expect(try infinite.map { try $0.decode(String.self, at: 0) } == ["-infinity", "infinity"])
    }

    @Test func nullsEmptyTextAndJSONRoundTrip() async throws {
        let connection = try await TestDB.connect()
        let strings: [String?] = ["", nil, "quote \" backslash \\ comma, brace {}", "ünïcødé 🐕", nil, "NULL"]
        let uuids: [UUID?] = [UUID(), nil, UUID(), nil, UUID(), nil]
        let stamps: [Date?] = [nil, Date(timeIntervalSince1970: 1), nil, nil, nil, Date(timeIntervalSince1970: 2)]
        let json: [PostgresRawJSON?] = [PostgresRawJSON("{\"a\": [1, \"x\"]}"), nil, PostgresRawJSON("[]"), nil,
                                        PostgresRawJSON("\"s\""), PostgresRawJSON("null")]
        let rows = try await connection.query("""
            SELECT s, u, t, j::text, s IS NULL FROM unnest(\(strings)::text[], \(uuids)::uuid[], \(stamps)::timestamptz[],
                \(json)::jsonb[]) WITH ORDINALITY AS x(s, u, t, j, n) ORDER BY n
            """)
        #expect(try rows.map { try $0.decode(String?.self, at: 0) } == strings)
        #expect(try rows.map { try $0.decode(UUID?.self, at: 1) } == uuids)
        #expect(try rows.map { try $0.decode(Date?.self, at: 2) } == stamps)
        #expect(try rows.map { try $0.decode(String?.self, at: 3) } == ["{\"a\": [1, \"x\"]}", nil, "[]", nil, "\"s\"", "null"])
        #expect(try rows.map { try $0.decode(Bool.self, at: 4) } == [false, true, false, false, true, false])
        let empty = try await connection.query("""
            SELECT cardinality(\([String]())::text[]), cardinality(\([Date]())::timestamptz[]), cardinality(\([Int?]())::bigint[])
            """)[0]
        #expect(try (0..<3).map { try empty.decode(Int.self, at: $0) } == [0, 0, 0])
    }

    /// Binary values are passed where they lie and text values through one NUL-terminated
    /// buffer: each must still reach its own `$n`, in a plain query and in a pipelined one,
    /// with NULLs and a value of megabytes between them.
    @Test func textAndBinaryParametersEachReachTheirPlace() async throws {
        let connection = try await TestDB.connect()
        let payloads = (0..<1_500).map { Data(repeating: UInt8($0 % 251), count: 1_000 + $0 % 7) }
        let names: [String?] = ["first", nil, "third"]
        let none: String? = nil
        let query: PostgresQuery = """
            SELECT \("head")::text, cardinality(\(payloads)::bytea[]), \(none)::text IS NULL,
                   (SELECT sum(length(p))::bigint FROM unnest(\(payloads)::bytea[]) p), \(names)::text[] = ARRAY['first', NULL, 'third'],
                   \(42)::int, \([Int]())::bigint[] = '{}', \("tail")::text
            """
        for row in [try await connection.query(query)[0], try await connection.queries([query, query])[1][0]] {
            #expect(try row.decode(String.self, at: 0) == "head")
            #expect(try row.decode(Int.self, at: 1) == payloads.count)
            #expect(try row.decode(Bool.self, at: 2))
            #expect(try row.decode(Int.self, at: 3) == payloads.reduce(0) { $0 + $1.count })
            #expect(try row.decode(Bool.self, at: 4))
            #expect(try row.decode(Int.self, at: 5) == 42)
            #expect(try row.decode(Bool.self, at: 6))
            #expect(try row.decode(String.self, at: 7) == "tail")
        }
    }

    @Test func aNULCharacterIsRefusedBeforeAnythingIsSent() async throws {
        let connection = try await TestDB.connect()
        #expect(throws: PostgresError.self) { try PostgresBinding(["fine", "cut\u{0}here"]) }
        let error = await #expect(throws: PostgresError.self) {
            try await connection.query("SELECT cardinality(\(["fine", "cut\u{0}here"])::text[])")
        }
        #expect(error?.message.contains("NUL") == true)
        #expect(try await connection.query("SELECT 1")[0].decode(Int.self, at: 0) == 1)
    }
}
