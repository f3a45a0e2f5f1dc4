import Testing
@testable import Ingest
@Test func ingestPlaceholder() { #expect(Bool(true)) }
