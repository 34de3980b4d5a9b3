import Activities
import Foundation
import Gateway
import Logging
import Samples
import Store
import Workers
import Workflow

/// What `reprise dev` and `reprise worker` register: the samples and the built-in activities.
enum Registrations {
    static var workflows: WorkflowRegistry { WorkflowRegistry(Samples.workflows) }
    static func activities(store: Store, gateway: Gateway, confinement: WorkerConfinement) -> ActivityRegistry {
        let providers = Samples.Providers.fromEnvironment(database: store.client, egress: confinement.egress)
        let samples = Samples.activities(database: store.client, providers: providers, media: confinement.media)
        return ActivityRegistry(samples + BuiltInActivities.all(gateway: gateway, media: confinement.media))
    }
}

/// The gateway every command shares: its configuration comes from `REPRISE_GATEWAY_CONFIG`
/// (a JSON file, see docs/gateway.md), or the defaults; its providers may be called only where
/// `egress` allows.
func makeGateway(store: Store, clock: any EngineClock, egress: EgressPolicy, logger: Logger) throws -> Gateway {
    var configuration = try ProcessInfo.processInfo.environment["REPRISE_GATEWAY_CONFIG"].map(GatewayConfiguration.load(path:)) ?? .default
    configuration.egress = egress
    return Gateway(configuration: configuration, store: store, clock: clock, logger: logger)
}
