import Activities
import ArgumentParser
import Gateway
import Logging
import Store
import Workers
import Workflow

/// What an executable adds to Reprise's built-ins: its workflows, its activities, the migration
/// sets those activities' tables need, and any commands of its own.
///
/// ``RepriseCLI/main(_:)`` gives the executable `dev`, `worker`, `server`, `migrate` and the
/// client commands; `dev` and `worker` run these workflows and activities beside the built-in
/// activities (`llm.complete`, the media activities).
///
/// ## Usage
/// ```swift
/// let registration = Registration(
///     workflows: [Checkout.self],
///     activities: { resources in [Charge(database: resources.store.client)] },
///     migrations: [.checkout])
/// ```
public struct Registration: Sendable {
    /// The workflow types `dev` and `worker` run.
    public var workflows: [any Workflow.Type]
    /// Makes the activities `dev` and `worker` run, once the process's store and gateway exist.
    public var activities: @Sendable (WorkerResources) throws -> [any Activity]
    /// The sets of the activities' own tables: `migrate`, `worker` and `dev` apply them after the
    /// engine's and the gateway's; `server` never does (it runs none of these activities).
    public var migrations: [MigrationSet]
    /// Subcommands of the executable's own, listed after the built-in ones.
    public var commands: [any ParsableCommand.Type]
    /// A line `dev` prints under its banner: a first command to try.
    public var devHint: String?

    /// - Parameters:
    ///   - workflows: the workflow types to register.
    ///   - activities: makes the activities to register from the process's resources.
    ///   - migrations: the activities' migration sets, each under an owner of its own.
    ///   - commands: extra subcommands.
    ///   - devHint: what `dev` suggests trying first.
    public init(
        workflows: [any Workflow.Type] = [], activities: @escaping @Sendable (WorkerResources) throws -> [any Activity] = { _ in [] },
        migrations: [MigrationSet] = [], commands: [any ParsableCommand.Type] = [], devHint: String? = nil
    ) {
        self.workflows = workflows
        self.activities = activities
        self.migrations = migrations
        self.commands = commands
        self.devHint = devHint
    }

    /// Nothing beyond the built-ins.
    public static let builtInsOnly = Registration()

    /// The registration of the running command: the one ``RepriseCLI/main(_:)`` was given.
    @TaskLocal static var current = Registration.builtInsOnly

    /// The registered workflows.
    var workflowRegistry: WorkflowRegistry { WorkflowRegistry(workflows) }

    /// The registered activities and the built-in ones; a registered activity replaces a built-in
    /// one of the same name.
    func activityRegistry(_ resources: WorkerResources) throws -> ActivityRegistry {
        ActivityRegistry(BuiltInActivities.all(gateway: resources.gateway, media: resources.media) + (try activities(resources)))
    }
}

/// What a worker process has for its activities: the store (its `client` reaches the database),
/// the LLM gateway, and the confinement read from the environment.
public struct WorkerResources: Sendable {
    /// The process's store; activities that keep tables of their own query `store.client`.
    public let store: Store
    /// The LLM gateway, as `llm.complete` uses it.
    public let gateway: Gateway
    /// The directories media activities may read and write (`REPRISE_MEDIA_ROOT`).
    public let media: MediaConfiguration
    /// Where outbound HTTP may go beyond internet addresses (`REPRISE_EGRESS_ALLOW`; `dev` adds loopback).
    public let egress: EgressPolicy
    /// The process's logger.
    public let logger: Logger

    /// Resources for a test or a process of one's own.
    public init(store: Store, gateway: Gateway, media: MediaConfiguration, egress: EgressPolicy, logger: Logger) {
        self.store = store
        self.gateway = gateway
        self.media = media
        self.egress = egress
        self.logger = logger
    }
}
