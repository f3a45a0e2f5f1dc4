import Foundation
import Hummingbird
import Scoring
import ServiceSupport

// The scoring service: consumes events.accepted, writes the ledger, publishes scores.changed,
// expires points, and serves the scores and ledger over HTTP (DESIGN §2, §8, §9).
await ServiceMain.run("scoring") { logger, registry in
    let configuration = try ScoringService.Configuration.fromEnvironment()
    let arguments = Array(CommandLine.arguments.dropFirst())
    if !arguments.isEmpty {
        // Operator commands: replay, what-if, bench.
        exit(try await ScoringTools.run(arguments, configuration: configuration, clock: SharedOffsetClock.fromEnvironment(),
                                        logger: logger))
    }
    let parts = try await ScoringService.makeParts(configuration, clock: SharedOffsetClock.fromEnvironment(), logger: logger)
    let router = Router()
    router.add(middleware: APIErrorMiddleware())
    OperationsRoutes.add(to: router, service: "scoring", registry: registry, checks: [.postgres(parts.pool)])
    parts.routes.add(to: router)
    try await ServiceRunner.run(name: "scoring", http: configuration.http, router: router, services: parts.services, logger: logger)
    await parts.producer.shutdown()
    await parts.pool.shutdown()
}
