import Testing
@testable import Scoring
@Test func scoringPlaceholder() { #expect(Bool(true)) }
