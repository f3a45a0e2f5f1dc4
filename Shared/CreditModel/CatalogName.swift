/// A name from one of the model's catalogs (event kinds, measures): a plain string in JSON,
/// ordered and printed as the string. Unknown names stay representable so input can be checked
/// and reported rather than failing to decode.
public protocol CatalogName: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral where RawValue == String, StringLiteralType == String {
    /// Wraps any string, known or not.
    init(rawValue: String)
}

extension CatalogName {
    /// Wraps a literal (for catalog constants and tests).
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    /// The name itself.
    public var description: String { rawValue }
    /// Orders by name.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
