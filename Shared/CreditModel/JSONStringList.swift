import Foundation

/// A JSON array of strings: the form of a sanction case's `measures` and `reasons` (jsonb
/// columns). Written with `MessageJSONWriter` and read with the model's parser, instead of a
/// fresh `JSONEncoder` or `JSONDecoder` per value, which was 3.7 % of sanctions' samples.
public enum JSONStringList {
    /// `values` as compact JSON text, e.g. `["fine","no-flights"]`.
    public static func text(_ values: [String]) -> String {
        var writer = MessageJSONWriter()
        writer.array(values)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// The strings of `text`, which must be a JSON array of strings (any spacing, any escapes);
    /// anything else is `invalid_json` saying what was found.
    public static func strings(_ text: String) throws(MessageError) -> [String] {
        var text = text
        let parsed = try text.withUTF8 { bytes in Result { () throws(MessageError) in try JSONValue.parse(bytes: bytes) } }.get()
        guard let strings = parsed.stringsValue else {
            throw MessageError(.invalidJSON, "expected a JSON array of strings, found \(parsed.typeName) \(text.prefix(80))")
        }
        return strings
    }
}
