import ArgumentParser
import CreditModel
import Foundation
import PostgresClient

/// `creditctl bench encode`: what binding a batch's array parameters costs, per element, in
/// PostgreSQL's text array form (the baseline, as it was bound before) and in binary (as it is
/// bound now), on the same arrays in the same run.
struct EncodeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode", abstract: "Array parameter encoding per element: text (baseline) against binary.")

    @Option(help: "Elements per array (a batch's rows).")
    var elements = 2_000

    @Option(help: "Arrays encoded per type and form.")
    var rounds = 400

    func run() throws {
        guard elements > 0, rounds > 0 else { throw ValidationError("--elements and --rounds must be positive") }
        let strings = (0..<elements).map { "CN-\($0 * 7_919)-subject" }
        let uuids = (0..<elements).map { _ in UUID() }
        let dates = (0..<elements).map { Date(timeIntervalSince1970: 1.7e9 + Double($0) * 0.001) }
        let ints = (0..<elements).map { $0 * 31 }
        let optionals: [String?] = (0..<elements).map { $0 % 3 == 0 ? nil : "reason-\($0)" }
        print("type       text ns/elem  binary ns/elem  text/binary")
        try compare("text", strings)
        try compare("uuid", uuids)
        try compare("timestamptz", dates)
        try compare("bigint", ints)
        try compare("text/NULL", optionals)
    }

    private func compare<Element: PostgresBinaryArrayElement>(_ name: String, _ values: [Element]) throws {
        let text = try nanoseconds { buffer in try values.encodePostgresText(into: &buffer) }
        let binary = try nanoseconds { buffer in try values.encodePostgresBinary(into: &buffer) }
        print(name.padding(toLength: 11, withPad: " ", startingAt: 0)
              + String(format: "%12.1f  %14.1f  %11.1f", text, binary, text / binary))
    }

    private func nanoseconds(_ encode: (inout [UInt8]) throws -> Void) throws -> Double {
        var bytes = 0
        let elapsed = try ContinuousClock().measure {
            for _ in 0..<rounds {
                var buffer: [UInt8] = []
                try encode(&buffer)
                bytes &+= buffer.count
            }
        }
        precondition(bytes > 0)
        return elapsed.timeInterval * 1e9 / Double(rounds * elements)
    }
}
