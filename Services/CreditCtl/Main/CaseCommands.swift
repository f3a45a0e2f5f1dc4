import ArgumentParser
import CreditCtlKit
import Foundation

/// `creditctl appeal CASE_ID --code CODE [--reason TEXT]`: the subject appeals a sanction
/// within its window, quoting the appeal code from the notice.
struct AppealCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "appeal",
        abstract: "Appeal a proposed or noticed sanction with the code from its notice (sanctions).")
    @Argument(help: "The case id (from `creditctl cases CODE`).") var caseID: String
    @Option(name: .long, help: "The appeal code quoted in the notice letter (e.g. K7Q2M-XW9PA).") var code: String
    @Option(name: .long, help: "Why the decision is wrong (told to the officer, at most 2000 characters).") var reason: String?
    @OptionGroup var options: ClientOptions

    func validate() throws {
        _ = try checked { try ClientArguments.text(code, name: "--code", limit: 64) }
        if let reason { _ = try checked { try ClientArguments.text(reason, name: "--reason", limit: 2000) } }
    }

    func run() async throws {
        try await options.run {
            let reply = try await options.client().appeal(caseID: caseID, appealCode: code.trimmingCharacters(in: .whitespaces),
                                                          statement: reason)
            options.emit(reply, render: { "case \($0.caseID) is \($0.state)" + ($0.appealDeadline.map { " (appeal deadline \($0))" } ?? "") })
        }
    }
}

/// `creditctl review CASE_ID --decision uphold|overturn --reason TEXT`: an officer decides an
/// appeal (officer token from the stack file).
struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Decide an appeal as an officer: uphold (the sanction takes effect) or overturn (withdrawn).")
    @Argument(help: "The case id.") var caseID: String
    @Option(name: .long, help: "uphold or overturn.") var decision: String
    @Option(name: .long, help: "The officer's reasons (told to the subject, at most 2000 characters).") var reason: String
    @OptionGroup var options: ClientOptions

    func validate() throws {
        _ = try checked { try ClientArguments.outcome(decision) }
        _ = try checked { try ClientArguments.text(reason, name: "--reason", limit: 2000) }
    }

    func run() async throws {
        try await options.run {
            let reply = try await options.client().review(caseID: caseID, outcome: try ClientArguments.outcome(decision),
                                                          reason: try ClientArguments.text(reason, name: "--reason", limit: 2000))
            options.emit(reply, render: { "case \($0.caseID) is \($0.state)" })
        }
    }
}
