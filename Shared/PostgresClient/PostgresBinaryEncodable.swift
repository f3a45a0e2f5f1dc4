import Foundation

/// A value bound in PostgreSQL's binary format rather than text. Only for values where text
/// costs much more: an array of `bytea` in text is a hex string per element inside an array
/// literal (twice the bytes, escaped, then parsed and hex-decoded by the server); in binary it
/// is a length and the bytes. The outbox writes every batch's payloads this way.
public protocol PostgresBinaryEncodable: PostgresEncodable {
    /// Appends the value's binary form (PostgreSQL's `*_send` layout) to `buffer`.
    func encodePostgresBinary(into buffer: inout [UInt8])
}

extension Array: PostgresBinaryEncodable where Element == Data {
    /// A one-dimensional `bytea[]` (`array_send` layout): dimensions, no NULL flag, the element
    /// type, then each element's length and bytes. An empty array has no dimensions.
    public func encodePostgresBinary(into buffer: inout [UInt8]) {
        func int32(_ value: Int32) {
            Swift.withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
        }
        buffer.reserveCapacity(buffer.count + 20 + reduce(0) { $0 + 4 + $1.count })
        int32(isEmpty ? 0 : 1)
        int32(0)
        int32(Int32(bitPattern: PostgresDataType.bytea.rawValue))
        guard !isEmpty else { return }
        int32(Int32(count))
        int32(1)
        for element in self {
            int32(Int32(element.count))
            buffer.append(contentsOf: element)
        }
    }
}
