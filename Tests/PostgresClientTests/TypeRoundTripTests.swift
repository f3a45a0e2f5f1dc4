import Foundation
import PostgresClient
import Testing

/// A Codable value stored as jsonb.
struct Attributes: Codable, Equatable, Sendable {
    var breed: String
    var weight: Double
    var tags: [String]
}

@Suite("Types round-trip")
struct TypeRoundTripTests {
    let date = Date(timeIntervalSince1970: 1_712_345_678.123456)
    let uuid = UUID()
    let bytes: [UInt8] = [0, 1, 2, 0x7f, 0x80, 0xff, 92, 9, 10]

    @Test func everyTypeRoundTripsThroughATable() async throws {
        let connection = try await TestDB.connect()
        let table = TestDB.uniqueName("types")
        try await connection.execute("""
            CREATE TABLE \(identifier: table) (
                i bigint, i64 bigint, i32 integer, d double precision, b boolean, s text, t timestamptz,
                u uuid, by bytea, j jsonb, raw json)
            """)
        let attributes = Attributes(breed: "shiba \"inu\"", weight: 9.5, tags: ["a", "ü"])
        let text = "tab\there, newline\nhere, quote ' \" backslash \\ and ünïcødé 🐕"
        try await connection.execute("""
            INSERT INTO \(identifier: table) VALUES (\(42), \(Int64.min), \(Int32.max), \(3.141592653589793), \(true),
                \(text), \(date), \(uuid), \(Data(bytes)), \(PostgresJSON(attributes)), \(PostgresRawJSON("{\"k\": [1, 2]}")))
            """)
        let row = try await connection.query("SELECT * FROM \(identifier: table)")[0]
        #expect(try row.decode(Int.self, at: 0) == 42)
        #expect(try row.decode(Int64.self, named: "i64") == Int64.min)
        #expect(try row.decode(Int32.self, named: "i32") == Int32.max)
        #expect(try row.decode(Double.self, named: "d") == 3.141592653589793)
        #expect(try row.decode(Bool.self, named: "b") == true)
        #expect(try row.decode(String.self, named: "s") == text)
        #expect(try row.decode(Date.self, named: "t") == date)
        #expect(try row.decode(UUID.self, named: "u") == uuid)
        #expect(try row.decode(Data.self, named: "by") == Data(bytes))
        #expect(try row.decode([UInt8].self, named: "by") == bytes)
        #expect(try row.decodeJSON(Attributes.self, named: "j") == attributes)
        #expect(try row.decode(PostgresRawJSON.self, named: "raw").text == "{\"k\": [1, 2]}")
    }

    /// The UUID text helpers agree with Foundation and refuse what is not a canonical UUID.
    @Test func uuidTextMatchesFoundation() {
        for _ in 0..<200 {
            let uuid = UUID()
            #expect(uuid.lowercasedText == uuid.uuidString.lowercased())
            #expect(UUID(canonicalText: uuid.uuidString) == uuid)
            #expect(UUID(canonicalText: uuid.lowercasedText) == uuid)
        }
        for bad in ["", "not a uuid", "0123456789abcdef0123456789abcdef", "01234567-89ab-cdef-0123-456789abcdeg",
                    "01234567-89ab-cdef-0123-456789abcdef0", "01234567-89ab-cdef-0123+456789abcdef",
                    "0123456-789ab-cdef-0123-456789abcdef", "01234567-89ab-cdef-0123-456789abcdé", "g1234567-89ab-cdef-0123-456789abcdef"] {
            #expect(UUID(canonicalText: bad) == nil)
        }
    }

    /// A `bytea` result (hex text) decodes to every byte value, in order, and to nothing when empty.
    @Test func byteaResultsDecodeEveryByteValue() async throws {
        let connection = try await TestDB.connect()
        let all = Data((0...255).map { UInt8($0) } + (0...255).reversed().map { UInt8($0) })
        let rows = try await connection.query("SELECT \(all)::bytea, \(Data())::bytea, decode(\("DEADbeef"), 'hex')")
        #expect(try rows[0].decode(Data.self, at: 0) == all)
        #expect(try rows[0].decode([UInt8].self, at: 1) == [])
        #expect(try rows[0].decode([UInt8].self, at: 2) == [0xDE, 0xAD, 0xBE, 0xEF])
    }

    /// `[Data]` is bound in binary (no hex text): any bytes, empty elements and an empty array.
    @Test func byteaArraysTravelInBinary() async throws {
        let connection = try await TestDB.connect()
        let values = [Data(bytes), Data(), Data("{\"a\":\"\\\\\"}".utf8), Data(repeating: 0, count: 3)]
        #expect(try PostgresBinding(values).isBinary)
        let rows = try await connection.query("""
            SELECT b FROM unnest(\(values)::bytea[]) WITH ORDINALITY AS x(b, i) ORDER BY i
            """)
        #expect(try rows.map { try $0.decode(Data.self, at: 0) } == values)
        let empty = try await connection.query("SELECT cardinality(\([Data]())::bytea[]), \("text after binary")::text")
        #expect(try empty[0].decode(Int.self, at: 0) == 0)
        #expect(try empty[0].decode(String.self, at: 1) == "text after binary")
    }

    @Test func nullRoundTripsAsOptionalOfEveryType() async throws {
        let connection = try await TestDB.connect()
        let row = try await connection.query("""
            SELECT \(Int?.none)::bigint AS i, \(Int64?.none) AS i64, \(Int32?.none) AS i32, \(Double?.none) AS d,
                   \(Bool?.none) AS b, \(String?.none) AS s, \(Date?.none) AS t, \(UUID?.none) AS u,
                   \(Data?.none) AS by, \(PostgresRawJSON?.none) AS j
            """)[0]
        #expect(try row.decode(Int?.self, named: "i") == nil)
        #expect(try row.decode(Int64?.self, named: "i64") == nil)
        #expect(try row.decode(Int32?.self, named: "i32") == nil)
        #expect(try row.decode(Double?.self, named: "d") == nil)
        #expect(try row.decode(Bool?.self, named: "b") == nil)
        #expect(try row.decode(String?.self, named: "s") == nil)
        #expect(try row.decode(Date?.self, named: "t") == nil)
        #expect(try row.decode(UUID?.self, named: "u") == nil)
        #expect(try row.decode(Data?.self, named: "by") == nil)
        #expect(try row.decode([UInt8]?.self, named: "by") == nil)
        #expect(try row.decode(PostgresRawJSON?.self, named: "j") == nil)
        #expect(try row.decodeJSONIfPresent(Attributes.self, at: 9) == nil)
        #expect(try row.isNull(at: 0))
        // Non-optional decoding of NULL is an error that names the column.
        let error = #expect(throws: PostgresError.self) { try row.decode(Int.self, named: "i") }
        #expect(error?.code == .decoding)
        #expect(error?.message.contains("\"i\"") == true)
    }

    @Test func optionalValuesWithContentRoundTrip() async throws {
        let connection = try await TestDB.connect()
        let name: String? = "present"
        let count: Int? = 7
        let row = try await connection.query("SELECT \(name) AS name, \(count) AS count")[0]
        #expect(try row.decode(String?.self, at: 0) == "present")
        #expect(try row.decode(Int?.self, at: 1) == 7)
    }

    @Test func arraysBindAsParametersForUnnest() async throws {
        let connection = try await TestDB.connect()
        let strings = ["a", "with \"quote\"", "back\\slash\"\\", "comma,brace}{", "", "NULL"]
        let ids: [Int64] = [1, -2, 3, Int64.max, 0, 5]
        let dates = (0..<6).map { Date(timeIntervalSince1970: 1_700_000_000 + Double($0) * 0.000001) }
        let uuids = (0..<6).map { _ in UUID() }
        let blobs = (0..<6).map { Data([UInt8($0), 0, 255]) }
        let optionals: [String?] = ["x", nil, "z", nil, "NULL", "w"]
        let rows = try await connection.query("""
            SELECT s, i, t, u, b, o FROM unnest(\(strings)::text[], \(ids)::bigint[], \(dates)::timestamptz[],
                \(uuids)::uuid[], \(blobs)::bytea[], \(optionals)::text[]) WITH ORDINALITY AS x(s, i, t, u, b, o, n)
            ORDER BY n
            """)
        #expect(rows.count == 6)
        for (index, row) in rows.enumerated() {
            #expect(try row.decode(String.self, at: 0) == strings[index])
            #expect(try row.decode(Int64.self, at: 1) == ids[index])
            #expect(try row.decode(Date.self, at: 2) == dates[index])
            #expect(try row.decode(UUID.self, at: 3) == uuids[index])
            #expect(try row.decode(Data.self, at: 4) == blobs[index])
            #expect(try row.decode(String?.self, at: 5) == optionals[index])
        }
        let numbers = try await connection.query("SELECT \([1.5, -2.25])::float8[] AS f, \([true, false]) AS b, \([Int32(1), 2]) AS i")[0]
        #expect(try numbers.decode(String.self, at: 0) == "{1.5,-2.25}")
        #expect(try numbers.decode(String.self, at: 1) == "{t,f}")
        #expect(try numbers.decode(String.self, at: 2) == "{1,2}")
    }

    @Test func timestampsKeepMicrosecondsAcrossRanges() async throws {
        let connection = try await TestDB.connect()
        let dates = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -86_400.5),
            Date(timeIntervalSince1970: 946_684_799.999999), Date(timeIntervalSince1970: 4_102_444_800.000001),
            Date(timeIntervalSince1970: -2_208_988_800.25),
        ]
        for date in dates {
            let row = try await connection.query("SELECT \(date) AS t, \(date)::timestamptz::text AS text")[0]
            let text = try row.decode(String.self, at: 1)
            #expect(try row.decode(Date.self, at: 0) == date, "\(text)")
        }
        // Non-UTC offsets from the server parse too.
        let row = try await connection.query("SELECT '2024-01-02 03:04:05.5+05:30'::timestamptz::text AS t")[0]
        #expect(try row.decode(String.self, at: 0) == "2024-01-01 21:34:05.5+00")
    }

    @Test func typeMismatchNamesColumnAndTypes() async throws {
        let connection = try await TestDB.connect()
        let row = try await connection.query("SELECT 'abc'::text AS name, 5::int AS n")[0]
        let error = #expect(throws: PostgresError.self) { try row.decode(Int.self, named: "name") }
        #expect(error?.code == .decoding)
        #expect(error?.description.contains("\"name\"") == true)
        #expect(error?.description.contains("text") == true)
        #expect(error?.description.contains("Int") == true)
        #expect(throws: PostgresError.self) { try row.decode(Bool.self, at: 1) }
        #expect(throws: PostgresError.self) { try row.decode(Int.self, named: "missing") }
        #expect(throws: PostgresError.self) { try row.decode(Int.self, at: 7) }
    }
}
