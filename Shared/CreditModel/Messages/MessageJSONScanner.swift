import Foundation

/// A message that reads itself member by member straight from its JSON bytes, with no
/// `JSONValue` tree in between: that tree cost a dictionary per object and a hashed string per
/// key before a single field was read, and decoding was a quarter of sanctions' CPU (perf, 12 s
/// at 3,000 events/s). `MessageCoding.decode` tries it first; a nil (anything unexpected, such
/// as a wrong type or an escaped key) falls back to `Decodable`, so errors stay `DecodingError`s
/// and no input is accepted that `Decodable` would refuse.
public protocol MessageJSONScannable {
    /// The message in `bytes`, or nil when they are not exactly a valid one.
    init?(scanning bytes: UnsafeBufferPointer<UInt8>)
}

/// A member name as it stands in the text, compared without making a `String` of it.
struct MessageJSONKey {
    let bytes: UnsafeBufferPointer<UInt8>

    /// Whether the name is exactly `name`.
    func `is`(_ name: StaticString) -> Bool {
        bytes.count == name.utf8CodeUnitCount && (bytes.isEmpty || memcmp(bytes.baseAddress!, name.utf8Start, bytes.count) == 0)
    }
}

/// Reads one JSON object from bytes: ``members(of:_:)`` hands each member's name to a closure,
/// which reads the value with the typed readers (`string()`, `int()`, …); every reader returns
/// nil for a value of another type or invalid text, and the whole read then fails. A repeated
/// name is read again and the last value stays, as the `JSONValue` tree keeps it.
struct MessageJSONScanner {
    private var parser: JSONParser

    private init(bytes: UnsafeBufferPointer<UInt8>) { parser = JSONParser(bytes: bytes) }

    /// Reads `bytes` as one object (whitespace around it allowed, nothing else) and calls
    /// `member` for each member in order; true when the text is valid and `member` accepted
    /// every member. `member` must read the value (`skip()` for names it does not know).
    static func members(of bytes: UnsafeBufferPointer<UInt8>,
                        _ member: (MessageJSONKey, inout MessageJSONScanner) -> Bool) -> Bool {
        var scanner = MessageJSONScanner(bytes: bytes)
        scanner.parser.depth = 1  // the object itself, as when it is parsed whole
        scanner.parser.skipWhitespace()
        guard scanner.parser.index < bytes.count, bytes[scanner.parser.index] == UInt8(ascii: "{") else { return false }
        scanner.parser.index += 1
        do throws(MessageError) {
            try scanner.parser.parseElements(close: UInt8(ascii: "}")) { parser throws(MessageError) in
                parser.skipWhitespace()
                guard let key = parser.rawKey() else { throw parser.fail("expected a plain string key") }
                try parser.parseNameSeparator()
                parser.skipWhitespace()
                var inner = MessageJSONScanner(parser: parser)
                guard member(key, &inner) else { throw parser.fail("member refused") }
                parser = inner.parser
            }
        } catch {
            return false
        }
        scanner.parser.skipWhitespace()
        return scanner.parser.index == bytes.count
    }

    private init(parser: JSONParser) { self.parser = parser }

    private var next: UInt8? { parser.index < parser.bytes.count ? parser.bytes[parser.index] : nil }

    /// A string value.
    mutating func string() -> String? {
        guard next == UInt8(ascii: "\"") else { return nil }
        return try? parser.parseString()
    }

    /// A string or `null` (`.some(nil)`).
    mutating func optionalString() -> String?? {
        if next == UInt8(ascii: "n") { return null() ? .some(nil) : nil }
        return string().map { .some($0) }
    }

    /// An integer (a number with an integral value that fits in 64 bits, as `JSONValue` keeps it).
    mutating func int() -> Int64? {
        guard let byte = next, byte == UInt8(ascii: "-") || (48...57).contains(byte),
              case .int(let value)? = try? parser.parseNumber() else { return nil }
        return value
    }

    /// `true` or `false`.
    mutating func bool() -> Bool? {
        switch next {
        case UInt8(ascii: "t"): return (try? parser.expectLiteral("true")) != nil ? true : nil
        case UInt8(ascii: "f"): return (try? parser.expectLiteral("false")) != nil ? false : nil
        default: return nil
        }
    }

    /// An RFC 3339 time in a string.
    mutating func date() -> Date? {
        string().flatMap(RFC3339.parse)
    }

    /// An RFC 3339 time or `null` (`.some(nil)`).
    mutating func optionalDate() -> Date?? {
        if next == UInt8(ascii: "n") { return null() ? .some(nil) : nil }
        return date().map { .some($0) }
    }

    /// Any value, parsed whole (nested objects such as free-form attributes).
    mutating func value() -> JSONValue? {
        try? parser.parseValue()
    }

    /// Reads past a value of a member the message does not know (`Decodable` ignores those).
    mutating func skip() -> Bool {
        value() != nil
    }

    private mutating func null() -> Bool {
        (try? parser.expectLiteral("null")) != nil
    }
}

extension JSONParser {
    /// A member name without escapes, as bytes (nil for one with escapes, left to the slow path).
    mutating func rawKey() -> MessageJSONKey? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        let start = index + 1
        var end = start
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") {
                index = end + 1
                return MessageJSONKey(bytes: UnsafeBufferPointer(rebasing: bytes[start..<end]))
            }
            guard byte != UInt8(ascii: "\\"), byte >= 0x20, byte < 0x80 else { return nil }
            end += 1
        }
        return nil
    }
}
