import ArgumentParser
import CreditCtlKit
import CreditModel
import Foundation
import Logging

/// Where events come from: a JSONL file or standard input, and the default agency.
struct EventInput: ParsableArguments {
    @Option(name: .long, help: "The agency of events without an \"agency\" field.") var agency: String?
    @Argument(help: "A JSONL file of agency-event/1 objects, or - for standard input.") var file: String = "-"

    func validate() throws {
        if let agency { _ = try checked { try ClientArguments.agency(agency) } }
    }

    /// The events routed to their agencies, and the lines that cannot be sent.
    func read() throws -> (events: [RoutedEvent], errors: [JSONLReader.LineError]) {
        RoutedEvent.route(try JSONLReader.read(path: file), defaultAgency: agency)
    }
}

/// Prints bad input lines to standard error.
func report(_ errors: [JSONLReader.LineError]) {
    for error in errors { printError("\(error)") }
}

/// `creditctl publish [--agency ID] [FILE|-]`: events to `agency.<id>.events` over Kafka.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish agency events from JSONL to the agencies' Kafka topics (keyed by subject).")
    @OptionGroup var input: EventInput
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let (events, errors) = try input.read()
        report(errors)
        var logger = Logger(label: "creditctl.publish")
        logger.logLevel = .warning
        let stack = try options.stackFile()
        let publisher = try AgencyEventPublisher(bootstrap: stack.kafka.bootstrap, logger: logger)
        let outcomes = await publisher.publish(events)
        await publisher.shutdown()
        var counts: [String: Int] = [:]
        var failed: [(lines: [Int], error: String)] = []
        for outcome in outcomes {
            if let error = outcome.error { failed.append((outcome.lines, error)) } else { counts[outcome.topic, default: 0] += outcome.lines.count }
        }
        for failure in failed { printError("lines \(failure.lines.map(String.init).joined(separator: ",")): \(failure.error)") }
        let published = counts.values.reduce(0, +)
        if options.json {
            let body: JSONValue = [
                "published": .int(Int64(published)),
                "topics": .object(counts.mapValues { .int(Int64($0)) }),
                "errors": .array(errors.map { error -> JSONValue in ["line": .int(Int64(error.line)), "message": .string(error.message)] }
                    + failed.flatMap { failure in
                        failure.lines.map { line -> JSONValue in ["line": .int(Int64(line)), "message": .string(failure.error)] }
                    }),
            ]
            print(try MessageCoding.encodeString(body))
        } else {
            print(TextTable([.init("topic"), .init("events", .right)], rows: counts.sorted { $0.key < $1.key }.map { [$0.key, "\($0.value)"] }).render())
            print("published \(published) event\(published == 1 ? "" : "s"); \(errors.count + failed.reduce(0) { $0 + $1.lines.count }) line(s) not published")
        }
        if !errors.isEmpty || !failed.isEmpty { throw ExitCode.failure }
    }
}

/// `creditctl post [--agency ID] [FILE|-]`: events over HTTP `POST /v1/events`, in batches per agency.
struct PostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "post",
        abstract: "Submit agency events from JSONL to ingest over HTTP, printing each event's result.")
    @OptionGroup var input: EventInput
    @Option(name: .long, help: "Events per request (1–1000).") var batch: Int = 500
    @OptionGroup var options: ClientOptions

    func validate() throws {
        guard (1...1000).contains(batch) else { throw ValidationError("--batch must be between 1 and 1000") }
    }

    func run() async throws {
        let (events, errors) = try input.read()
        report(errors)
        let client = try options.client()
        var results: [(event: RoutedEvent, result: SubmissionAnswer.Result)] = []
        try await options.run {
            for group in EventBatches.make(events, size: batch) {
                let reply = try await client.submit(group.map { .object($0.event) }, agency: group[0].agency)
                results += zip(group, reply.value.results).map { (event: $0, result: $1) }
            }
        }
        if options.json {
            let rows: [JSONValue] = results.map { item in
                var row: [String: JSONValue] = ["line": .int(Int64(item.event.line)), "agency": .string(item.event.agency),
                                                "status": .string(item.result.status)]
                row["event_id"] = item.result.eventID.map(JSONValue.string)
                row["reason"] = item.result.reason.map(JSONValue.string)
                row["message"] = item.result.message.map(JSONValue.string)
                return .object(row)
            } + errors.map { error -> JSONValue in
                ["line": .int(Int64(error.line)), "status": "invalid_line", "message": .string(error.message)]
            }
            print(try MessageCoding.encodeString(JSONValue.array(rows)))
        } else {
            let table = TextTable([.init("line", .right), .init("agency"), .init("event"), .init("status"), .init("reason"), .init("message")],
                                  rows: results.sorted { $0.event.line < $1.event.line }.map { item in
                                      [String(item.event.line), item.event.agency, item.result.eventID ?? "-", item.result.status,
                                       item.result.reason ?? "", item.result.message ?? ""]
                                  })
            print(table.render())
            let counts = Dictionary(grouping: results, by: { $0.result.status }).mapValues(\.count)
            print(["accepted", "duplicate", "rejected"].map { "\(counts[$0] ?? 0) \($0)" }.joined(separator: ", ")
                + (errors.isEmpty ? "" : ", \(errors.count) line(s) not sent"))
        }
        if !errors.isEmpty || results.contains(where: { $0.result.status == "rejected" }) { throw ExitCode.failure }
    }
}
