import Foundation

/// A Swift value that can be sent to PostgreSQL as a bound parameter, a COPY field or an array
/// element, in PostgreSQL's text format. Values never become part of the SQL text.
public protocol PostgresEncodable: Sendable {
    /// The type the server is told the parameter has (e.g. `int8` for `Int`).
    static var postgresType: PostgresDataType { get }
    /// True when the value is SQL NULL (only `Optional.none`).
    var isPostgresNull: Bool { get }
    /// Appends the value's text form, unescaped, to `buffer`.
    func encodePostgresText(into buffer: inout [UInt8]) throws
}

/// A value that can also be an element of an array parameter (`$1::text[]` in `unnest(...)`).
public protocol PostgresArrayElement: PostgresEncodable {
    /// The array type whose elements are this type (e.g. `text[]` for `String`).
    static var postgresArrayType: PostgresDataType { get }
}

extension PostgresEncodable {
    /// Non-optional values are never NULL.
    public var isPostgresNull: Bool { false }
}

extension String: PostgresArrayElement {
    /// `text`.
    public static var postgresType: PostgresDataType { .text }
    /// `text[]`.
    public static var postgresArrayType: PostgresDataType { .textArray }
    /// The UTF-8 bytes; throws for a NUL character, which PostgreSQL text cannot hold and
    /// libpq would silently cut the value at.
    public func encodePostgresText(into buffer: inout [UInt8]) throws { try appendText(utf8, to: &buffer) }
}

/// Appends text bytes, refusing a NUL byte (PostgreSQL text cannot hold it; libpq's
/// NUL-terminated parameters would silently truncate the value there).
func appendText(_ bytes: String.UTF8View, to buffer: inout [UInt8]) throws {
    let start = buffer.count
    buffer.append(contentsOf: bytes)
    if buffer[start...].contains(0) {
        buffer.removeSubrange(start...)
        throw PostgresError(code: .protocol, message: "text contains a NUL character, which PostgreSQL cannot store")
    }
}

/// Appends the decimal digits of an integer without allocating a `String`.
@inline(__always)
func appendDecimal(_ value: Int64, to buffer: inout [UInt8]) {
    if value < 0 {
        buffer.append(UInt8(ascii: "-"))
        if value == .min {
            buffer.append(contentsOf: "9223372036854775808".utf8)
            return
        }
    }
    var rest = value.magnitude
    let start = buffer.count
    repeat {
        buffer.append(UInt8(ascii: "0") + UInt8(rest % 10))
        rest /= 10
    } while rest > 0
    buffer[start...].reverse()
}

extension Int: PostgresArrayElement {
    /// `bigint`.
    public static var postgresType: PostgresDataType { .int8 }
    /// `bigint[]`.
    public static var postgresArrayType: PostgresDataType { .int8Array }
    /// Decimal digits.
    public func encodePostgresText(into buffer: inout [UInt8]) { appendDecimal(Int64(self), to: &buffer) }
}

extension Int64: PostgresArrayElement {
    /// `bigint`.
    public static var postgresType: PostgresDataType { .int8 }
    /// `bigint[]`.
    public static var postgresArrayType: PostgresDataType { .int8Array }
    /// Decimal digits.
    public func encodePostgresText(into buffer: inout [UInt8]) { appendDecimal(self, to: &buffer) }
}

extension Int32: PostgresArrayElement {
    /// `integer`.
    public static var postgresType: PostgresDataType { .int4 }
    /// `integer[]`.
    public static var postgresArrayType: PostgresDataType { .int4Array }
    /// Decimal digits.
    public func encodePostgresText(into buffer: inout [UInt8]) { appendDecimal(Int64(self), to: &buffer) }
}

extension Int16: PostgresArrayElement {
    /// `smallint`.
    public static var postgresType: PostgresDataType { .int2 }
    /// `smallint[]`.
    public static var postgresArrayType: PostgresDataType { .int2Array }
    /// Decimal digits.
    public func encodePostgresText(into buffer: inout [UInt8]) { appendDecimal(Int64(self), to: &buffer) }
}

extension Double: PostgresArrayElement {
    /// `double precision`.
    public static var postgresType: PostgresDataType { .float8 }
    /// `double precision[]`.
    public static var postgresArrayType: PostgresDataType { .float8Array }
    /// Shortest round-tripping decimal, or `NaN`/`Infinity`/`-Infinity`.
    public func encodePostgresText(into buffer: inout [UInt8]) {
        if isNaN {
            buffer.append(contentsOf: "NaN".utf8)
        } else if isInfinite {
            buffer.append(contentsOf: (self < 0 ? "-Infinity" : "Infinity").utf8)
        } else {
            buffer.append(contentsOf: description.utf8)
        }
    }
}

extension Bool: PostgresArrayElement {
    /// `boolean`.
    public static var postgresType: PostgresDataType { .bool }
    /// `boolean[]`.
    public static var postgresArrayType: PostgresDataType { .boolArray }
    /// `t` or `f`.
    public func encodePostgresText(into buffer: inout [UInt8]) { buffer.append(UInt8(ascii: self ? "t" : "f")) }
}

extension Date: PostgresArrayElement {
    /// `timestamp with time zone`.
    public static var postgresType: PostgresDataType { .timestamptz }
    /// `timestamptz[]`.
    public static var postgresArrayType: PostgresDataType { .timestamptzArray }
    /// ISO form in UTC at microsecond precision.
    public func encodePostgresText(into buffer: inout [UInt8]) { PostgresTimestamp.append(self, to: &buffer) }
}

extension UUID: PostgresArrayElement {
    /// `uuid`.
    public static var postgresType: PostgresDataType { .uuid }
    /// `uuid[]`.
    public static var postgresArrayType: PostgresDataType { .uuidArray }
    /// The canonical hyphenated form.
    public func encodePostgresText(into buffer: inout [UInt8]) { appendLowercasedText(to: &buffer) }
}

extension Data: PostgresArrayElement {
    /// `bytea`.
    public static var postgresType: PostgresDataType { .bytea }
    /// `bytea[]`.
    public static var postgresArrayType: PostgresDataType { .byteaArray }
    /// bytea hex form: `\x` then two hex digits per byte.
    public func encodePostgresText(into buffer: inout [UInt8]) {
        buffer.reserveCapacity(buffer.count + 2 + count * 2)
        buffer.append(UInt8(ascii: "\\"))
        buffer.append(UInt8(ascii: "x"))
        for byte in self {
            buffer.append(HexDigits.lowercase[Int(byte >> 4)])
            buffer.append(HexDigits.lowercase[Int(byte & 0xF)])
        }
    }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    /// The wrapped type's type.
    public static var postgresType: PostgresDataType { Wrapped.postgresType }
    /// True for `nil`.
    public var isPostgresNull: Bool {
        switch self {
        case .none: true
        case .some(let value): value.isPostgresNull
        }
    }
    /// The wrapped value's text; nothing for `nil` (callers check `isPostgresNull` first).
    public func encodePostgresText(into buffer: inout [UInt8]) throws {
        if case .some(let value) = self { try value.encodePostgresText(into: &buffer) }
    }
}

extension Optional: PostgresArrayElement where Wrapped: PostgresArrayElement {
    /// The wrapped type's array type, so `[String?]` binds as `text[]` with NULL elements.
    public static var postgresArrayType: PostgresDataType { Wrapped.postgresArrayType }
}

extension Array: PostgresEncodable where Element: PostgresArrayElement {
    /// The element type's array type.
    public static var postgresType: PostgresDataType { Element.postgresArrayType }
    /// An array literal `{"a","b",NULL}`: every element quoted, `"` and `\` backslash-escaped.
    /// (Arrays of the element types in PostgresBinaryEncodable.swift travel in binary instead.)
    public func encodePostgresText(into buffer: inout [UInt8]) throws {
        buffer.append(UInt8(ascii: "{"))
        var scratch: [UInt8] = []
        var first = true
        for element in self {
            if first { first = false } else { buffer.append(UInt8(ascii: ",")) }
            if element.isPostgresNull {
                buffer.append(contentsOf: "NULL".utf8)
                continue
            }
            scratch.removeAll(keepingCapacity: true)
            try element.encodePostgresText(into: &scratch)
            buffer.append(UInt8(ascii: "\""))
            // Runs without a quote or backslash are copied whole.
            scratch.withUnsafeBufferPointer { text in
                var run = 0
                for index in text.indices where text[index] == UInt8(ascii: "\"") || text[index] == UInt8(ascii: "\\") {
                    buffer.append(contentsOf: text[run..<index])
                    buffer.append(UInt8(ascii: "\\"))
                    run = index
                }
                buffer.append(contentsOf: text[run...])
            }
            buffer.append(UInt8(ascii: "\""))
        }
        buffer.append(UInt8(ascii: "}"))
    }
}

/// A `Codable` value bound as `jsonb` (encoded with `JSONEncoder`), for attribute maps and the
/// like; decode the other way with ``PostgresRow/decodeJSON(_:at:decoder:)``.
public struct PostgresJSON<Value: Encodable & Sendable>: PostgresArrayElement {
    /// The value to encode.
    public var value: Value
    /// Wraps a value for binding as `jsonb`.
    public init(_ value: Value) { self.value = value }
    /// `jsonb`.
    public static var postgresType: PostgresDataType { .jsonb }
    /// `jsonb[]`.
    public static var postgresArrayType: PostgresDataType { .jsonbArray }
    /// The JSON text from a fresh `JSONEncoder` with sorted keys (stable output).
    public func encodePostgresText(into buffer: inout [UInt8]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        buffer.append(contentsOf: try encoder.encode(value))
    }
}

/// JSON text passed through as is, bound as `jsonb` and decodable from `json`/`jsonb` columns;
/// for callers that already hold serialized JSON and must not pay for a decode/encode round.
public struct PostgresRawJSON: PostgresArrayElement, Hashable {
    /// The JSON text.
    public var text: String
    /// Wraps JSON text (not validated here; the server validates it).
    public init(_ text: String) { self.text = text }
    /// `jsonb`.
    public static var postgresType: PostgresDataType { .jsonb }
    /// `jsonb[]`.
    public static var postgresArrayType: PostgresDataType { .jsonbArray }
    /// The text's UTF-8 bytes (a NUL character is refused, as for `String`).
    public func encodePostgresText(into buffer: inout [UInt8]) throws { try appendText(text.utf8, to: &buffer) }
}
