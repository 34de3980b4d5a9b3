import Foundation
import Gateway
import Logging
import Store

/// The gateway every command shares: its configuration comes from `REPRISE_GATEWAY_CONFIG`
/// (a JSON file, see docs/gateway.md), or the defaults; its providers may be called only where
/// `egress` allows.
func makeGateway(store: Store, clock: any EngineClock, egress: EgressPolicy, logger: Logger) throws -> Gateway {
    var configuration = try ProcessInfo.processInfo.environment["REPRISE_GATEWAY_CONFIG"].map(GatewayConfiguration.load(path:)) ?? .default
    configuration.egress = egress
    return Gateway(configuration: configuration, store: store, clock: clock, logger: logger)
}
