import Foundation

/// A message type of DESIGN §3 with its fixed `schema` name (`<name>/<major>`).
public protocol MessageSchema: Codable, Sendable, Hashable {
    /// The value of the message's `schema` field, e.g. `decision/1`.
    static var schemaName: String { get }
}

/// The `schema` field of a message: encodes `Message.schemaName` and, when decoding, fails
/// unless the field holds exactly that name. Stored in each message so that a plain
/// `Codable` decode checks the schema without per-type code.
public struct SchemaTag<Message: MessageSchema>: Codable, Hashable, Sendable {
    /// The tag of `Message`.
    public init() {}

    /// The schema name, `Message.schemaName`.
    public var name: String { Message.schemaName }

    /// Decodes the field and checks it names `Message`'s schema.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let found = try container.decode(String.self)
        guard found == Message.schemaName else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "schema is '\(found)', expected '\(Message.schemaName)'")
        }
    }

    /// Encodes `Message.schemaName`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Message.schemaName)
    }
}

/// The one JSON coding setup for every message: explicit snake_case keys (in each type's
/// `CodingKeys`), RFC 3339 dates written as UTC with milliseconds and read in any RFC 3339 form,
/// and optionally sorted keys (stable bytes for tests and hashing).
public enum MessageCoding {
    /// A fresh encoder; `sortedKeys` makes the output byte-stable.
    public static func makeEncoder(sortedKeys: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = sortedKeys ? [.sortedKeys, .withoutEscapingSlashes] : [.withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.format(date))
        }
        return encoder
    }

    /// A fresh decoder that reads RFC 3339 dates.
    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RFC3339.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 time: '\(text)'")
            }
            return date
        }
        return decoder
    }

    /// Encodes `value` as UTF-8 JSON bytes with sorted keys.
    public static func encode(_ value: some Encodable) throws -> Data {
        if let writable = value as? any MessageJSONWritable { return Data(try write(writable)) }
        return try makeEncoder().encode(value)
    }

    /// Encodes `value` as UTF-8 JSON bytes with sorted keys, as an array (what the outbox and
    /// the producer take).
    public static func encodeBytes(_ value: some Encodable) throws -> [UInt8] {
        if let writable = value as? any MessageJSONWritable { return try write(writable) }
        return Array(try makeEncoder().encode(value))
    }

    /// Encodes `value` as a JSON string with sorted keys.
    public static func encodeString(_ value: some Encodable) throws -> String {
        String(decoding: try encodeBytes(value), as: UTF8.self)
    }

    /// Decodes a trusted pipeline message (produced by one of our services); the schema is checked.
    public static func decode<Message: MessageSchema>(_ type: Message.Type, from data: Data) throws -> Message {
        if let message = data.withUnsafeBytes({ scanned(type, from: $0.bindMemory(to: UInt8.self)) }) { return message }
        return try decodeParsed(type, from: data)
    }

    /// The message read by its member scan, when it has one and the scan takes `bytes`.
    private static func scanned<Message: MessageSchema>(_ type: Message.Type, from bytes: UnsafeBufferPointer<UInt8>) -> Message? {
        (type as? any MessageJSONScannable.Type)?.init(scanning: bytes) as? Message
    }

    /// Decodes through the `JSONValue` tree (messages that read themselves from it), then
    /// `Decodable`: for messages that cannot scan themselves, and for those whose scan failed
    /// (so that errors are `DecodingError`s).
    private static func decodeParsed<Message: MessageSchema>(_ type: Message.Type, from data: Data) throws -> Message {
        if let readable = type as? any MessageJSONReadable.Type, let value = try? JSONValue.parse(data),
           let message = readable.init(json: value) as? Message {
            return message
        }
        return try makeDecoder().decode(type, from: data)
    }

    /// Decodes a trusted pipeline message from bytes (e.g. a Kafka message's value).
    public static func decode<Message: MessageSchema>(_ type: Message.Type, from bytes: [UInt8]) throws -> Message {
        if let message = bytes.withUnsafeBufferPointer({ scanned(type, from: $0) }) { return message }
        return try decodeParsed(type, from: Data(bytes))
    }

    private static func write(_ value: any MessageJSONWritable) throws -> [UInt8] {
        var writer = MessageJSONWriter()
        try value.write(to: &writer)
        return writer.bytes
    }
}
