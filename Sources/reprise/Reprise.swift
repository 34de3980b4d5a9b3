import ArgumentParser

@main
struct Reprise: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reprise",
        abstract: "A durable workflow orchestrator on PostgreSQL.",
        subcommands: [Dev.self, Migrate.self]
    )
}
