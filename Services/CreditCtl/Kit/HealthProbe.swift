import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Asks a service's `GET /health` whether it is up (HTTP 200).
public enum HealthProbe {
    /// Whether `GET <baseURL>/health` answers 200 within `timeout` seconds.
    public static func isHealthy(_ baseURL: String, timeout: TimeInterval = 2) async -> Bool {
        await status(baseURL, timeout: timeout) == 200
    }

    /// The status of `GET <baseURL>/health`, or nil when nothing answers.
    public static func status(_ baseURL: String, timeout: TimeInterval = 2) async -> Int? {
        guard let url = URL(string: "\(baseURL)/health") else { return nil }
        var request = URLRequest(url: url)
        request.timeoutInterval = timeout
        guard let (_, response) = try? await URLSession.shared.data(for: request) else { return nil }
        return (response as? HTTPURLResponse)?.statusCode
    }
}
