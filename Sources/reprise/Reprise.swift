import ArgumentParser

@main
struct Reprise: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reprise",
        abstract: "A durable workflow orchestrator on PostgreSQL.",
        subcommands: [
            Dev.self, ServerCommand.self, WorkerCommand.self, Migrate.self, WorkflowCommand.self, DLQCommand.self, NamespaceCommand.self,
            TokenCommand.self, LLMCommand.self, OutboxCommand.self,
        ]
    )
}
