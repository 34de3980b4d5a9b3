import Activities
import Foundation
import Gateway
import Logging
import PostgresNIO
import RepriseTesting
@testable import Samples
import Store
import Subprocess
import TestSupport
import Workflow

/// Runs the samples in the test environment: the real activities on the environment's database,
/// `llm.complete` through the real gateway to a stand-in provider, and the virtual clock.
enum SampleHarness {
    static let logger = Logger(label: "samples-test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// How long a test waits for a run, in real time: generous, because a loaded 2-core CI machine
    /// can be many times slower than the second or two these runs take alone.
    static let patience: Duration = .seconds(120)

    /// - Parameters:
    ///   - anthropicKey: the key the gateway sends; `nil` for a gateway with none configured.
    ///   - llm: the stand-in's answer to each LLM call; by default an enthusiastic lead.
    ///   - providers: the payment and e-mail providers; by default the sandbox and the outbox.
    ///   - mediaRoot: the media activities' one root; by default the system's temporary directory.
    static func run<T: Sendable>(
        skipTime: Bool = true, anthropicKey: String? = "sk-ant-test", llm: @escaping @Sendable (LLMCall) -> String = LLMCall.enthusiastic,
        providers: (@Sendable (PostgresClient) -> Samples.Providers)? = nil, mediaRoot: URL = FileManager.default.temporaryDirectory,
        extraActivities: @escaping @Sendable (PostgresClient) -> [any Activity] = { _ in [] },
        _ body: (TestEnvironment, StandInProvider) async throws -> T
    ) async throws -> T {
        let standIn = StandInProvider { received, _ in
            .init(body: StandInProvider.anthropic(text: llm(LLMCall(received)), input: 200, output: 50))
        }
        return try await standIn.run {
            var configuration = GatewayConfiguration.default
            configuration.providers = ["anthropic": .init(baseURL: standIn.baseURL, apiKey: anthropicKey)]
            // The stand-ins listen on loopback, which only an allow-list opens.
            let egress = try EgressPolicy(allowList: "127.0.0.1")
            configuration.egress = egress
            let gatewayConfiguration = configuration
            let media = MediaConfiguration(roots: try MediaRoots([mediaRoot.path]))
            return try await TestEnvironment.run(
                workflows: Samples.workflows, skipTime: skipTime, migrations: [.gateway, .samples],
                storeActivities: { store in
                    let gateway = Gateway(configuration: gatewayConfiguration, store: store, environment: [:], logger: logger)
                    let chosen = providers?(store.client) ?? Samples.Providers(payments: SandboxPayments(database: store.client), email: nil, egress: egress)
                    // Test doubles given in `extraActivities` replace the sample of the same name.
                    let doubles = extraActivities(store.client)
                    let replaced = Set(doubles.map { type(of: $0).name })
                    return (Samples.activities(database: store.client, providers: chosen, media: media)
                        + BuiltInActivities.all(gateway: gateway, media: media))
                        .filter { !replaced.contains(type(of: $0).name) } + doubles
                }
            ) { env in try await body(env, standIn) }
        }
    }

    /// The context of an activity attempt, for calling an activity directly: its idempotency key
    /// is `RUNID/ACTIVITYID` (`run-1/…` by default), the same for every attempt.
    static func attempt(_ activityId: String, attempt: Int = 1, namespace: String = "default", runId: String = "run-1") -> ActivityContext {
        ActivityContext(
            info: .init(
                namespace: namespace, workflowId: "direct", runId: runId, workflowType: "Direct", activityId: activityId, activityType: "direct",
                taskQueue: "test", attempt: attempt),
            logger: logger, heartbeat: { _ in })
    }

    /// Makes an H.264 clip with a tone, with ffmpeg's lavfi sources.
    static func makeClip(at path: String, width: Int, height: Int, seconds: Int) async throws {
        let made = try await Subprocess.run(
            .name("ffmpeg"),
            arguments: [
                "-hide_banner", "-nostdin", "-y", "-f", "lavfi", "-i", "testsrc2=size=\(width)x\(height):rate=10:duration=\(seconds)", "-f", "lavfi",
                "-i", "sine=frequency=440:duration=\(seconds)", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
                "-shortest", path,
            ], output: .discarded, error: .string(limit: 1 << 20))
        guard made.terminationStatus.isSuccess else { throw ApplicationFailure("ffmpeg could not make \(path): \(made.standardError)") }
    }

    /// Counts rows: `SELECT count(*) FROM …`.
    static func count(_ env: TestEnvironment, _ query: PostgresQuery) async throws -> Int {
        try await count(env.store, query)
    }

    /// Counts rows in `store`'s database.
    static func count(_ store: Store, _ query: PostgresQuery) async throws -> Int {
        for try await count in try await store.client.query(query, logger: logger).decode(Int.self) { return count }
        return 0
    }
}

/// One LLM call as the stand-in received it, with what the samples' prompts make recognisable.
struct LLMCall: Sendable {
    var text: String

    init(_ received: StandInProvider.Received) { text = received.text }

    var isScore: Bool { text.contains("ideal customer profile") }
    var isResearch: Bool { text.contains("You research a sales lead") }
    var isIntent: Bool { text.contains("Classify the lead's last reply") }

    /// A lead that fits, and whose replies say what they mean.
    static let enthusiastic: @Sendable (LLMCall) -> String = { call in
        if call.isScore { return "85" }
        if call.isResearch { return "- Runs payment retries by hand\n- Wants durable workflows" }
        if call.isIntent {
            // The last reply in the thread decides.
            let lastReply = call.text.components(separatedBy: "[they replied]").last ?? ""
            if lastReply.contains("not for us") { return "not_interested" }
            if lastReply.contains("?") { return "question" }
            return "interested"
        }
        return "Subject: Durable workflows for Acme\n\nHi Ada,\nthanks for asking about Reprise. Shall we talk?\n\nThe Reprise team"
    }
}
