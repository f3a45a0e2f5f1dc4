import Foundation
import Notification
import Testing

/// The letters' date line is formatted by hand; it must read exactly as `DateFormatter` would.
@Suite struct LetterDateTests {
    @Test(arguments: [0.0, 59.9, 951_782_400, 951_868_799, 1_798_761_599, 1_796_810_400, -1, -86_401, 4_102_444_800, 1_772_323_200])
    func plainDateMatchesDateFormatter(_ seconds: Double) {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "d MMMM yyyy, HH:mm 'UTC'"
        let date = Date(timeIntervalSince1970: seconds)
        #expect(LetterTemplates.plainDate(date) == formatter.string(from: date))
    }
}
