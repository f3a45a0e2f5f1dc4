import Testing
@testable import Sanctions
@Test func sanctionsPlaceholder() { #expect(Bool(true)) }
