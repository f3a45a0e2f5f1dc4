import ArgumentParser
import CreditCtlKit
import CreditModel
import Foundation
import Logging

/// `creditctl demo`: plays the article's stories against the running stack, narrating each
/// step with the services' real answers, and exits non-zero if a story did not reach its
/// expected outcome (so it doubles as a smoke test).
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Play the article's stories against the running stack (advances the shared dev clock by 11 days).")
    @Option(name: .long, help: "Play only this story (repeatable); see --list.") var story: [String] = []
    @Flag(name: .long, help: "List the stories and exit.") var list = false
    @Option(name: .long, help: "Seed for the subject codes (default: random, so runs do not collide).") var seed: UInt64?
    @Option(name: .long, help: "Seconds to wait for each outcome.") var timeout: Int = 60
    @OptionGroup var options: ClientOptions

    func validate() throws {
        _ = try checked { try DemoRunner.select(story, seed: 0) }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() async throws {
        let seed = seed ?? UInt64.random(in: 1...UInt64.max)
        let stories = try checked { try DemoRunner.select(story, seed: seed) }
        if list {
            print(TextTable(headers: ["story", "clock", "title"],
                            rows: stories.map { [$0.name, $0.needsClockAdvance ? "+11d" : "", $0.title] }).render())
            return
        }
        let stack = try options.stackFile()
        var logger = Logger(label: "creditctl.demo")
        logger.logLevel = .warning
        let feed = try await DecisionFeed(bootstrap: stack.kafka.bootstrap, logger: logger)
        let transcript = DemoTranscript(live: !options.json)
        let context = DemoContext(client: StackClient(stack: stack), clock: DevClock(stack: stack), feed: feed,
                                  transcript: transcript, timeout: .seconds(timeout))
        if !options.json { print("SocialCredit demo (seed \(seed); replay the same subjects with --seed \(seed))") }
        let outcomes = await DemoRunner(context: context).run(stories)
        if options.json {
            let entries = await transcript.entries
            let body: JSONValue = [
                "seed": .string(String(seed)),
                "transcript": try JSONValue.parse(JSONEncoder().encode(entries)),
                "stories": try JSONValue.parse(JSONEncoder().encode(outcomes)),
                "passed": .bool(outcomes.allSatisfy(\.passed)),
            ]
            print(try MessageCoding.encodeString(body))
        } else {
            print("\n== Summary ==\n" + DemoRunner.summary(outcomes))
        }
        if !outcomes.allSatisfy(\.passed) { throw ExitCode.failure }
    }
}
