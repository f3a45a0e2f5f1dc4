/// Any JSON value, as found in an event's free-form `attributes`.
///
/// Integers are kept apart from other numbers (`.int`) so that `52000` stays exact and
/// `severity: 2` can be told from `severity: 2.5`; objects keep no key order.
///
/// Numbers are canonical: any number with an integral value that fits in 64 bits is `.int`
/// (`2.0` and `2e0` too, as JSON Schema's `integer` counts them), so `.double` only holds
/// fractions and huge values, and a value survives encode → decode unchanged. Build numbers
/// with `number(_:)` (or a literal) to keep that form.
public enum JSONValue: Hashable, Sendable, Codable, CustomStringConvertible {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number without fraction or exponent that fits in 64 bits.
    case int(Int64)
    /// Any other number.
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object.
    case object([String: JSONValue])

    /// The canonical value of `number`: `.int` when it is integral and fits in 64 bits, else `.double`.
    public static func number(_ number: Double) -> JSONValue {
        if number.rounded(.towardZero) == number, number >= -9.223_372_036_854_775_808e18,
           number < 9.223_372_036_854_775_808e18 {
            return .int(Int64(number))
        }
        return .double(number)
    }

    /// Decodes any JSON value.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let object = try? container.decode([String: JSONValue].self) {
            self = .object(object)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let int = try? container.decode(Int64.self) {
            self = .int(int)
        } else if let double = try? container.decode(Double.self) {
            self = .number(double)
        } else {
            self = .array(try container.decode([JSONValue].self))
        }
    }

    /// Encodes the value as JSON.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Nesting depth: 0 for a scalar, 1 + the deepest member for an array or object
    /// (so `{}` and `{"a":1}` are 1, `{"a":{"b":1}}` is 2).
    public var depth: Int {
        switch self {
        case .array(let values): return 1 + (values.map(\.depth).max() ?? 0)
        case .object(let members): return 1 + (members.values.map(\.depth).max() ?? 0)
        default: return 0
        }
    }

    /// Whether the depth exceeds `limit`, found without walking deeper than needed.
    public func isDeeper(than limit: Int) -> Bool {
        guard limit >= 0 else { return true }
        switch self {
        case .array(let values): return values.contains { $0.isDeeper(than: limit - 1) }
        case .object(let members): return members.values.contains { $0.isDeeper(than: limit - 1) }
        default: return false
        }
    }

    /// The member `key` of an object (nil for other values or a missing key).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members[key]
    }

    /// The string, if this is one.
    public var stringValue: String? {
        guard case .string(let value) = self else { return nil }
        return value
    }

    /// The integer, if this is one.
    public var intValue: Int64? {
        guard case .int(let value) = self else { return nil }
        return value
    }

    /// The number as a `Double`, if this is an integer or other number.
    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// The strings, if this is an array of strings only.
    public var stringsValue: [String]? {
        guard case .array(let items) = self else { return nil }
        var strings: [String] = []
        strings.reserveCapacity(items.count)
        for item in items {
            guard case .string(let string) = item else { return nil }
            strings.append(string)
        }
        return strings
    }

    /// The members, if this is an object.
    public var objectValue: [String: JSONValue]? {
        guard case .object(let value) = self else { return nil }
        return value
    }

    /// The JSON type name (`null`, `boolean`, `integer`, `number`, `string`, `array`, `object`),
    /// for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// Compact JSON text with sorted keys.
    public var description: String {
        (try? MessageCoding.encodeString(self)) ?? "<unencodable>"
    }
}

extension JSONValue: ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral, ExpressibleByStringLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral, ExpressibleByNilLiteral {
    /// `["a": 1]` is an object.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    /// `[1, 2]` is an array.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// `"a"` is a string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// `1` is an integer.
    public init(integerLiteral value: Int64) { self = .int(value) }
    /// `1.5` is a number (`2.0` is the integer 2, see `number(_:)`).
    public init(floatLiteral value: Double) { self = .number(value) }
    /// `true` is a boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// `nil` is `null`.
    public init(nilLiteral: ()) { self = .null }
}
