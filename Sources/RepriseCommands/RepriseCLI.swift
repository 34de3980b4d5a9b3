import ArgumentParser
import Foundation

/// The entry point of an executable built on Reprise: call ``main(_:arguments:)`` from its `main`
/// and it has `reprise`'s subcommands, with its own workflows and activities registered.
///
/// - `dev`: the API, the engine and a worker for the registered types in one process, on a
///   private Postgres unless `--database-url` or `DATABASE_URL` is given;
/// - `server`: the API and the engine loops (timers, lease reaper, retention);
/// - `worker`: a worker for the registered types;
/// - `migrate`: applies the migrations and exits;
/// - the client commands: `workflow`, `dlq`, `namespace`, `token`, `llm`.
///
/// Which migration sets each applies: `server` the engine's and the gateway's only, so that an
/// API process never creates an application's tables; `migrate`, `worker` and `dev` also the
/// registration's, since they run (or prepare for) its activities.
///
/// ## Usage
/// ```swift
/// // Sources/hello/main.swift
/// import RepriseCommands
///
/// await RepriseCLI.main(Registration(workflows: [Hello.self], activities: { _ in [Greet()] }))
/// ```
/// Then `swift run hello dev` serves the API on 127.0.0.1:8233 with a worker running `Hello`.
public enum RepriseCLI {
    /// Parses the command line and runs the subcommand it names with `registration`, then exits:
    /// 0 on success, non-zero with a message on stderr otherwise.
    ///
    /// - Parameters:
    ///   - registration: the workflows, activities, migration sets and commands to add to the built-ins.
    ///   - arguments: the arguments without the executable's name; the process's own by default.
    public static func main(_ registration: Registration, arguments: [String]? = nil) async {
        await Registration.$current.withValue(registration) {
            await Reprise.main(arguments)
        }
    }

    /// The name help and usage show: the executable's own.
    static var commandName: String {
        CommandLine.arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "reprise"
    }
}
