/// Hex digits as the text forms of `bytea` and `uuid` write them, and their values when read.
enum HexDigits {
    /// The lowercase digit for each value 0...15.
    static let lowercase = Array("0123456789abcdef".utf8)

    /// The value of each ASCII hex digit (either case); 0xFF for any other byte, so that a bad
    /// digit shows as a value above 15.
    static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, digit) in lowercase.enumerated() { table[Int(digit)] = UInt8(value) }
        for (value, digit) in "ABCDEF".utf8.enumerated() { table[Int(digit)] = UInt8(10 + value) }
        return table
    }()
}
