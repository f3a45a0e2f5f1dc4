import Foundation
import Hummingbird
import Prometheus

/// Adds the routes every service serves (DESIGN §8): `GET /health` (JSON, 200 when healthy,
/// 503 when a component is not) and `GET /metrics` (Prometheus text format).
public enum OperationsRoutes {
    /// Registers `/health` and `/metrics` on `router`.
    public static func add<Context: RequestContext>(
        to router: Router<Context>,
        service: String,
        registry: PrometheusCollectorRegistry,
        checks: [HealthCheck] = []
    ) {
        router.get("health") { _, _ -> Response in
            let report = await HealthReport.run(service: service, checks: checks)
            let body = try JSONEncoder().encode(report)
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            return Response(status: report.status == "ok" ? .ok : .serviceUnavailable, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("metrics") { _, _ -> Response in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16 * 1024)
            registry.emit(into: &buffer)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
    }
}
