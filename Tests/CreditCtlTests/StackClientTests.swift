import CreditCtlKit
import CreditModel
import Foundation
import Synchronization
import Testing

/// A transport that records requests and answers with a fixed status and body.
final class StubTransport: HTTPTransport {
    let status: Int
    let body: String
    let failure: String?
    let requests = Mutex<[HTTPRequest]>([])

    init(status: Int = 200, body: String = "{}", failure: String? = nil) {
        self.status = status
        self.body = body
        self.failure = failure
    }

    struct Failure: Error, LocalizedError {
        var errorDescription: String?
    }

    func send(_ request: HTTPRequest) async throws -> (status: Int, body: Data) {
        requests.withLock { $0.append(request) }
        if let failure { throw Failure(errorDescription: failure) }
        return (status, Data(body.utf8))
    }

    var last: HTTPRequest? { requests.withLock { $0.last } }
}

@Suite struct StackClientTests {
    let stack = StackFile(kafka: .init(bootstrap: "127.0.0.1:9092"), database: .init(url: "postgresql://x"),
                          services: ["ingest": "http://127.0.0.1:8081", "scoring": "http://127.0.0.1:8082",
                                     "sanctions": "http://127.0.0.1:8083/", "notification": "http://127.0.0.1:8084"],
                          tokens: .init(agencies: ["court": "court-token"], officer: "officer-token", enforcer: "enforcer-token"))

    @Test func decodesTheServiceErrorShapeWithItsStatus() {
        let body = Data(#"{"error":"invalid_state","message":"the case is active; this is not possible now"}"#.utf8)
        let error = ServiceError.decode(service: "sanctions", request: "POST /v1/cases/x/review", status: 409, body: body)
        #expect(error.status == 409 && error.code == "invalid_state")
        #expect(error.message == "the case is active; this is not possible now")
        #expect(error.body == body)
        #expect(error.description == "sanctions answered 409 invalid_state: the case is active; this is not possible now (POST /v1/cases/x/review)")
    }

    @Test func keepsTheStatusOfBodiesOfAnotherShape() {
        let html = ServiceError.decode(service: "ingest", request: "GET /", status: 502, body: Data("<html>Bad gateway</html>\n".utf8))
        #expect(html.code == nil && html.message == "<html>Bad gateway</html>" && html.status == 502)
        let empty = ServiceError.decode(service: "ingest", request: "GET /", status: 503, body: Data())
        #expect(empty.message == "no error body")
        let otherJSON = ServiceError.decode(service: "ingest", request: "GET /", status: 500, body: Data(#"{"detail":1}"#.utf8))
        #expect(otherJSON.code == nil && otherJSON.message == #"{"detail":1}"#)
    }

    @Test func aRefusalIsThrownAsServiceError() async throws {
        let transport = StubTransport(status: 401, body: #"{"error":"unauthorized","message":"an officer bearer token is required"}"#)
        let client = StackClient(stack: stack, transport: transport)
        do {
            _ = try await client.review(caseID: "c-1", outcome: .overturned, reason: "wrong person")
            Issue.record("a 401 was not thrown")
        } catch let error as ServiceError {
            #expect(error.status == 401 && error.code == "unauthorized" && error.service == "sanctions")
        }
        let request = try #require(transport.last)
        #expect(request.method == "POST" && request.url.absoluteString == "http://127.0.0.1:8083/v1/cases/c-1/review")
        #expect(request.headers["Authorization"] == "Bearer officer-token")
        let sent = try JSONValue.parse(request.body ?? Data())
        #expect(sent == ["outcome": "overturned", "reason": "wrong person"])
    }

    @Test func answersAreDecodedAndKeepTheirBody() async throws {
        let body = #"{"subject":"11010519491231002X","subject_type":"person","schemes":[{"scheme":"citizen","points":950,"grade":"B","initial":1000,"min":0,"max":2000}]}"#
        let transport = StubTransport(body: body)
        let reply = try await StackClient(stack: stack, transport: transport).scores("11010519491231002X", asOf: "2026-11-20T00:00:00.000Z")
        #expect(reply.value.scheme("citizen")?.grade == "B")
        #expect(String(decoding: reply.body, as: UTF8.self) == body)
        #expect(transport.last?.url.absoluteString
            == "http://127.0.0.1:8082/v1/subjects/11010519491231002X/scores?as_of=2026-11-20T00:00:00.000Z")
    }

    @Test func listLookupsCarryTheEnforcerTokenAndAnEncodedPurpose() async throws {
        let transport = StubTransport(body: #"{"list":"blacklist","subject":"11010519491231002X","listed":false,"entries":[]}"#)
        let reply = try await StackClient(stack: stack, transport: transport)
            .list(.blacklist, subject: "11010519491231002X", purpose: "ticket sale & c++ / 100%")
        #expect(reply.value.listed == false)
        let request = try #require(transport.last)
        #expect(request.url.absoluteString
            == "http://127.0.0.1:8083/v1/lists/blacklist/11010519491231002X?purpose=ticket%20sale%20%26%20c%2B%2B%20/%20100%25")
        #expect(request.headers["Authorization"] == "Bearer enforcer-token")
    }

    @Test func pathSegmentsCannotEscapeTheirRoute() throws {
        let client = StackClient(stack: stack, transport: StubTransport())
        let url = try client.url("sanctions", path: ["v1", "cases", "../lists?x", "appeal"])
        #expect(url.absoluteString == "http://127.0.0.1:8083/v1/cases/..%2Flists%3Fx/appeal")
    }

    @Test func eventsArePostedWithTheAgencyTokenOrRefusedWithoutOne() async throws {
        let transport = StubTransport(body: #"{"results":[{"event_id":"e1","status":"rejected","reason":"unknown_kind","message":"kind 'x' is not in the catalog"}]}"#)
        let client = StackClient(stack: stack, transport: transport)
        let reply = try await client.submit([["event_id": "e1"]], agency: "court")
        #expect(reply.value.results == [.init(eventID: "e1", status: "rejected", reason: "unknown_kind", message: "kind 'x' is not in the catalog")])
        #expect(transport.last?.headers["Authorization"] == "Bearer court-token")
        #expect(try JSONValue.parse(transport.last?.body ?? Data()) == [["event_id": "e1"]])
        await #expect(throws: ClientError.noToken("agency 'pboc'")) { try await client.submit([], agency: "pboc") }
    }

    @Test func noAnswerAndWrongBodiesAreClientErrors() async throws {
        let down = StackClient(stack: stack, transport: StubTransport(failure: "Could not connect to the server."))
        await #expect(throws: ClientError.unreachable(service: "notification", url: "http://127.0.0.1:8084/v1/subjects/X/notices",
                                                      reason: "Could not connect to the server.")) {
            try await down.notices("X")
        }
        let odd = StackClient(stack: stack, transport: StubTransport(body: "[]"))
        do {
            _ = try await odd.cases("X")
            Issue.record("an array was decoded as cases")
        } catch let error as ClientError {
            guard case .unexpectedBody(let service, let request, _) = error else { Issue.record("\(error)"); return }
            #expect(service == "sanctions" && request == "GET /v1/subjects/X/cases")
        }
    }
}
