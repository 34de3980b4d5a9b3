// swift-tools-version:6.1
import PackageDescription

// An application built on Reprise: one workflow, one activity, their tests and an executable
// with Reprise's commands. docs/quickstart.md builds it step by step.
let package = Package(
    name: "hello",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Reprise itself, two directories up; your own package names a release instead.
        .package(name: "reprise", path: "../.."),
    ],
    targets: [
        // The workflows and activities: a library, so that the tests and the executable share them.
        .target(name: "HelloWorkflows", dependencies: [.product(name: "Workflow", package: "reprise")]),
        // `hello dev`, `hello worker`, `hello server`, `hello migrate` and the client commands.
        .executableTarget(
            name: "hello", dependencies: ["HelloWorkflows", .product(name: "RepriseCommands", package: "reprise")]),
        .testTarget(
            name: "HelloTests",
            dependencies: ["HelloWorkflows", .product(name: "RepriseTesting", package: "reprise"), .product(name: "Workflow", package: "reprise")]),
    ]
)
