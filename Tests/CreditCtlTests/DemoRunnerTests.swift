import CreditCtlKit
import Testing

@Suite struct DemoRunnerTests {
    @Test func demoStoriesAreSelectedByName() throws {
        #expect(try DemoRunner.select([], seed: 1).map { $0.name } == DemoRunner.storyNames)
        #expect(try DemoRunner.select(["appeals", "lawyer"], seed: 1).map { $0.name } == ["lawyer", "appeals"])
        #expect(throws: ArgumentError.self) { try DemoRunner.select(["lawer"], seed: 1) }
    }

    @Test func demoSubjectsAreFreshPerSeedAndValid() throws {
        let first = DemoRunner.stories(seed: 1).flatMap { $0.subjects }
        let again = DemoRunner.stories(seed: 1).flatMap { $0.subjects }
        let other = DemoRunner.stories(seed: 2).flatMap { $0.subjects }
        #expect(first == again)
        #expect(Set(first).count == first.count)
        #expect(Set(first).isDisjoint(with: other))
        #expect(first.allSatisfy { (try? ClientArguments.subject($0.rawValue)) != nil })
    }
}
