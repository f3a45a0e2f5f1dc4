import CreditModel

/// One of the article's stories, played against the running stack by `creditctl demo`.
///
/// A story runs in two parts around one shared clock advance (advancing the dev clock moves
/// business time for the whole stack, so the runner does it once for all stories): `prepare`
/// posts the events and waits until the consequences appear, up to what must happen before
/// appeal windows close (notices, appeals, reviews); `conclude` shows what happens once the
/// windows have closed (measures in force, lifts). A story that needs no clock does everything
/// in `prepare`.
public protocol DemoStory: Sendable {
    /// The short name for `--story` (e.g. `lawyer`).
    var name: String { get }
    /// The story's title.
    var title: String { get }
    /// Where it comes from in the article, one or two sentences.
    var article: String { get }
    /// The story's subjects (their decisions are read from `sanctions.decisions`).
    var subjects: [SubjectCode] { get }
    /// Whether `conclude` needs the appeal windows to have closed (the shared clock advanced).
    var needsClockAdvance: Bool { get }
    /// The first part: events, notices, appeals. Throws `StoryFailure` (or any error) when the
    /// expected outcome does not appear.
    func prepare(_ demo: DemoContext) async throws
    /// The second part, after the clock advance.
    func conclude(_ demo: DemoContext) async throws
}

extension DemoStory {
    /// Nothing to do after the clock advance.
    public func conclude(_ demo: DemoContext) async throws {}
}

/// A story did not reach its expected outcome.
public struct StoryFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was expected and what was seen.
    public var message: String
    /// Creates a failure.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
