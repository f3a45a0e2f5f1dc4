import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import PostgresClient
import Prometheus
import Testing
@testable import ServiceSupport

@Suite struct OperationsRoutesTests {
    struct Boom: Error {}

    func makeApp(registry: PrometheusCollectorRegistry, healthy: Bool) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: APIErrorMiddleware())
        OperationsRoutes.add(to: router, service: "test", registry: registry, checks: [
            HealthCheck("postgres") { ComponentHealth(ok: true) },
            HealthCheck("kafka") { ComponentHealth(ok: healthy, detail: healthy ? nil : "all brokers down") },
        ])
        router.get("teapot") { _, _ -> String in throw APIError(.badRequest, code: "invalid_json", message: "not JSON") }
        router.get("crash") { _, _ -> String in throw Boom() }
        // A real pool whose server is not there (nothing listens on port 1): connection refused.
        let unreachable = PostgresPool(configuration: PostgresConfiguration(url: "postgresql://postgres@127.0.0.1:1/postgres", connectTimeoutSeconds: 2),
                                       logger: Logger(label: "operations-routes-tests"))
        router.get("database") { _, _ -> String in try await unreachable.query("SELECT 1")[0].decode(String.self, at: 0) }
        router.get("bad-sql") { _, _ -> String in throw PostgresError(code: .server(sqlState: "42601"), message: "syntax error") }
        return Application(router: router)
    }

    @Test func healthReportsEveryComponent() async throws {
        try await makeApp(registry: PrometheusCollectorRegistry(), healthy: true).test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                let report = try JSONDecoder().decode(HealthReport.self, from: Data(buffer: response.body))
                #expect(report.status == "ok")
                #expect(report.components.keys.sorted() == ["kafka", "postgres"])
            }
        }
    }

    @Test func unhealthyComponentGives503() async throws {
        try await makeApp(registry: PrometheusCollectorRegistry(), healthy: false).test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let report = try JSONDecoder().decode(HealthReport.self, from: Data(buffer: response.body))
                #expect(report.status == "degraded")
                #expect(report.components["kafka"]?.detail == "all brokers down")
            }
        }
    }

    @Test func metricsServePrometheusText() async throws {
        let registry = PrometheusCollectorRegistry()
        Counter(label: "events_accepted_total", dimensions: [("agency", "court")], factory: PrometheusMetricsFactory(registry: registry))
            .increment(by: 3)
        try await makeApp(registry: registry, healthy: true).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                #expect(text.contains("events_accepted_total{agency=\"court\"} 3"))
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            }
        }
    }

    @Test func errorsAreJSONWithoutInternals() async throws {
        try await makeApp(registry: PrometheusCollectorRegistry(), healthy: true).test(.router) { client in
            try await client.execute(uri: "/teapot", method: .get) { response in
                #expect(response.status == .badRequest)
                let body = try JSONDecoder().decode(APIError.Body.self, from: Data(buffer: response.body))
                #expect(body.error == "invalid_json")
                #expect(body.message == "not JSON")
            }
            try await client.execute(uri: "/crash", method: .get) { response in
                #expect(response.status == .internalServerError)
                let body = try JSONDecoder().decode(APIError.Body.self, from: Data(buffer: response.body))
                #expect(body.error == "internal_error")
                #expect(!String(buffer: response.body).contains("Boom"))
            }
            // The database is down: a 503 the client may retry, not a 500.
            try await client.execute(uri: "/database", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "1")
                let body = try JSONDecoder().decode(APIError.Body.self, from: Data(buffer: response.body))
                #expect(body.error == "unavailable")
                #expect(!String(buffer: response.body).contains("127.0.0.1"), "no connection details leak")
            }
            // A statement the server refuses for good is the service's bug: a 500.
            try await client.execute(uri: "/bad-sql", method: .get) { response in
                #expect(response.status == .internalServerError)
                let body = try JSONDecoder().decode(APIError.Body.self, from: Data(buffer: response.body))
                #expect(body.error == "internal_error")
            }
            try await client.execute(uri: "/no/such/path", method: .get) { response in
                #expect(response.status == .notFound)
                let body = try JSONDecoder().decode(APIError.Body.self, from: Data(buffer: response.body))
                #expect(body.error == "not_found")
            }
        }
    }
}
