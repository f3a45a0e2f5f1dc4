import ArgumentParser
import CreditCtlKit
import Foundation

/// Options every client command shares: which stack, and tables or the service's JSON.
struct ClientOptions: ParsableArguments {
    @Option(name: .long, help: "The stack file with service addresses and dev tokens.")
    var stack: String = StackFile.defaultPath

    @Flag(name: .long, help: "Print the service's JSON (for scripts) instead of tables.")
    var json = false

    /// The stack file, read.
    func stackFile() throws -> StackFile { try StackFile.load(from: stack) }

    /// A client for the stack.
    func client() throws -> StackClient { StackClient(stack: try stackFile()) }

    /// Prints the service's body with `--json`, else the rendered answer.
    func emit<Value: Sendable>(_ reply: ServiceReply<Value>, render: (Value) -> String) {
        print(json ? String(decoding: reply.body, as: UTF8.self) : render(reply.value))
    }

    /// Prints the service's body with `--json`, else the tables, a blank line apart.
    func emit<Value: Sendable>(_ reply: ServiceReply<Value>, tables: (Value) -> [TextTable]) {
        emit(reply, render: { tables($0).map { $0.render() }.joined(separator: "\n\n") })
    }

    /// Runs `body`; a service's refusal is printed (its JSON with `--json`, else a sentence on
    /// standard error) and exits with status 1.
    func run(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as ServiceError {
            if json { print(String(decoding: error.body, as: UTF8.self)) }
            printError("\(error)")
            throw ExitCode.failure
        } catch let error as ClientError {
            printError("\(error)")
            throw ExitCode.failure
        } catch let error as StackFileError {
            printError("\(error)")
            throw ExitCode.failure
        }
    }
}

/// Writes `message` to standard error as `error: …`.
func printError(_ message: String) {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
}

/// Runs a `ClientArguments` check in `validate()`, as a usage error.
func checked<T>(_ check: () throws -> T) throws -> T {
    do {
        return try check()
    } catch let error as ArgumentError {
        throw ValidationError(error.message)
    }
}
