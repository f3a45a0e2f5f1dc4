import Foundation

/// UUID text without Foundation's `sscanf`/`sprintf` (which `UUID(uuidString:)` and `uuidString`
/// use on Linux): every message id crosses between text and `uuid` several times per event.
extension UUID {
    /// Parses the canonical form, 8-4-4-4-12 hex digits in either case; nil for anything else.
    public init?(canonicalText text: String) {
        var text = text
        guard let uuid = text.withUTF8(UUID.parseCanonical) else { return nil }
        self.init(uuid: uuid)
    }

    /// The 16 bytes of the canonical form in `utf8`, read in place (no array per call: parsing
    /// ids, one array each, was 2.4 % of scoring's samples in a profile at 3,000 events/s).
    static func parseCanonical(_ utf8: UnsafeBufferPointer<UInt8>) -> uuid_t? {
        let dash = UInt8(ascii: "-")
        guard utf8.count == 36, utf8[8] == dash, utf8[13] == dash, utf8[18] == dash, utf8[23] == dash else { return nil }
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed = HexDigits.values.withUnsafeBufferPointer { values in
            withUnsafeMutableBytes(of: &uuid) { bytes in
                var position = 0
                var invalid: UInt8 = 0
                for index in 0..<16 {
                    if position == 8 || position == 13 || position == 18 || position == 23 { position += 1 }
                    let high = values[Int(utf8[position])], low = values[Int(utf8[position + 1])]
                    invalid |= high | low
                    bytes[index] = high << 4 | (low & 0x0F)
                    position += 2
                }
                return invalid < 16
            }
        }
        return parsed ? uuid : nil
    }

    /// The canonical form in lowercase, as PostgreSQL prints a `uuid` and message ids are written.
    public var lowercasedText: String {
        String(unsafeUninitializedCapacity: 36, initializingUTF8With: writeLowercasedText)
    }

    /// Appends the canonical lowercase form's UTF-8 to `buffer`.
    func appendLowercasedText(to buffer: inout [UInt8]) {
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: 36))
        buffer.withUnsafeMutableBufferPointer { _ = writeLowercasedText(into: UnsafeMutableBufferPointer(rebasing: $0[start...])) }
    }

    /// Writes the 36 bytes of the canonical lowercase form at the start of `text`; returns 36.
    private func writeLowercasedText(into text: UnsafeMutableBufferPointer<UInt8>) -> Int {
        withUnsafeBytes(of: uuid) { bytes in
            var position = 0
            for (index, byte) in bytes.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    text[position] = UInt8(ascii: "-")
                    position += 1
                }
                text[position] = HexDigits.lowercase[Int(byte >> 4)]
                text[position + 1] = HexDigits.lowercase[Int(byte & 0x0F)]
                position += 2
            }
            return position
        }
    }
}
