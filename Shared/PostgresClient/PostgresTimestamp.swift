import Foundation

/// Conversions between `Date` and PostgreSQL's ISO text form of `timestamptz`
/// (`YYYY-MM-DD HH:MM:SS.ffffff+00`), at microsecond precision, without `DateFormatter`
/// (too slow for thousands of rows and not microsecond-exact).
enum PostgresTimestamp {
    /// Microseconds since 1970-01-01 UTC, rounded to the nearest microsecond.
    static func microseconds(of date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    /// Microseconds since 2000-01-01 UTC (the binary `timestamptz`); years outside 1...9999
    /// are `Int64.min`/`Int64.max` (`-infinity`/`infinity`), as in ``append(_:to:)``.
    static func binaryMicroseconds(of date: Date) -> Int64 {
        let micros = microseconds(of: date)
        if micros < firstMicrosecond { return .min }
        if micros >= endMicrosecond { return .max }
        return micros - postgresEpoch
    }

    /// 0001-01-01, 10000-01-01 and 2000-01-01 UTC in microseconds since 1970.
    private static let firstMicrosecond: Int64 = -62_135_596_800_000_000
    private static let endMicrosecond: Int64 = 253_402_300_800_000_000
    private static let postgresEpoch: Int64 = 946_684_800_000_000

    /// Appends `date` as `YYYY-MM-DD HH:MM:SS.ffffff+00` (UTC); years outside 1...9999 are clamped
    /// to `infinity`/`-infinity`.
    static func append(_ date: Date, to buffer: inout [UInt8]) {
        let micros = microseconds(of: date)
        let (days, microOfDay) = floorDivide(micros, 86_400_000_000)
        let (year, month, day) = civil(fromDays: days)
        guard (1...9999).contains(year) else {
            buffer.append(contentsOf: (year < 1 ? "-infinity" : "infinity").utf8)
            return
        }
        appendDigits(year, width: 4, to: &buffer)
        buffer.append(UInt8(ascii: "-"))
        appendDigits(month, width: 2, to: &buffer)
        buffer.append(UInt8(ascii: "-"))
        appendDigits(day, width: 2, to: &buffer)
        buffer.append(UInt8(ascii: " "))
        let seconds = microOfDay / 1_000_000
        appendDigits(seconds / 3600, width: 2, to: &buffer)
        buffer.append(UInt8(ascii: ":"))
        appendDigits(seconds / 60 % 60, width: 2, to: &buffer)
        buffer.append(UInt8(ascii: ":"))
        appendDigits(seconds % 60, width: 2, to: &buffer)
        buffer.append(UInt8(ascii: "."))
        appendDigits(microOfDay % 1_000_000, width: 6, to: &buffer)
        buffer.append(contentsOf: "+00".utf8)
    }

    /// Parses the server's ISO output (any offset, optional fraction, `infinity`); nil if malformed.
    static func parse(_ bytes: ArraySlice<UInt8>) -> Date? {
        var scanner = DigitScanner(bytes: bytes)
        if bytes.elementsEqual("infinity".utf8) { return .distantFuture }
        if bytes.elementsEqual("-infinity".utf8) { return .distantPast }
        guard let year = scanner.number(), scanner.skip("-"), let month = scanner.number(width: 2),
              scanner.skip("-"), let day = scanner.number(width: 2) else { return nil }
        guard scanner.skip(" ") || scanner.skip("T"), let hour = scanner.number(width: 2), scanner.skip(":"),
              let minute = scanner.number(width: 2), scanner.skip(":"), let second = scanner.number(width: 2)
        else { return nil }
        var micros: Int64 = 0
        if scanner.skip(".") {
            var scale: Int64 = 100_000
            while let digit = scanner.digit() {
                micros += Int64(digit) * scale
                scale /= 10
            }
        }
        var offsetSeconds: Int64 = 0
        if let sign = scanner.sign() {
            guard let hours = scanner.number(width: 2) else { return nil }
            var offset = hours * 3600
            if scanner.skip(":"), let minutes = scanner.number(width: 2) { offset += minutes * 60 }
            if scanner.skip(":"), let secs = scanner.number(width: 2) { offset += secs }
            offsetSeconds = sign * offset
        }
        var isBC = false
        if scanner.skip(" ") { isBC = scanner.skip("BC") }
        guard scanner.atEnd else { return nil }
        let days = Self.days(fromYear: isBC ? 1 - year : year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        let total = seconds * 1_000_000 + micros
        return Date(timeIntervalSince1970: Double(total) / 1_000_000)
    }

    /// Floor division and non-negative remainder.
    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value >= 0 ? value / divisor : -((-value - 1) / divisor) - 1
        return (quotient, value - quotient * divisor)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    private static func days(fromYear year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01 (`civil_from_days`).
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Appends `value` zero-padded to `width` digits.
    private static func appendDigits(_ value: Int64, width: Int, to buffer: inout [UInt8]) {
        var digits: [UInt8] = []
        var rest = value
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        for _ in digits.count..<max(width, digits.count) { buffer.append(UInt8(ascii: "0")) }
        buffer.append(contentsOf: digits.reversed())
    }
}

/// A cursor over ASCII bytes for the timestamp parser.
private struct DigitScanner {
    let bytes: ArraySlice<UInt8>
    var index: Int

    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    var atEnd: Bool { index == bytes.endIndex }

    mutating func digit() -> Int64? {
        guard index < bytes.endIndex, bytes[index] >= 48, bytes[index] <= 57 else { return nil }
        defer { index += 1 }
        return Int64(bytes[index] - 48)
    }

    mutating func number(width: Int = .max) -> Int64? {
        var value: Int64 = 0
        var count = 0
        while count < width, let digit = digit() {
            value = value * 10 + digit
            count += 1
        }
        return count == 0 ? nil : value
    }

    mutating func skip(_ literal: StaticString) -> Bool {
        let text = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        guard bytes.endIndex - index >= text.count, bytes[index..<index + text.count].elementsEqual(text) else {
            return false
        }
        index += text.count
        return true
    }

    mutating func sign() -> Int64? {
        if skip("+") { return 1 }
        if skip("-") { return -1 }
        return nil
    }
}
