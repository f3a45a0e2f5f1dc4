import CreditCtlKit
import Foundation
import Testing

@Suite struct StackFileTests {
    @Test func roundTripsAndReadsTheDesignExample() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stackfile-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("stack.json").path
        // The shape of DESIGN §10, as written by hand.
        try Data("""
        {"kafka":{"bootstrap":"127.0.0.1:9092"},
         "database":{"url":"postgresql://postgres@127.0.0.1:5432/postgres"},
         "services":{"ingest":"http://127.0.0.1:8081","scoring":"http://127.0.0.1:8082",
                     "sanctions":"http://127.0.0.1:8083","notification":"http://127.0.0.1:8084"},
         "tokens":{"agencies":{"court":"c","jinan-dogs":"d"},"officer":"o","enforcer":"e"},
         "mailbox":".run/mailbox"}
        """.utf8).write(to: URL(fileURLWithPath: path))
        let stack = try StackFile.load(from: path)
        #expect(stack.kafka.bootstrap == "127.0.0.1:9092")
        #expect(try stack.serviceURL("sanctions") == "http://127.0.0.1:8083")
        #expect(stack.tokens.agencies["jinan-dogs"] == "d")
        try stack.write(to: path)
        #expect(try StackFile.load(from: path) == stack)
        #expect(throws: StackFileError.noService("nope")) { try stack.serviceURL("nope") }
    }

    @Test func missingFileSaysToStartTheStack() {
        #expect(throws: StackFileError.missing(path: "/nonexistent/stack.json")) {
            try StackFile.load(from: "/nonexistent/stack.json")
        }
    }
}
