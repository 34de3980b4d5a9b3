import Activities
import ArgumentParser
import Gateway
import Logging
import RepriseTesting
import Store
import Testing
import Workers
import Workflow

@testable import RepriseCommands

/// What an executable's registration adds to Reprise's built-ins, and which migration sets each
/// command applies with it.
@Suite("Registration")
struct RegistrationTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    struct Ping: Activity {
        func run(input: String) async throws -> String { "pong \(input)" }
    }

    struct PingTwice: Workflow {
        func run(context: WorkflowContext, input: String) async throws -> String { input }
    }

    struct Extra: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "extra")
    }

    /// Resources on a store that never connects: building a registry does no I/O.
    static func resources() throws -> WorkerResources {
        let store = try Store(url: "postgres://postgres@127.0.0.1:1/unused", maximumConnections: 1, logger: logger)
        let gateway = Gateway(configuration: .default, store: store, logger: logger)
        return WorkerResources(store: store, gateway: gateway, media: try MediaConfiguration.fromEnvironment([:]), egress: EgressPolicy(), logger: logger)
    }

    @Test func theRegisteredActivitiesJoinTheBuiltInOnes() throws {
        let registration = Registration(workflows: [PingTwice.self], activities: { _ in [Ping()] })
        let activities = try registration.activityRegistry(Self.resources())
        let builtIns = BuiltInActivities.all(gateway: try Self.resources().gateway, media: try MediaConfiguration.fromEnvironment([:]))
        #expect(Set(activities.names) == Set(builtIns.map { type(of: $0).name } + ["Ping"]))
        #expect(registration.workflowRegistry.names == ["PingTwice"])
    }

    @Test func aRegisteredActivityReplacesTheBuiltInOfItsName() async throws {
        let mocked = MockActivity(LLMComplete.self) { _ in throw ApplicationFailure("the registered one ran", type: "Registered") }
        let activities = try Registration(activities: { _ in [mocked] }).activityRegistry(Self.resources())
        let request = try Payload(encoding: LLMRequest(taskClass: "chat", messages: [.init(role: "user", content: "hi")]))
        let error = await #expect(throws: ApplicationFailure.self) { _ = try await activities[LLMComplete.name]?.run(request) }
        #expect(error?.type == "Registered")
        #expect(mocked.calls.count == 1)
    }

    @Test func theServerAppliesNoRegisteredSetAndTheOthersApplyThemAll() {
        let own = MigrationSet(owner: "hello", versions: [.init(1, ["CREATE TABLE greetings (name text)"])])
        Registration.$current.withValue(Registration(migrations: [own])) {
            #expect(MigrateCommand.serverSets.map(\.owner) == ["gateway"])
            #expect(MigrateCommand.registeredSets.map(\.owner) == ["gateway", "hello"])
        }
    }

    @Test func theRegistrationsCommandsFollowTheBuiltInOnes() {
        Registration.$current.withValue(Registration(commands: [Extra.self])) {
            let names = Reprise.configuration.subcommands.map { $0.configuration.commandName }
            #expect(names.prefix(4) == ["dev", "server", "worker", "migrate"])
            #expect(names.last == "extra")
        }
    }
}
