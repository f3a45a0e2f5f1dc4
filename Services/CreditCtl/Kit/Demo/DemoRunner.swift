import CreditModel
import Foundation

/// Plays stories against the running stack: every story's first part, then (if any story
/// needs it) one advance of the shared clock past the appeal windows, then the second parts;
/// then a summary line per story. A story that fails in its first part skips its second.
public struct DemoRunner: Sendable {
    /// How one story ended.
    public struct Outcome: Codable, Sendable, Hashable {
        /// The story's name.
        public var story: String
        /// Its title.
        public var title: String
        /// Whether it reached its expected outcome.
        public var passed: Bool
        /// Why not, if it did not.
        public var failure: String?
        /// Seconds spent in it.
        public var seconds: Double
    }

    /// The stories' names, in playing order.
    public static let storyNames = ["lawyer", "dog-owner", "sliding-citizen", "model-citizen", "fraud-company", "appeals", "retraction"]

    /// How far the clock is advanced: past the 10-day appeal window of the default rulebook.
    public static let clockAdvance: TimeInterval = 11 * 86_400

    /// The stories, each with fresh subjects drawn from `seed`.
    public static func stories(seed: UInt64) -> [any DemoStory] {
        var rng = SplitMix64(seed: seed)
        let stories: [any DemoStory] = [
            LawyerStory(using: &rng), DogOwnerStory(using: &rng), SlidingCitizenStory(using: &rng),
            ModelCitizenStory(using: &rng), FraudCompanyStory(using: &rng), AppealsStory(using: &rng),
            RetractionStory(using: &rng),
        ]
        return stories
    }

    /// The stories named `names` (all when empty), or an error naming the unknown one.
    public static func select(_ names: [String], seed: UInt64) throws -> [any DemoStory] {
        let all = stories(seed: seed)
        guard !names.isEmpty else { return all }
        for name in names where !storyNames.contains(name) {
            throw ArgumentError("no story '\(name)'; the stories are \(storyNames.joined(separator: ", "))")
        }
        return all.filter { names.contains($0.name) }
    }

    /// The context stories are played in.
    public let context: DemoContext

    /// Creates a runner.
    public init(context: DemoContext) { self.context = context }

    /// Plays `stories` and returns how each ended.
    public func run(_ stories: [any DemoStory]) async -> [Outcome] {
        for story in stories { for subject in story.subjects { await context.feed.watch(subject.rawValue) } }
        await context.feed.start()
        var outcomes: [String: Outcome] = [:]
        let needsClock = stories.filter { $0.needsClockAdvance }
        await heading(needsClock.isEmpty ? "The stories" : "Part 1: the events, the notices, the appeals")
        for story in stories {
            outcomes[story.name] = await play(story, part: "prepare") { try await story.prepare($0) }
        }
        let waiting = needsClock.filter { outcomes[$0.name]?.passed == true }
        if !waiting.isEmpty {
            await heading("Part 2: eleven days later")
            do {
                let before = context.clock.now()
                let offset = try context.clock.advance(by: Self.clockAdvance)
                await context.step("creditctl clock advance \(DevClock.describe(Self.clockAdvance)): business time \(RFC3339.format(before)) → "
                    + "\(RFC3339.format(context.clock.now())) (offset \(DevClock.describe(offset))); every appeal window above has closed")
            } catch {
                for story in waiting {
                    outcomes[story.name]?.passed = false
                    outcomes[story.name]?.failure = "the shared clock could not be advanced: \(error)"
                }
            }
            for story in waiting where outcomes[story.name]?.passed == true {
                let second = await play(story, part: "conclude") { try await story.conclude($0) }
                outcomes[story.name]?.passed = second.passed
                outcomes[story.name]?.failure = second.failure
                outcomes[story.name]?.seconds += second.seconds
            }
        }
        await context.feed.stop()
        return stories.compactMap { outcomes[$0.name] }
    }

    private func play(_ story: any DemoStory, part: String, _ body: (DemoContext) async throws -> Void) async -> Outcome {
        let demo = context.playing(story.name)
        await demo.transcript.record(.init(story: story.name, kind: .heading,
                                           text: "\(story.name): \(story.title)\(part == "conclude" ? " (continued)" : "")", data: nil))
        if part == "prepare" { await demo.say("The article: \(story.article)") }
        let start = ContinuousClock.now
        var failure: String?
        do {
            try await body(demo)
        } catch {
            failure = "\(part == "conclude" ? "after the clock advance" : "before the clock advance"): \(error)"
            await demo.say("✗ \(error)")
        }
        return Outcome(story: story.name, title: story.title, passed: failure == nil, failure: failure,
                       seconds: (ContinuousClock.now - start).timeInterval)
    }

    private func heading(_ text: String) async {
        await context.transcript.record(.init(story: nil, kind: .heading, text: text, data: nil))
    }

    /// The summary lines: one per story, `PASS`/`FAIL`, its title and why it failed.
    public static func summary(_ outcomes: [Outcome]) -> String {
        let table = TextTable([.init("story"), .init("result"), .init("seconds", .right), .init("title / why not")],
                              rows: outcomes.map { outcome in
                                  [outcome.story, outcome.passed ? "passed" : "FAILED", String(format: "%.1f", outcome.seconds),
                                   outcome.failure ?? outcome.title]
                              })
        let passed = outcomes.filter(\.passed).count
        return table.render() + "\n\(passed) of \(outcomes.count) stories reached their expected outcome"
    }
}
