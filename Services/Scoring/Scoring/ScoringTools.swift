import CreditModel
import Foundation
import Logging
import PostgresClient
import ServiceSupport

/// The operator commands of the `scoring` executable besides serving:
/// `scoring replay [fresh-schema]`, `scoring what-if <candidate.yaml>`,
/// `scoring bench [events] [events-per-transaction] [subjects]`.
/// They read the same environment as the service (`DATABASE_URL`, `SCORING_SCHEMA`,
/// `SCORING_RULEBOOK`) and print their report; `replay` exits non-zero on any difference.
public enum ScoringTools {
    /// The command names.
    public static let commands: Set<String> = ["replay", "what-if", "bench"]

    /// Runs `arguments` (command first); returns the process exit status.
    public static func run(_ arguments: [String], configuration: ScoringService.Configuration, clock: any WallClock,
                           logger: Logger) async throws -> Int32 {
        let rulebook = try Rulebook.load(contentsOf: URL(fileURLWithPath: configuration.rulebookPath))
        let pool = PostgresPool(configuration: PostgresConfiguration(url: configuration.databaseURL, poolSize: 2,
                                                                     applicationName: "scoring-tools"), logger: logger)
        do {
            let status = try await dispatch(arguments, configuration: configuration, rulebook: rulebook, pool: pool, clock: clock)
            await pool.shutdown()
            return status
        } catch {
            await pool.shutdown()
            throw error
        }
    }

    private static func dispatch(_ arguments: [String], configuration: ScoringService.Configuration, rulebook: Rulebook,
                                 pool: PostgresPool, clock: any WallClock) async throws -> Int32 {
        let suffix = String(Int(clock.now().timeIntervalSince1970))
        switch arguments.first {
        case "replay":
            let fresh = arguments.dropFirst().first ?? "\(configuration.schema)_replay_\(suffix)"
            let report = try await Replay(pool: pool, liveSchema: configuration.schema, rulebook: rulebook)
                .run(into: fresh, expireAt: clock.now())
            print("replayed into schema \(fresh)\n\(report)")
            return report.isIdentical ? 0 : 1
        case "what-if":
            guard let path = arguments.dropFirst().first else {
                print("usage: scoring what-if <candidate-rulebook.yaml>")
                return 2
            }
            let candidate = try Rulebook.load(contentsOf: URL(fileURLWithPath: path))
            let events = try await consumedEvents(pool: pool, schema: configuration.schema)
            print(WhatIf.compare(events: events, current: rulebook, candidate: candidate, at: clock.now()))
            return 0
        case "bench":
            guard let options = ScoringBenchmark.Options(Array(arguments.dropFirst())) else {
                let defaults = ScoringBenchmark.Options()
                print("usage: scoring bench [events] [events-per-transaction] [subjects]  (whole numbers above zero;"
                      + " defaults \(defaults.events) \(defaults.batchSize) \(defaults.subjects))")
                return 2
            }
            let schema = "\(configuration.schema)_bench_\(suffix)"
            let result = try await ScoringBenchmark(pool: pool, schema: schema, options: options).run(rulebook: rulebook)
            print("benchmark in schema \(schema) (drop it when done): \(options.events) events on \(options.subjects) subjects, "
                  + "\(options.batchSize) per transaction\n\(result)")
            return 0
        default:
            print("usage: scoring [replay [fresh-schema] | what-if <candidate.yaml> | bench [events] [events-per-transaction] [subjects]]")
            return 2
        }
    }

    /// Every event scoring consumed, in consumption order.
    static func consumedEvents(pool: PostgresPool, schema: String) async throws -> [AcceptedEvent] {
        let ledger = Ledger(schema: schema)
        var events: [AcceptedEvent] = [], position: Int64 = 0
        while true {
            let page = try await pool.withTransaction { try ledger.consumedEvents(after: position, limit: 5000, on: $0) }
            guard let last = page.last else { return events }
            events += page.map(\.event)
            position = last.seq
        }
    }
}

extension ScoringBenchmark {
    /// The arguments of `scoring bench`: events, events per transaction and subjects, each optional
    /// and positional.
    public struct Options: Sendable, Equatable {
        /// Events scored.
        public var events: Int
        /// Events per transaction.
        public var batchSize: Int
        /// Distinct subjects.
        public var subjects: Int

        /// `events` on `subjects`, `batchSize` per transaction; the defaults are the command's.
        public init(events: Int = 20_000, batchSize: Int = 2000, subjects: Int = 500) {
            self.events = events
            self.batchSize = batchSize
            self.subjects = subjects
        }

        /// Parses `arguments`; nil when there are more than three or one is not a whole number above zero.
        public init?(_ arguments: [String]) {
            let numbers = arguments.compactMap { Int($0) }.filter { $0 > 0 }
            guard arguments.count <= 3, numbers.count == arguments.count else { return nil }
            self.init()
            if numbers.count > 0 { events = numbers[0] }
            if numbers.count > 1 { batchSize = numbers[1] }
            if numbers.count > 2 { subjects = numbers[2] }
        }
    }
}
