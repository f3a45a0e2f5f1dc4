import Foundation

/// Writes JSON exactly as `MessageCoding.makeEncoder()` does (sorted keys, no slash escapes,
/// RFC 3339 dates), without `JSONEncoder`: ingest and scoring encode several messages per
/// event, and Foundation's encoder costs more than everything else they do per event.
///
/// Byte-for-byte equality with `JSONEncoder` matters: fingerprints of stored events are hashes
/// of these bytes. Strings are escaped as Foundation does (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`,
/// `\t`, other control characters as `\u00XX`, everything else verbatim UTF-8); object keys
/// are sorted by their UTF-8 bytes; optional members that are nil are left out.
public struct MessageJSONWriter {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty writer.
    public init() { bytes.reserveCapacity(512) }

    /// Writes `value` as a JSON string.
    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        // Nearly every string needs no escape: then its bytes go in with one copy instead of
        // one append per byte (the per-byte loop was 3-4 % of ingest's and scoring's CPU).
        let plain = value.utf8.withContiguousStorageIfAvailable { utf8 in
            !utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        }
        if plain == true {
            bytes.append(contentsOf: value.utf8)
        } else {
            escape(value)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends `value`'s bytes with JSON's escapes.
    private mutating func escape(_ value: String) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
            case 0x08: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "f"))
            case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case 0x00..<0x20:
                bytes.append(contentsOf: "\\u00".utf8)
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Writes an integer.
    public mutating func int(_ value: Int64) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
        }
        var rest = value.magnitude
        let start = bytes.count
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        bytes[start...].reverse()
    }

    /// Writes a boolean.
    public mutating func bool(_ value: Bool) { bytes.append(contentsOf: (value ? "true" : "false").utf8) }

    /// Writes a date as the encoder's date strategy does (`RFC3339.format`).
    public mutating func date(_ value: Date) { string(RFC3339.format(value)) }

    /// Writes `null`.
    public mutating func null() { bytes.append(contentsOf: "null".utf8) }

    /// Writes a non-integral number exactly as `JSONEncoder` does (rare in messages, so it is
    /// delegated rather than re-implemented).
    public mutating func double(_ value: Double) throws {
        bytes.append(contentsOf: try JSONEncoder().encode(value))
    }

    /// Writes any JSON value, object members in sorted key order.
    public mutating func value(_ value: JSONValue) throws {
        switch value {
        case .null: null()
        case .bool(let flag): bool(flag)
        case .int(let number): int(number)
        case .double(let number): try double(number)
        case .string(let text): string(text)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                try self.value(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members): try object(members)
        }
    }

    /// Writes an object with keys sorted by their UTF-8 bytes.
    public mutating func object(_ members: [String: JSONValue]) throws {
        beginObject()
        for (key, member) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            self.key(key)
            try value(member)
        }
        endObject()
    }

    /// Opens an object; write its members with `key(_:)` and a value, or `member(_:_:)`, in
    /// sorted key order (the caller's duty), then `endObject()`.
    public mutating func beginObject() { bytes.append(UInt8(ascii: "{")) }

    /// Closes an object.
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")) }

    /// Writes a member's key (after a comma unless it is the object's first), then the caller
    /// writes its value.
    public mutating func key(_ key: String) {
        if bytes.last != UInt8(ascii: "{") { bytes.append(UInt8(ascii: ",")) }
        string(key)
        bytes.append(UInt8(ascii: ":"))
    }

    /// A string member.
    public mutating func member(_ key: String, _ value: String) { self.key(key); string(value) }
    /// A string member, left out when nil.
    public mutating func member(_ key: String, _ value: String?) { if let value { member(key, value) } }
    /// An integer member.
    public mutating func member(_ key: String, _ value: Int) { self.key(key); int(Int64(value)) }
    /// An integer member, left out when nil.
    public mutating func member(_ key: String, _ value: Int?) { if let value { member(key, value) } }
    /// A boolean member.
    public mutating func member(_ key: String, _ value: Bool) { self.key(key); bool(value) }
    /// A date member.
    public mutating func member(_ key: String, _ value: Date) { self.key(key); date(value) }
    /// A date member, left out when nil.
    public mutating func member(_ key: String, _ value: Date?) { if let value { member(key, value) } }
    /// A member holding an array of strings.
    public mutating func member(_ key: String, _ values: [String]) {
        self.key(key)
        array(values)
    }

    /// Writes `values` as a JSON array of strings.
    public mutating func array(_ values: [String]) {
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            string(value)
        }
        bytes.append(UInt8(ascii: "]"))
    }
}

/// A message that writes its own JSON with `MessageJSONWriter`, byte-for-byte what its
/// `Encodable` conformance gives with `MessageCoding.makeEncoder()`; `MessageCoding.encode`
/// uses it instead of `JSONEncoder`.
public protocol MessageJSONWritable {
    /// Writes the value.
    func write(to writer: inout MessageJSONWriter) throws
}
