// swift-tools-version:6.1
import PackageDescription

/// Every target builds in Swift 6 language mode with the same upcoming features as postgres-nio.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

let package = Package(
    name: "reprise",
    platforms: [.macOS(.v15)],
    products: [
        // What an application built on Reprise depends on; most need only RepriseCommands (the
        // entry point) and RepriseTesting (docs/quickstart.md).
        .library(name: "Workflow", targets: ["Workflow"]),
        .library(name: "Schedules", targets: ["Schedules"]),
        .library(name: "Store", targets: ["Store"]),
        .library(name: "Workers", targets: ["Workers"]),
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "Gateway", targets: ["Gateway"]),
        .library(name: "Activities", targets: ["Activities"]),
        .library(name: "Server", targets: ["Server"]),
        .library(name: "RepriseCommands", targets: ["RepriseCommands"]),
        .library(name: "RepriseTesting", targets: ["RepriseTesting"]),
        .executable(name: "reprise", targets: ["reprise"]),
        .executable(name: "reprise-bench", targets: ["reprise-bench"]),
        .executable(name: "reprise-chaos", targets: ["reprise-chaos"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    ],
    targets: [
        // The programming model and the replay engine: no I/O, no Postgres.
        .target(
            name: "Workflow",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // When schedules act: specs, cron, time zones, jitter. Pure, so every server computes the same ticks.
        .target(
            name: "Schedules",
            dependencies: ["Workflow"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Store",
            dependencies: [
                "Workflow", "Schedules", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Workers",
            dependencies: [
                "Workflow", "Store",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The engine's own loops (timers, lease reaper, retention): services, not workers.
        .target(
            name: "Engine",
            dependencies: [
                "Store", "Workers",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RepriseTesting",
            dependencies: [
                "Workflow", "Store", "Workers", "Engine",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Gateway",
            dependencies: [
                "Store", "Workflow",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Activities",
            dependencies: ["Workflow", "Gateway", .product(name: "Subprocess", package: "swift-subprocess")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Server",
            dependencies: [
                "Workflow", "Schedules", "Store", "Gateway",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // The operator console (docs/ui.md), compiled into the binary as byte arrays
            // (`PackageResources`): no files to ship beside it, and nothing on disk to serve by path.
            resources: [.embedInCode("UI")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Samples",
            dependencies: [
                "Workflow", "Activities", "Store", "Gateway",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "workflows",
            exclude: ["examples"],
            swiftSettings: swiftSettings
        ),
        // The commands (`dev`, `server`, `worker`, `migrate`, the client) and the entry point an
        // application's executable calls with its registration: `RepriseCLI.main`.
        .target(
            name: "RepriseCommands",
            dependencies: [
                "Workflow", "Store", "Workers", "Engine", "Server", "Activities", "Gateway",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // `reprise`: the entry point with the samples registered.
        .executableTarget(
            name: "reprise",
            dependencies: [
                "RepriseCommands", "Samples", "Store", "Activities", "Gateway",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "reprise-bench",
            dependencies: [
                "Workflow", "Schedules", "Activities", "Gateway", "Store", "Workers", "Engine", "Server",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        // The fault-injection runner behind scripts/chaos: real servers, workers and Postgres under
        // kills, freezes and restarts; its workers run the chaos workflows. Test tooling, not product.
        .executableTarget(
            name: "reprise-chaos",
            dependencies: [
                "Workflow", "Store", "Workers", "Gateway", "Activities", "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SchedulesTests",
            dependencies: ["Schedules", "Workflow"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WorkflowTests",
            dependencies: ["Workflow", "RepriseTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Workflow", "Store", "Gateway", "RepriseTesting", "Server", "Activities", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Local HTTP servers speaking real providers' wire formats, and the built CLI: test code only.
        .target(
            name: "TestSupport",
            dependencies: [
                "Workflow",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SamplesTests",
            dependencies: [
                "Samples", "Workflow", "Store", "Gateway", "Activities", "RepriseTesting", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ActivitiesTests",
            dependencies: ["Workflow", "Activities", .product(name: "Subprocess", package: "swift-subprocess")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Workflow", "Store", "Workers", "Server", "RepriseTesting", "RepriseCommands", "Samples", "TestSupport", "Gateway", "Activities",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EngineTests",
            dependencies: [
                "Workflow", "Schedules", "Store", "Workers", "Engine", "RepriseTesting", .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
