import Foundation

extension JSONValue {
    /// The deepest nesting the parser accepts (guards the stack against hostile input).
    public static let maxParseDepth = 128

    /// Parses UTF-8 JSON text (RFC 8259) into a value; anything else is `invalid_json`, with the
    /// byte offset of the problem.
    ///
    /// A hand-written parser rather than `JSONDecoder`: ingest parses every event, and this keeps
    /// integers exact (`.int`) and is roughly ten times faster than decoding through `Decodable`.
    public static func parse(_ data: Data) throws(MessageError) -> JSONValue {
        try data.withUnsafeBytes { raw in Result { () throws(MessageError) in try parse(bytes: raw.bindMemory(to: UInt8.self)) } }.get()
    }

    /// Parses UTF-8 JSON text in `bytes`, as ``parse(_:)`` does.
    static func parse(bytes: UnsafeBufferPointer<UInt8>) throws(MessageError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        return try parser.parseDocument()
    }
}

/// A recursive-descent JSON parser over a byte buffer (also the base of `MessageJSONScanner`).
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var depth = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func fail(_ problem: String) -> MessageError {
        MessageError(.invalidJSON, "message is not valid JSON: \(problem) at byte \(index)")
    }

    mutating func parseDocument() throws(MessageError) -> JSONValue {
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else { throw fail("unexpected data after the value") }
        return value
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func parseValue() throws(MessageError) -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseContainer(close: UInt8(ascii: "}")) { parser throws(MessageError) in
                // Members are collected first so the dictionary is built at its final size:
                // growing it key by key rehashed every key at each doubling.
                var pairs: [(String, JSONValue)] = []
                try parser.parseElements(close: UInt8(ascii: "}")) { parser throws(MessageError) in
                    parser.skipWhitespace()
                    guard parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "\"") else {
                        throw parser.fail("expected a string key")
                    }
                    let key = try parser.parseString()
                    try parser.parseNameSeparator()
                    pairs.append((key, try parser.parseValue()))
                }
                return .object(Dictionary(pairs, uniquingKeysWith: { _, last in last }))
            }
        case UInt8(ascii: "["): return try parseContainer(close: UInt8(ascii: "]")) { parser throws(MessageError) in
                var elements: [JSONValue] = []
                try parser.parseElements(close: UInt8(ascii: "]")) { parser throws(MessageError) in
                    elements.append(try parser.parseValue())
                }
                return .array(elements)
            }
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw fail("unexpected character")
        }
    }

    /// Enters a container (checking depth), runs `body`, leaves it.
    mutating func parseContainer(close: UInt8,
                                 _ body: (inout JSONParser) throws(MessageError) -> JSONValue) throws(MessageError) -> JSONValue {
        depth += 1
        guard depth <= JSONValue.maxParseDepth else { throw fail("nested deeper than \(JSONValue.maxParseDepth)") }
        index += 1
        let value = try body(&self)
        depth -= 1
        return value
    }

    /// Parses `element (, element)*` up to `close` (or nothing), after the opening bracket.
    mutating func parseElements(close: UInt8, _ element: (inout JSONParser) throws(MessageError) -> Void) throws(MessageError) {
        skipWhitespace()
        if index < bytes.count, bytes[index] == close {
            index += 1
            return
        }
        while true {
            try element(&self)
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input") }
            let byte = bytes[index]
            index += 1
            if byte == close { return }
            guard byte == UInt8(ascii: ",") else { throw fail("expected ',' or closing bracket") }
        }
    }

    /// The `:` after a member's name, with the whitespace before it.
    mutating func parseNameSeparator() throws(MessageError) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
        index += 1
    }

    mutating func expectLiteral(_ literal: StaticString) throws(MessageError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count,
              memcmp(bytes.baseAddress! + index, literal.utf8Start, count) == 0 else { throw fail("invalid literal") }
        index += count
    }

    mutating func parseNumber() throws(MessageError) -> JSONValue {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        func digits(_ parser: inout JSONParser) -> Int {
            let from = parser.index
            while parser.index < parser.bytes.count, (48...57).contains(parser.bytes[parser.index]) { parser.index += 1 }
            return parser.index - from
        }
        let intStart = index
        let intDigits = digits(&self)
        guard intDigits > 0, !(intDigits > 1 && bytes[intStart] == UInt8(ascii: "0")) else { throw fail("invalid number") }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            isInteger = false
            guard digits(&self) > 0 else { throw fail("invalid number") }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            isInteger = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw fail("invalid number") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if isInteger, let value = Int64(text) { return .int(value) }
        guard let value = Double(text), value.isFinite else { throw fail("number out of range") }
        return .number(value)
    }

    mutating func parseString() throws(MessageError) -> String {
        index += 1  // opening quote
        let start = index
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                // ASCII (nearly every key and value) needs no validation; the generic
                // `String(validating:as:)` looked up type metadata at run time on every call.
                if ascii { return String(decoding: slice, as: UTF8.self) }
                guard let text = String(validating: slice, as: UTF8.self) else { throw fail("invalid UTF-8") }
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw fail("control character in string") }
            if byte >= 0x80 { ascii = false }
            index += 1
        }
        index = start
        return try parseEscapedString()
    }

    /// The slow path for strings with escapes.
    mutating func parseEscapedString() throws(MessageError) -> String {
        var utf8: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: utf8, as: UTF8.self) else { throw fail("invalid UTF-8") }
                return text
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { break }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"): utf8 += try parseUnicodeEscape()
                default: throw fail("invalid escape")
                }
            case 0..<0x20:
                throw fail("control character in string")
            default:
                utf8.append(byte)
            }
        }
        throw fail("unterminated string")
    }

    /// `XXXX` after `\u`, joining a surrogate pair `\uD83D\uDE00`; returns the UTF-8 bytes.
    mutating func parseUnicodeEscape() throws(MessageError) -> [UInt8] {
        var code = try hex4()
        if (0xD800..<0xDC00).contains(code) {
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw fail("unpaired surrogate")
            }
            index += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(code) else { throw fail("unpaired surrogate") }
        return Array(String(Character(scalar)).utf8)
    }

    mutating func hex4() throws(MessageError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("invalid \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = Int(String(UnicodeScalar(bytes[index])), radix: 16) else { throw fail("invalid \\u escape") }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}
