import ArgumentParser

@main
struct Reprise: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reprise",
        abstract: "A durable workflow orchestrator on PostgreSQL.",
        subcommands: [
            DevCommand.self, ServerCommand.self, WorkerCommand.self, MigrateCommand.self, WorkflowCommand.self, DLQCommand.self, NamespaceCommand.self,
            TokenCommand.self, LLMCommand.self, OutboxCommand.self,
        ]
    )
}
