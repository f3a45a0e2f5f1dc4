// swift-tools-version:6.0
// SocialCredit: four services (ingest, scoring, sanctions, notification) that talk only over
// Kafka and keep state in PostgreSQL, plus the `creditctl` operator tool.
// Dependencies point one way: services -> shared libraries -> C modules (DESIGN §2).
import PackageDescription

let log: Target.Dependency = .product(name: "Logging", package: "swift-log")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")
let prometheus: Target.Dependency = .product(name: "Prometheus", package: "swift-prometheus")
let lifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let yams: Target.Dependency = .product(name: "Yams", package: "Yams")

/// What every service library and executable builds on.
let serviceDependencies: [Target.Dependency] = [
    "CreditModel", "KafkaClient", "PostgresClient", "Pipeline", "ServiceSupport",
    log, metrics, prometheus, lifecycle, hummingbird,
]
/// What every service's tests build on.
let serviceTestDependencies: [Target.Dependency] = serviceDependencies + [
    "TestSupport", .product(name: "HummingbirdTesting", package: "hummingbird"),
]

let package = Package(
    name: "SocialCredit",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "creditctl", targets: ["creditctl"]),
        .executable(name: "ingest", targets: ["ingest"]),
        .executable(name: "scoring", targets: ["scoring"]),
        .executable(name: "notification", targets: ["notification"]),
        .executable(name: "sanctions", targets: ["sanctions"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // C modules.
        .systemLibrary(name: "CRdKafka", path: "Shared/CRdKafka", pkgConfig: "rdkafka",
                       providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CLibPQ", path: "Shared/CLibPQ", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),

        // Shared libraries.
        .target(name: "CreditModel", dependencies: [yams], path: "Shared/CreditModel"),
        .target(name: "KafkaClient", dependencies: ["CRdKafka", log], path: "Shared/KafkaClient"),
        .target(name: "PostgresClient", dependencies: ["CLibPQ", log], path: "Shared/PostgresClient"),
        .target(name: "Pipeline",
                dependencies: ["KafkaClient", "PostgresClient", log, metrics, lifecycle],
                path: "Shared/Pipeline"),
        .target(name: "DevBrokerClient", path: "Shared/DevBrokerClient"),
        .target(name: "ServiceSupport",
                dependencies: ["PostgresClient", "KafkaClient", log, metrics, prometheus, lifecycle, hummingbird],
                path: "Shared/ServiceSupport"),

        // Services: logic in a library that tests import; the executable is a thin main.
        .target(name: "Ingest", dependencies: serviceDependencies, path: "Services/Ingest/Ingest"),
        .executableTarget(name: "ingest", dependencies: ["Ingest"] + serviceDependencies, path: "Services/Ingest/Main"),
        .target(name: "Scoring", dependencies: serviceDependencies + [yams], path: "Services/Scoring/Scoring"),
        .executableTarget(name: "scoring", dependencies: ["Scoring"] + serviceDependencies, path: "Services/Scoring/Main"),
        .target(name: "Notification",
                dependencies: serviceDependencies + [.product(name: "Crypto", package: "swift-crypto")],
                path: "Services/Notification/Notification"),
        .executableTarget(name: "notification", dependencies: ["Notification"] + serviceDependencies,
                          path: "Services/Notification/Main"),

        .target(name: "Sanctions", dependencies: serviceDependencies, path: "Services/Sanctions/Sanctions"),
        .executableTarget(name: "sanctions", dependencies: ["Sanctions"] + serviceDependencies,
                          path: "Services/Sanctions/Main"),

        // Tools.
        // creditctl: reusable logic (stack file, processes, clients, benchmarks) in a library that
        // tests import; the commands are a thin executable over it.
        .target(name: "CreditCtlKit",
                dependencies: ["CreditModel", "DevBrokerClient", "KafkaClient", "PostgresClient", "ServiceSupport", log],
                path: "Services/CreditCtl/Kit"),
        .executableTarget(name: "creditctl",
                          dependencies: ["CreditCtlKit", "CreditModel", "DevBrokerClient", "KafkaClient", "PostgresClient", "ServiceSupport",
                                         argumentParser, log, lifecycle, hummingbird,
                                         .product(name: "UnixSignals", package: "swift-service-lifecycle")],
                          path: "Services/CreditCtl/Main"),

        // Tests (Swift Testing), against the real PostgreSQL and dev broker started by scripts/test.
        .target(name: "TestSupport", dependencies: ["DevBrokerClient", "PostgresClient", log], path: "Tests/TestSupport"),
        .testTarget(name: "CreditModelTests", dependencies: ["CreditModel"], path: "Tests/CreditModelTests"),
        .testTarget(name: "KafkaClientTests", dependencies: ["KafkaClient", "TestSupport"],
                    path: "Tests/KafkaClientTests"),
        .testTarget(name: "ServiceSupportTests",
                    dependencies: ["ServiceSupport", "KafkaClient", "PostgresClient", log, hummingbird, .product(name: "HummingbirdTesting", package: "hummingbird")],
                    path: "Tests/ServiceSupportTests"),
        .testTarget(name: "PipelineTests",
                    dependencies: ["Pipeline", "KafkaClient", "PostgresClient", "TestSupport", log, lifecycle],
                    path: "Tests/PipelineTests"),
        .testTarget(name: "IngestTests", dependencies: ["Ingest"] + serviceTestDependencies, path: "Tests/IngestTests"),
        .testTarget(name: "ScoringTests", dependencies: ["Scoring"] + serviceTestDependencies, path: "Tests/ScoringTests"),
        .testTarget(name: "NotificationTests", dependencies: ["Notification"] + serviceTestDependencies,
                    path: "Tests/NotificationTests"),
        .testTarget(name: "SanctionsTests", dependencies: ["Sanctions"] + serviceTestDependencies,
                    path: "Tests/SanctionsTests"),
        .testTarget(name: "CreditCtlTests",
                    dependencies: ["CreditCtlKit", "CreditModel", "KafkaClient", "PostgresClient", "ServiceSupport",
                                   "TestSupport", log, yams],
                    path: "Tests/CreditCtlTests"),
        .testTarget(name: "PostgresClientTests", dependencies: ["PostgresClient", "TestSupport"],
                    path: "Tests/PostgresClientTests"),
    ]
)
