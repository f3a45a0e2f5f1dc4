import Foundation
import Hummingbird
import KafkaClient

/// The dev broker's HTTP control API (documented on `Broker`).
enum BrokerControlAPI {
    struct TopicRequest: Decodable {
        var name: String
        var partitions: Int?
    }
    struct ClusterRequest: Decodable {
        var brokers: Int?
    }
    struct ErrorsRequest: Decodable {
        var apiKey: Int16
        var errors: [Int32]
    }
    struct ClusterInfo: ResponseEncodable {
        var id: String
        var bootstrap: String
        var brokers: Int
    }
    struct Status: ResponseEncodable {
        var status: String
    }

    /// Routes of the control API over `broker`.
    static func router(_ broker: DevBroker) -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(ErrorMiddleware())
        router.get("health") { _, _ in Status(status: "ok") }
        router.get("clusters") { _, _ in
            await broker.all().map { ClusterInfo(id: $0.0, bootstrap: $0.1.bootstrapServers, brokers: $0.1.brokerCount) }
        }
        router.post("clusters") { request, context in
            let body = try await request.decode(as: ClusterRequest.self, context: context)
            let (id, cluster) = try await broker.createCluster(brokers: body.brokers ?? 1)
            return ClusterInfo(id: id, bootstrap: cluster.bootstrapServers, brokers: cluster.brokerCount)
        }
        router.delete("clusters/:id") { _, context in
            try await broker.destroyCluster(context.parameters.require("id"))
            return Status(status: "destroyed")
        }
        router.post("topics") { request, context in
            try await createTopic(on: broker.cluster(DevBroker.defaultID), request, context)
        }
        router.post("clusters/:id/topics") { request, context in
            try await createTopic(on: broker.cluster(context.parameters.require("id")), request, context)
        }
        router.post("clusters/:id/brokers/:broker/:state") { _, context in
            let cluster = try await broker.cluster(context.parameters.require("id"))
            let brokerID = try context.parameters.require("broker", as: Int32.self)
            switch context.parameters.get("state") {
            case "down": try cluster.setBrokerDown(brokerID)
            case "up": try cluster.setBrokerUp(brokerID)
            default: throw DevBrokerError.badRequest("state must be up or down")
            }
            return Status(status: "ok")
        }
        router.post("clusters/:id/errors") { request, context in
            let cluster = try await broker.cluster(context.parameters.require("id"))
            let body = try await request.decode(as: ErrorsRequest.self, context: context)
            try cluster.pushRequestErrors(apiKey: body.apiKey, errors: body.errors.map(KafkaError.Code.init(rawValue:)))
            return Status(status: "ok")
        }
        router.delete("clusters/:id/errors/:apiKey") { _, context in
            let cluster = try await broker.cluster(context.parameters.require("id"))
            try cluster.clearRequestErrors(apiKey: context.parameters.require("apiKey", as: Int16.self))
            return Status(status: "ok")
        }
        return router
    }

    private static func createTopic(on cluster: MockCluster, _ request: Request, _ context: BasicRequestContext) async throws -> Status {
        let body = try await request.decode(as: TopicRequest.self, context: context)
        try cluster.createTopic(body.name, partitions: body.partitions ?? 4)
        return Status(status: "created")
    }

    /// Turns failures into `{"error":code,"message":text}` with a fitting status.
    struct ErrorMiddleware: RouterMiddleware {
        typealias Context = BasicRequestContext
        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            do {
                return try await next(request, context)
            } catch let error as DevBrokerError {
                switch error {
                case .notFound(let message): return Self.json(.notFound, "not_found", message)
                case .badRequest(let message): return Self.json(.badRequest, "bad_request", message)
                }
            } catch let error as KafkaError {
                let conflict = error.code == KafkaError.Code(rawValue: 36)  // TOPIC_ALREADY_EXISTS
                return Self.json(conflict ? .conflict : .badRequest, error.name, error.message)
            } catch let error as HTTPError {
                return Self.json(error.status, "bad_request", error.body ?? "\(error)")
            } catch {
                return Self.json(.badRequest, "bad_request", "\(error)")
            }
        }

        static func json(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
            let body = (try? JSONSerialization.data(withJSONObject: ["error": code, "message": message])) ?? Data()
            return Response(status: status, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}
