import Foundation
import Gateway
import Logging
import Store

/// The gateway every command shares: its configuration comes from the file at `configPath` (key
/// `gateway.config`, env `REPRISE_GATEWAY_CONFIG`; a JSON file, see docs/gateway.md), or the
/// defaults; its providers may be called only where `egress` allows.
func makeGateway(store: Store, clock: any EngineClock, egress: EgressPolicy, configPath: String?, logger: Logger) throws -> Gateway {
    var configuration = try configPath.map(GatewayConfiguration.load(path:)) ?? .default
    configuration.egress = egress
    return Gateway(configuration: configuration, store: store, clock: clock, logger: logger)
}
