import Foundation

/// UUID text without Foundation's `sscanf`/`sprintf` (which `UUID(uuidString:)` and `uuidString`
/// use on Linux): every message id crosses between text and `uuid` several times per event.
extension UUID {
    /// Parses the canonical form, 8-4-4-4-12 hex digits in either case; nil for anything else.
    public init?(canonicalText text: String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        var high: UInt8?
        for (index, character) in text.utf8.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard character == UInt8(ascii: "-") else { return nil }
                continue
            }
            let digit = HexDigits.values[Int(character)]
            guard digit < 16, index < 36 else { return nil }
            if let first = high {
                bytes.append(first << 4 | digit)
                high = nil
            } else {
                high = digit
            }
        }
        guard bytes.count == 16, high == nil else { return nil }
        self.init(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                         bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    /// The canonical form in lowercase, as PostgreSQL prints a `uuid` and message ids are written.
    public var lowercasedText: String {
        var text: [UInt8] = []
        appendLowercasedText(to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends the canonical lowercase form's UTF-8 to `buffer`.
    func appendLowercasedText(to buffer: inout [UInt8]) {
        withUnsafeBytes(of: uuid) { bytes in
            for (index, byte) in bytes.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 { buffer.append(UInt8(ascii: "-")) }
                buffer.append(HexDigits.lowercase[Int(byte >> 4)])
                buffer.append(HexDigits.lowercase[Int(byte & 0x0F)])
            }
        }
    }
}
