import Testing
@testable import Notification
@Test func notificationPlaceholder() { #expect(Bool(true)) }
