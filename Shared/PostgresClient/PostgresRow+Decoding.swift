import Foundation

/// A Swift type that can be read from a result column (text format). Conformances check the
/// column's type and report mismatches naming the column.
public protocol PostgresDecodable: Sendable {
    /// Decodes a cell; throws a ``PostgresError`` with code `.decoding` on NULL (unless the type
    /// is an `Optional`), on a type mismatch or on malformed text.
    static func decode(from cell: PostgresCell) throws -> Self
}

private let integerTypes: [PostgresDataType] = [.int2, .int4, .int8, .oid]

/// Parses a decimal integer within `range` from ASCII bytes.
private func parseInteger<T: FixedWidthInteger>(_ type: T.Type, _ cell: PostgresCell) throws -> T {
    let bytes = try cell.require(T.self, types: integerTypes)
    var index = bytes.startIndex
    let negative = index < bytes.endIndex && bytes[index] == UInt8(ascii: "-")
    if negative { index += 1 }
    guard index < bytes.endIndex else { throw cell.mismatch(T.self, "empty number") }
    var value: T = 0
    while index < bytes.endIndex {
        let digit = bytes[index] &- UInt8(ascii: "0")
        guard digit < 10 else { throw cell.mismatch(T.self, "not an integer: \(cell.string)") }
        let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
        let (next, overflow2) = negative
            ? shifted.subtractingReportingOverflow(T(digit))
            : shifted.addingReportingOverflow(T(digit))
        guard !overflow1, !overflow2 else { throw cell.mismatch(T.self, "\(cell.string) is out of range") }
        value = next
        index += 1
    }
    return value
}

extension Int: PostgresDecodable {
    /// From `smallint`, `integer`, `bigint` or `oid`.
    public static func decode(from cell: PostgresCell) throws -> Int { try parseInteger(Int.self, cell) }
}

extension Int64: PostgresDecodable {
    /// From `smallint`, `integer`, `bigint` or `oid`.
    public static func decode(from cell: PostgresCell) throws -> Int64 { try parseInteger(Int64.self, cell) }
}

extension Int32: PostgresDecodable {
    /// From `smallint`, `integer`, `bigint` or `oid` (a value out of range is an error).
    public static func decode(from cell: PostgresCell) throws -> Int32 { try parseInteger(Int32.self, cell) }
}

extension Int16: PostgresDecodable {
    /// From `smallint`, `integer`, `bigint` or `oid` (a value out of range is an error).
    public static func decode(from cell: PostgresCell) throws -> Int16 { try parseInteger(Int16.self, cell) }
}

extension Double: PostgresDecodable {
    /// From `real`, `double precision`, `numeric` or an integer type.
    public static func decode(from cell: PostgresCell) throws -> Double {
        _ = try cell.require(Double.self, types: [.float4, .float8, .numeric] + integerTypes)
        let text = cell.string
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default:
            guard let value = Double(text) else { throw cell.mismatch(Double.self, "not a number: \(text)") }
            return value
        }
    }
}

extension Bool: PostgresDecodable {
    /// From `boolean` (`t`/`f`).
    public static func decode(from cell: PostgresCell) throws -> Bool {
        let bytes = try cell.require(Bool.self, types: [.bool])
        switch bytes.first {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        default: throw cell.mismatch(Bool.self, "not a boolean: \(cell.string)")
        }
    }
}

extension String: PostgresDecodable {
    /// The text form of a column of any type (text, varchar, numeric, json...).
    public static func decode(from cell: PostgresCell) throws -> String {
        String(decoding: try cell.require(String.self, types: []), as: UTF8.self)
    }
}

extension Date: PostgresDecodable {
    /// From `timestamptz` (or `timestamp`, taken as UTC), at microsecond precision.
    public static func decode(from cell: PostgresCell) throws -> Date {
        let bytes = try cell.require(Date.self, types: [.timestamptz, .timestamp])
        guard let date = PostgresTimestamp.parse(bytes) else {
            throw cell.mismatch(Date.self, "unparsable timestamp \(cell.string)")
        }
        return date
    }
}

extension UUID: PostgresDecodable {
    /// From `uuid`.
    public static func decode(from cell: PostgresCell) throws -> UUID {
        let bytes = try cell.require(UUID.self, types: [.uuid])
        guard let uuid = bytes.withUnsafeBufferPointer(UUID.parseCanonical) else { throw cell.mismatch(UUID.self, "bad uuid") }
        return UUID(uuid: uuid)
    }
}

/// Decodes bytea's hex output (`\x0a1b...`).
private func decodeBytea(_ cell: PostgresCell, as swiftType: Any.Type) throws -> [UInt8] {
    let bytes = try cell.require(swiftType, types: [.bytea])
    guard bytes.count >= 2, bytes.first == UInt8(ascii: "\\"), bytes[bytes.startIndex + 1] == UInt8(ascii: "x"),
          bytes.count % 2 == 0 else {
        throw cell.mismatch(swiftType, "bytea is not in hex format (set bytea_output = 'hex')")
    }
    // Every outbox payload a publisher sends passes through here (twice its size in hex): a
    // table lookup per digit into a buffer written once, instead of a range switch per digit
    // and a checked append per byte.
    let count = (bytes.count - 2) / 2
    var valid = true
    let output = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        bytes.withUnsafeBufferPointer { hex in
            HexDigits.values.withUnsafeBufferPointer { table in
                var index = 2
                for position in 0..<count {
                    let high = table[Int(hex[index])], low = table[Int(hex[index + 1])]
                    valid = valid && (high | low) < 16
                    buffer[position] = high << 4 | low
                    index += 2
                }
            }
        }
        initialized = count
    }
    guard valid else { throw cell.mismatch(swiftType, "bad hex digit in bytea") }
    return output
}

extension Data: PostgresDecodable {
    /// From `bytea`.
    public static func decode(from cell: PostgresCell) throws -> Data { Data(try decodeBytea(cell, as: Data.self)) }
}

extension Array: PostgresDecodable where Element == UInt8 {
    /// From `bytea`.
    public static func decode(from cell: PostgresCell) throws -> [UInt8] { try decodeBytea(cell, as: [UInt8].self) }
}

extension PostgresRawJSON: PostgresDecodable {
    /// The JSON text of a `json` or `jsonb` column.
    public static func decode(from cell: PostgresCell) throws -> PostgresRawJSON {
        PostgresRawJSON(String(decoding: try cell.require(PostgresRawJSON.self, types: [.json, .jsonb]), as: UTF8.self))
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    /// `nil` for NULL, else the wrapped type's decoding.
    public static func decode(from cell: PostgresCell) throws -> Wrapped? {
        cell.bytes == nil ? nil : try Wrapped.decode(from: cell)
    }
}

extension PostgresRow {
    /// Decodes a `json`/`jsonb` column into a `Decodable` value.
    public func decodeJSON<T: Decodable>(_ type: T.Type = T.self, at column: Int,
                                         decoder: JSONDecoder = JSONDecoder()) throws -> T {
        try Self.decodeJSON(T.self, cell: cell(at: column), decoder: decoder)
    }

    /// Decodes the `json`/`jsonb` column called `name` into a `Decodable` value.
    public func decodeJSON<T: Decodable>(_ type: T.Type = T.self, named name: String,
                                         decoder: JSONDecoder = JSONDecoder()) throws -> T {
        try Self.decodeJSON(T.self, cell: cell(named: name), decoder: decoder)
    }

    /// Decodes the `json`/`jsonb` column at `column` into `T?`, `nil` for NULL.
    public func decodeJSONIfPresent<T: Decodable>(_ type: T.Type = T.self, at column: Int,
                                                  decoder: JSONDecoder = JSONDecoder()) throws -> T? {
        let cell = try cell(at: column)
        return cell.bytes == nil ? nil : try Self.decodeJSON(T.self, cell: cell, decoder: decoder)
    }

    private static func decodeJSON<T: Decodable>(_ type: T.Type, cell: PostgresCell, decoder: JSONDecoder) throws -> T {
        let bytes = try cell.require(T.self, types: [.json, .jsonb])
        do {
            return try decoder.decode(T.self, from: Data(bytes))
        } catch {
            throw cell.mismatch(T.self, "\(error)")
        }
    }
}
