import ArgumentParser

/// `reprise-chaos`: the fault-injection runner behind `scripts/chaos`, and the worker it runs.
@main
struct Chaos: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reprise-chaos", abstract: "Prove that nothing is lost or done twice under kills, freezes and Postgres restarts.",
        subcommands: [ChaosRun.self, ChaosWorker.self], defaultSubcommand: ChaosRun.self)
}
