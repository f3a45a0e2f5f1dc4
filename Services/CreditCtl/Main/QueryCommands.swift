import ArgumentParser
import CreditCtlKit
import Foundation

/// The subject code argument, checked before any request.
struct SubjectArgument: ParsableArguments {
    @Argument(help: "The subject code (GB 11643 or GB 32100).") var code: String

    func validate() throws { _ = try checked { try ClientArguments.subject(code) } }
}

/// `creditctl score CODE [--as-of T]`: a subject's points and grade on every scheme.
struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "score", abstract: "Show a subject's scores (scoring).")
    @OptionGroup var subject: SubjectArgument
    @Option(name: .customLong("as-of"), help: "An instant (RFC 3339) or a date (YYYY-MM-DD).") var asOf: String?
    @OptionGroup var options: ClientOptions

    func validate() throws {
        if let asOf { _ = try checked { try ClientArguments.instant(asOf) } }
    }

    func run() async throws {
        try await options.run {
            let reply = try await options.client().scores(subject.code, asOf: try asOf.map(ClientArguments.instant))
            options.emit(reply, tables: { [$0.table()] })
        }
    }
}

/// `creditctl ledger CODE`: every point change with its rule and reason, newest first.
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ledger", abstract: "Show a subject's ledger (scoring).")
    @OptionGroup var subject: SubjectArgument
    @Option(name: .long, help: "Entries per page (1–500).") var limit: Int = 50
    @Option(name: .long, help: "The `next` value of the previous page.") var before: String?
    @OptionGroup var options: ClientOptions

    func validate() throws {
        guard (1...500).contains(limit) else { throw ValidationError("--limit must be between 1 and 500") }
    }

    func run() async throws {
        try await options.run {
            let reply = try await options.client().ledger(subject.code, limit: limit, before: before)
            options.emit(reply, render: { answer in
                answer.table().render() + (answer.next.map { "\n\nolder entries: creditctl ledger \(subject.code) --before \($0)" } ?? "")
            })
        }
    }
}

/// `creditctl cases CODE`: a subject's cases, their transitions and the list lookups about them.
struct CasesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cases", abstract: "Show a subject's sanction and reward cases (sanctions).")
    @OptionGroup var subject: SubjectArgument
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await options.run {
            let reply = try await options.client().cases(subject.code)
            options.emit(reply, tables: { answer in
                [answer.table(), answer.transitionTable()] + (answer.listLookups.isEmpty ? [] : [answer.lookupTable()])
            })
        }
    }
}

/// `creditctl notices CODE`: the notices sent to a subject and their delivery.
struct NoticesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "notices", abstract: "Show a subject's notices (notification).")
    @OptionGroup var subject: SubjectArgument
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await options.run {
            let reply = try await options.client().notices(subject.code)
            options.emit(reply, tables: { [$0.table()] })
        }
    }
}

/// `creditctl lists blacklist|redlist [CODE] --purpose TEXT`: an enforcer's lookup (logged).
struct ListsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lists",
        abstract: "Look up the public blacklist or redlist as an enforcer (sanctions; every lookup is logged).")
    @Argument(help: "blacklist or redlist.") var list: String
    @Argument(help: "A subject code: whether this subject is listed.") var code: String?
    @Option(name: .long, help: "Why you look (required; shown to the subjects).") var purpose: String
    @OptionGroup var options: ClientOptions

    func validate() throws {
        _ = try checked { try ClientArguments.list(list) }
        if let code { _ = try checked { try ClientArguments.subject(code) } }
        _ = try checked { try ClientArguments.text(purpose, name: "--purpose", limit: 500) }
    }

    func run() async throws {
        try await options.run {
            let reply = try await options.client().list(try ClientArguments.list(list), subject: code,
                                                        purpose: try ClientArguments.text(purpose, name: "--purpose", limit: 500))
            options.emit(reply, render: { (answer: ListAnswer) -> String in
                guard let subject = answer.subject else { return answer.table().render() }
                let line = "\(subject) is \(answer.listed == true ? "" : "not ")on the \(answer.list)"
                return answer.entries.isEmpty ? line : line + "\n\n" + answer.table().render()
            })
        }
    }
}
