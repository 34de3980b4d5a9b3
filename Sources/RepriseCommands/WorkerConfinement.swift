import Activities
import Foundation
import Gateway
import Logging
import Store

/// What a process's activities may touch and reach, read once from an environment and handed to
/// the activities and the gateway. The commands pass the process's environment with the keys
/// `media.root`, `media.ffmpegPath`, `media.ffprobePath` and `egress.allow` written into it
/// (docs/configuration.md), so a flag or a `--config` file sets them as the variables do:
/// - `REPRISE_MEDIA_ROOT`: the `:`-separated directories the media activities and `media.publish`
///   read and write under (`.reprise/media` by default, created when missing); `FFMPEG_PATH`,
///   `FFPROBE_PATH`: the tools.
/// - `REPRISE_EGRESS_ALLOW`: the comma-separated CIDRs and host names that `http.request` and the
///   gateway's providers may reach beyond internet addresses. `reprise dev` adds loopback.
struct WorkerConfinement {
    var media: MediaConfiguration
    var egress: EgressPolicy

    static func fromEnvironment(allowLoopback: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> WorkerConfinement {
        WorkerConfinement(media: try .fromEnvironment(environment), egress: try egress(allowLoopback: allowLoopback, environment: environment))
    }

    /// The egress policy alone, for a process that runs no media activity (`reprise server`).
    static func egress(allowLoopback: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> EgressPolicy {
        let policy = try EgressPolicy(allowList: environment["REPRISE_EGRESS_ALLOW"] ?? "")
        return allowLoopback ? policy.allowingLoopback() : policy
    }

    /// One line for a startup banner: what the worker may touch and reach.
    var summary: String {
        let allowed = egress.allowedNetworks.map(\.description) + egress.allowedHosts.sorted()
        return "media under \(media.roots.directories.joined(separator: ":")); outbound HTTP to internet addresses"
            + (allowed.isEmpty ? " only" : " and \(allowed.joined(separator: ", "))")
    }

    /// What the registered activities get: the process's store and gateway, within this confinement.
    func resources(store: Store, gateway: Gateway, logger: Logger) -> WorkerResources {
        WorkerResources(store: store, gateway: gateway, media: media, egress: egress, logger: logger)
    }
}
