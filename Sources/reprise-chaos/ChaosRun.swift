import ArgumentParser
import Foundation
import Logging
import Store
import TestSupport
import Workflow

/// `reprise-chaos run`: starts two servers and three workers on one Postgres, runs the mixed load
/// while faults are injected, waits for every workflow to close, checks, and prints one line:
/// `chaos: N workflows, K faults, 0 lost, 0 duplicated`. Exits non-zero when a check fails.
struct ChaosRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the load under faults and check the outcome.")

    @Flag(help: "About a minute: a shorter load, timers up to 10 s, each fault once.")
    var quick = false

    @Option(help: "The Postgres cluster's URL.")
    var databaseURL: String

    @Option(help: "The cluster's directory, for scripts/postgres.sh.")
    var cluster: String

    @Option(help: "The cluster's port.")
    var port: Int

    @Option(help: "scripts/postgres.sh.")
    var postgresScript: String

    @Option(help: "Where the processes' logs go.")
    var logs: String

    @Flag(help: "Only the availability phase (starts at 200/s over a Postgres restart), to study it alone.")
    var availabilityOnly = false

    @Option(help: "The seed of the load's and the faults' random choices (default: random).")
    var seed: UInt64?

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .notice
            return handler
        }
        let logger = Logger(label: "reprise.chaos")
        let seed = self.seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        var random = SeededRandom(seed: seed)
        logger.notice("chaos: seed \(seed)\(quick ? " (quick)" : "")")
        let store = try Store(url: databaseURL, maximumConnections: 8, logger: logger)
        let outcome = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            _ = try await store.migrate([.chaos])
            let provider = StandInProvider(paths: ["/v1/chat/completions"]) { _, _ in
                .init(body: StandInProvider.openAI(text: StandIn.answer, model: "chaos-model", prompt: 12, cached: 0, completion: 4))
            }
            return try await provider.run {
                try await exercise(store: store, providerURL: provider.baseURL, providerCalls: { provider.requests.count }, random: &random, logger: logger)
            }
        }
        for line in outcome.lines { print(line) }
        if !outcome.passed {
            for line in outcome.details { print("  \(line)") }
            throw ExitCode(1)
        }
    }

    private func exercise(
        store: Store, providerURL: String, providerCalls: @Sendable () -> Int, random: inout SeededRandom, logger: Logger
    ) async throws -> Summary {
        let system = try await start(providerURL: providerURL, logger: logger)
        do {
            let summary = try await exercise(system: system, store: store, providerCalls: providerCalls, random: &random, logger: logger)
            await stop(system)
            return summary
        } catch {
            await stop(system)
            throw error
        }
    }

    private func stop(_ system: System) async {
        for process in system.servers + system.workers { await process.stop() }
        await system.api.shutdown()
    }

    private func exercise(
        system: System, store: Store, providerCalls: @Sendable () -> Int, random: inout SeededRandom, logger: Logger
    ) async throws -> Summary {
        if availabilityOnly {
            let availability = try await Availability(system: system, store: store, logger: logger).run(duration: quick ? .seconds(9) : .seconds(30))
            var outcome = Checks.Outcome()
            outcome.violations = availability.violations
            return Summary(workflows: 0, faults: [], outcome: outcome, elapsed: .zero, availability: availability)
        }
        let load = Load(api: system.api, database: store.client, logger: logger)
        let window: Duration = quick ? .seconds(20) : .seconds(150)
        let count = quick ? 80 : 480
        var expectations = (0..<count).map { Expectation.make($0, maxTimer: quick ? 10 : 60, random: &random) }
        let floodTarget = Expectation(
            workflowId: "flood-target", kind: .approval, input: .string("flood-target"), status: "Completed",
            result: .string("approved by flood"), effects: ["approved"])
        expectations.append(floodTarget)
        let faults = Faults(system: system, logger: logger)
        let plan = Faults.schedule(over: window, quick: quick, random: &random)
        let started = ContinuousClock.now
        _ = await system.api.start(type: floodTarget.type, id: floodTarget.workflowId, input: floodTarget.input, requestId: "flood-target")
        let drainDeadline = started + window + (quick ? .seconds(60) : .seconds(180))
        let deadLetters = Task { await load.retryDeadLetters(until: drainDeadline) }
        async let injected: Void = faults.run(plan)
        await load.run(Array(expectations.dropLast()), over: window)
        logger.notice("chaos: the load is started and driven")
        await injected
        logger.notice("chaos: the faults are over; draining")
        _ = await system.api.signal(id: "flood-target", name: "approve", payload: .string("flood"), requestId: "flood-approve")
        let drained = await waitUntilClosed(store: store, until: drainDeadline, logger: logger)
        deadLetters.cancel()
        logger.notice("chaos: checking")
        await waitForReservationsToExpire(store: store, logger: logger)
        var outcome = try await Checks(store: store, logger: logger).run(expectations, providerCalls: providerCalls())
        outcome.violations += load.failures.withLock { $0 }
        if !drained { outcome.violations.append("runs still open after the drain") }
        let elapsed = ContinuousClock.now - started
        logger.notice("chaos: starts at 200/s over a Postgres restart")
        let availability = try await Availability(system: system, store: store, logger: logger).run(duration: quick ? .seconds(9) : .seconds(30))
        outcome.violations += availability.violations
        for process in system.servers + system.workers { if let exit = await process.unexpectedExit() { outcome.violations.append(exit) } }
        return Summary(
            workflows: expectations.count, faults: faults.records.withLock { $0 }, outcome: outcome, elapsed: elapsed, availability: availability)
    }

    /// Starts the servers and workers and waits until both servers are ready.
    private func start(providerURL: String, logger: Logger) async throws -> System {
        let binaries = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        // Above the test clusters' ports (10,000–29,999) and below the ephemeral range.
        let first = Int.random(in: 30_000..<32_000)
        let ports = [first, first + 1 + Int.random(in: 0..<700)]
        let servers = ports.enumerated().map { n, port in
            ManagedProcess(
                name: "server-\(n)", executable: "\(binaries)/reprise",
                arguments: ["server", "--bind", "127.0.0.1:\(port)", "--database-url", databaseURL, "--insecure"],
                environment: ["LOG_LEVEL": "notice"], logDirectory: logs)
        }
        let skewed = try Self.skewedClock()
        let workers = (0..<3).map { n in
            let arguments = ["worker", "--database-url", databaseURL, "--provider-url", providerURL, "--identity", "worker-\(n)"]
            // The skewed one through `sh -c exec` (the same pid): spawned straight with libfaketime
            // preloaded, a Swift process does not see its arguments (ClockSkewTests saw it too).
            return n == 2
                ? ManagedProcess(
                    name: "worker-\(n)", executable: "/bin/sh", arguments: ["-c", #"exec "$0" "$@""#, "\(binaries)/reprise-chaos"] + arguments,
                    environment: skewed, logDirectory: logs)
                : ManagedProcess(name: "worker-\(n)", executable: "\(binaries)/reprise-chaos", arguments: arguments, logDirectory: logs)
        }
        // The servers first: they apply the engine's and the gateway's migrations.
        for server in servers { try await server.start() }
        let api = ChaosAPI(servers: ports.map { "http://127.0.0.1:\($0)" })
        for server in api.servers {
            let end = ContinuousClock.now + .seconds(60)
            while await api.once(.GET, "/readyz", server: server).status != 200 {
                guard ContinuousClock.now < end else { throw ChaosError("\(server) did not become ready") }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        for worker in workers { try await worker.start() }
        return System(servers: servers, workers: workers, postgres: Postgres(script: postgresScript, directory: cluster, port: port), api: api)
    }

    /// libfaketime preloaded: the process's clock runs a minute fast (its monotonic clock is left alone).
    static func skewedClock() throws -> [String: String] {
        let library = ["/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1", "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1"]
            .first { FileManager.default.fileExists(atPath: $0) }
        guard let library else { throw ChaosError("libfaketime is missing: scripts/install-deps.sh installs Debian's faketime") }
        return ["LD_PRELOAD": library, "FAKETIME": "+60s", "FAKETIME_DONT_FAKE_MONOTONIC": "1"]
    }

    /// A call cut off by a kill or a freeze leaves its LLM reservation, which stops counting at its
    /// expiry (the route's timeout and a minute's grace): the budget is whole again by then.
    private func waitForReservationsToExpire(store: Store, logger: Logger) async {
        let rows = try? await store.client.query(
            "SELECT EXTRACT(EPOCH FROM max(expires_at) - now())::float8 FROM reprise.llm_reservations WHERE expires_at > now()", logger: logger)
        guard let rows, let seconds = try? await rows.collect().first?.decode(Double?.self), seconds < 120 else { return }
        logger.notice("chaos: waiting \(Int(seconds.rounded(.up))) s for the LLM reservations of cut-off calls to expire")
        try? await Task.sleep(for: .seconds(seconds.rounded(.up) + 1))
    }

    private func waitUntilClosed(store: Store, until end: ContinuousClock.Instant, logger: Logger) async -> Bool {
        while ContinuousClock.now < end {
            if let rows = try? await store.client.query("SELECT count(*)::int FROM reprise.workflow_executions WHERE close_time IS NULL", logger: logger),
                let open = try? await rows.collect().first?.decode(Int.self), open == 0
            {
                return true
            }
            try? await Task.sleep(for: .seconds(1))
        }
        return false
    }
}

/// A seeded generator (SplitMix64), so that a failing run can be replayed with `--seed`.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
