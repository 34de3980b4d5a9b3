import ArgumentParser
import Foundation
import Logging
import Server

/// `--webhook-mappings` of `reprise server` and `reprise dev`: the mapping file of signed
/// webhooks (docs/webhooks.md), checked at start-up, with each source's secret from the environment.
struct WebhookOptions: ParsableArguments {
    @Option(help: "A webhook mapping file (docs/webhooks.md); secrets come from REPRISE_WEBHOOK_SECRET_<SOURCE>. Env: REPRISE_WEBHOOK_MAPPINGS.")
    var webhookMappings: String?

    /// The webhook configuration, or nil when no mapping file is given.
    ///
    /// - Throws: `ValidationError` naming the key at fault in the file.
    func configuration(logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> WebhookConfiguration? {
        guard let path = webhookMappings ?? environment[WebhookConfiguration.mappingsVariable], !path.isEmpty else { return nil }
        let configuration: WebhookConfiguration
        do {
            configuration = WebhookConfiguration(mappings: try WebhookMappings.load(path: path), environment: environment)
        } catch let error as WebhookMappingError {
            throw ValidationError("\(path): \(error)")
        }
        for source in configuration.sourcesWithoutSecret {
            logger.warning(
                "Webhook source has no secret: its deliveries are refused",
                metadata: ["webhook.source": "\(source)", "webhook.secret.variable": "\(WebhookConfiguration.secretVariable(for: source))"])
        }
        return configuration
    }
}
