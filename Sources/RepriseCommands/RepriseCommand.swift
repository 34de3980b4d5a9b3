import ArgumentParser
import Workers

/// The root command: the built-in subcommands, then the registration's own.
struct Reprise: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: RepriseCLI.commandName,
            abstract: "A durable workflow orchestrator on PostgreSQL.",
            version: RepriseVersion.current,
            subcommands: [
                DevCommand.self, ServerCommand.self, WorkerCommand.self, MigrateCommand.self, WorkflowCommand.self, ScheduleCommand.self,
                DLQCommand.self, WebhookCommand.self, NamespaceCommand.self, TokenCommand.self, LLMCommand.self,
            ] + Registration.current.commands
        )
    }
}
