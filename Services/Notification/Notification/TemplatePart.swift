/// A piece of a letter template: literal text, or a `{{name}}` to fill in.
enum TemplatePart: Sendable, Equatable {
    /// Text copied as it is.
    case text(String)
    /// The name between `{{` and `}}`.
    case placeholder(String)

    /// `template` as parts, read once over its UTF-8 (not with `range(of:)`, which goes through
    /// `NSString` on Linux: rendering letters that way was 6.5 % of notification's CPU in a
    /// profile at 3,000 events/s). Each `{{` closes at the first `}}` after it; a `{{` with no
    /// `}}` after it is text, like everything after it.
    static func split(_ template: String) -> [TemplatePart] {
        let bytes = Array(template.utf8)
        let brace = (open: UInt8(ascii: "{"), close: UInt8(ascii: "}"))
        func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        func find(_ byte: UInt8, from start: Int) -> Int? {
            var index = start
            while index + 1 < bytes.count {
                if bytes[index] == byte && bytes[index + 1] == byte { return index }
                index += 1
            }
            return nil
        }
        var parts: [TemplatePart] = []
        var start = 0
        while let open = find(brace.open, from: start), let close = find(brace.close, from: open + 2) {
            if open > start { parts.append(.text(text(start..<open))) }
            parts.append(.placeholder(text(open + 2..<close)))
            start = close + 2
        }
        if start < bytes.count { parts.append(.text(text(start..<bytes.count))) }
        return parts
    }
}
