import Foundation
import Store
import Workflow

/// What the webhook route needs: the mapping file and each source's secret.
public struct WebhookConfiguration: Sendable {
    /// The environment variable that names the mapping file, when no `--webhook-mappings` is given.
    public static let mappingsVariable = "REPRISE_WEBHOOK_MAPPINGS"
    /// The largest delivery body accepted: 512 KiB, well above a provider's event (Stripe's are a
    /// few KiB); a larger one is refused 413 before its signature is checked.
    public static let defaultMaxBodySize = 512 * 1024

    let mappings: WebhookMappings
    /// By source; a source without one refuses every delivery (401).
    let secrets: [String: String]
    /// The largest delivery body accepted.
    public var maxBodySize = defaultMaxBodySize

    /// - Parameter secrets: by source name.
    public init(mappings: WebhookMappings, secrets: [String: String]) {
        self.mappings = mappings
        self.secrets = secrets.filter { !$0.value.isEmpty }
    }

    /// The mappings with each source's secret read from ``secretVariable(for:)`` in `environment`.
    public init(mappings: WebhookMappings, environment: [String: String]) {
        var secrets: [String: String] = [:]
        for name in mappings.sources.keys { secrets[name] = environment[Self.secretVariable(for: name)] }
        self.init(mappings: mappings, secrets: secrets)
    }

    /// The variable that holds a source's secret: `REPRISE_WEBHOOK_SECRET_` and the name in
    /// capitals, `-` as `_` (`stripe` → `REPRISE_WEBHOOK_SECRET_STRIPE`).
    public static func secretVariable(for source: String) -> String {
        "REPRISE_WEBHOOK_SECRET_" + source.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    /// The configured sources that have no secret, to warn about at start-up.
    public var sourcesWithoutSecret: [String] { mappings.sources.keys.filter { secrets[$0] == nil }.sorted() }
}

extension WebhookMappings {
    /// Where an event goes under these mappings: a signal, a signal-with-start, or no route and why.
    func route(_ event: WebhookEvent, limits: Limits, defaultTaskQueue: String) -> WebhookRoute {
        guard let source = sources[event.source] else {
            return .unroutable(reason: "source \"\(event.source)\" is no longer in the webhook mappings")
        }
        guard let mapping = source.events[event.eventType] else {
            return .unroutable(reason: "no mapping for event type \"\(event.eventType)\" of source \"\(event.source)\"")
        }
        do {
            let workflowId = try mapping.workflowId.render(event.payload).get()
            try limits.checkIdentifier(workflowId, field: "the workflow id \"\(workflowId.prefix(80))\" the template made")
            let input = try mapping.signalInput.render(event.payload).get()
            let signal = SignalRequest(name: mapping.signal, input: input, identity: "webhook:\(event.source)")
            guard let start = mapping.start else { return .signal(workflowId: workflowId, signal) }
            let request = StartWorkflowRequest(
                namespace: event.namespace, workflowId: workflowId, workflowType: start.type, taskQueue: start.taskQueue ?? defaultTaskQueue,
                input: try start.input.map { try $0.render(event.payload).get() }, idReusePolicy: start.idReusePolicy, idConflictPolicy: .useExisting)
            return .signalWithStart(request, signal)
        } catch let failure as WebhookRoutingFailure {
            return .unroutable(reason: failure.description)
        } catch let error as StoreError {
            return .unroutable(reason: error.message)
        } catch {
            return .unroutable(reason: "\(error)")
        }
    }
}
