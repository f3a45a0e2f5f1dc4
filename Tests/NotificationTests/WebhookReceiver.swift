import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// A real local HTTP receiver for webhook tests: a Hummingbird server on 127.0.0.1, port 0,
/// that answers each call as the scenario says and records what it got.
final class WebhookReceiver: Sendable {
    /// How to answer one call.
    enum Reply: Sendable {
        /// Answer at once with this status.
        case status(Int)
        /// Answer 307 to another path (a redirect must not be followed).
        case redirect
        /// Wait this long, then answer 200 (longer than the sender's timeout).
        case hang(Duration)
    }

    /// One call as received.
    struct Call: Sendable {
        var body: Data
        var signature: String?
        var requestID: String?
    }

    let calls = Mutex<[Call]>([])
    private let reply: @Sendable (Int) -> Reply

    /// A receiver answering call number `n` (0-based) with `reply(n)`.
    init(reply: @escaping @Sendable (Int) -> Reply) { self.reply = reply }

    var received: [Call] { calls.withLock { $0 } }

    /// The value of the header called `name` (case-insensitive).
    static func header(_ name: String, in request: Request) -> String? {
        request.headers.first { $0.name.canonicalName == name.lowercased() }?.value
    }

    /// Runs the receiver around `body`, passing its URL.
    func run<T: Sendable>(_ body: @Sendable (URL) async throws -> T) async throws -> T {
        let router = Router()
        router.post("hook") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let index = self.calls.withLock { calls in
                calls.append(Call(body: Data(buffer: bytes), signature: Self.header("X-Signature", in: request),
                                  requestID: Self.header("X-Request-Id", in: request)))
                return calls.count - 1
            }
            switch self.reply(index) {
            case .status(let code):
                return Response(status: HTTPResponse.Status(code: code))
            case .redirect:
                return Response(status: .temporaryRedirect, headers: [.location: "/hook"])
            case .hang(let duration):
                try? await Task.sleep(for: duration)
                return Response(status: .ok)
            }
        }
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  portSink.yield(channel.localAddress?.port ?? 0)
                                  portSink.finish()
                              }, logger: Logger(label: "webhook-receiver"))
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: Logger(label: "webhook-receiver"))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            do {
                let value = try await body(URL(string: "http://127.0.0.1:\(port)/hook")!)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return value
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }
}

extension Data {
    /// The readable bytes of a NIO buffer.
    init(buffer: ByteBuffer) {
        self.init(buffer.readableBytesView)
    }
}
