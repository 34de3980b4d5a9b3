import AsyncHTTPClient
import Engine
import Foundation
import Hummingbird
import Logging
import NIOCore
import PostgresNIO
import Prometheus
import Server
import Store
import Subprocess
import Synchronization
import Workers
import Workflow

/// A no-op activity and workflows for the engine scenarios.
struct NoOp: Activity {
    func run(input: Int) async throws -> Int { input }
}

/// `input` no-op activities in sequence.
struct Steps: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> Int {
        for step in 0..<input { _ = try await context.execute(NoOp.self, step, options: .init(startToCloseTimeout: .seconds(30))) }
        return input
    }
}

/// Sleeps `input` milliseconds on a durable timer.
struct Nap: Workflow {
    func run(context: WorkflowContext, input: Int) async throws -> Int {
        try await context.sleep(for: .milliseconds(input))
        return input
    }
}

/// The engine scenarios: the commit ceiling, throughput, latency, timers, starts and schedules, against one
/// database with the engine in this process.
struct EngineScenarios {
    let databaseURL: String
    let quick: Bool
    /// The scenarios to run; all when nil.
    let only: Set<String>?
    let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

    func run() async throws -> [[String: JSONValue]] {
        func wanted(_ scenario: String) -> Bool { only?.contains(scenario) ?? true }
        var lines: [[String: JSONValue]] = []
        if wanted("ceiling") { lines.append(try await ceiling()) }
        let ceilingTPS = lines.first?["tps_32"].flatMap { if case .double(let v) = $0 { v } else { nil } } ?? 0
        let store = try Store(url: databaseURL, maximumConnections: 40, logger: logger)
        let clock = SystemClock()
        var configuration = Worker.Configuration(taskQueue: "bench")
        configuration.maxConcurrentWorkflowTasks = 32
        configuration.maxConcurrentActivities = 64
        configuration.identity = "bench-worker"
        let worker = Worker(
            store: store, configuration: configuration, workflows: WorkflowRegistry([Steps.self, Nap.self, ChildFanOut.self, BenchChild.self, Watched.self]),
            activities: ActivityRegistry([NoOp()]), clock: clock, logger: logger)
        // Starts go through the worker, as under `reprise dev`: it runs each run's first workflow
        // task inside the start (eager start).
        let api = APIServer(
            store: store, configuration: .init(insecure: true), metrics: PrometheusCollectorRegistry(), starter: worker, logger: logger)
        let ready = AsyncStream<Int>.makeStream()
        let app = Application(
            router: api.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), services: api.services,
            onServerRunning: { ready.continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { group.cancelAll() }
            // Everything else starts once the tables exist, as under `reprise dev`: PostgresNIO keeps
            // a statement's failed preparation for its connection's life, so a poll that ran before
            // the migration would fail on that connection ever after (and wait out its fallback).
            try await store.migrate()
            group.addTask { try await worker.run() }
            group.addTask { try await TimerService(store: store, clock: clock, logger: logger).run() }
            group.addTask { try await LeaseReaper(store: store, clock: clock, logger: logger).run() }
            group.addTask { try await app.runService() }
            if wanted("schedules") { group.addTask { try await ScheduleService(store: store, clock: clock, logger: logger).run() } }
            var port = 0
            for await bound in ready.stream {
                port = bound
                break
            }
            var clean: Double?
            if wanted("throughput") {
                let line = try await throughput(store, starter: worker, ceiling: ceilingTPS)
                clean = line["steps_per_s"].flatMap { if case .double(let v) = $0 { v } else { nil } }
                lines.append(line)
            }
            if wanted("latency") { lines.append(try await latency(port: port)) }
            if wanted("queries") { lines.append(try await queries(port: port, store: store)) }
            if wanted("timers") { lines.append(contentsOf: try await timers(store)) }
            if wanted("starts") { lines.append(try await starts(port: port, store: store)) }
            if wanted("schedules") { lines.append(contentsOf: try await schedules(store)) }
            if wanted("children") { lines.append(try await children(store, starter: worker)) }
            if wanted("list") {
                lines.append(try await ListScenario(runs: quick ? 2_000 : 100_000, repetitions: quick ? 10 : 200, port: port).run(store))
            }
            if wanted("growth") { lines.append(try await growth(store, starter: worker, ceiling: ceilingTPS, clean: clean)) }
            if wanted("memory") {
                lines.append(try await MemoryScenario(databaseURL: databaseURL, parkedRuns: quick ? 1000 : 10_000, logger: logger).run(store))
            }
        }
        return lines
    }

    /// pgbench: single-row INSERT transactions at 1, 8 and 32 clients.
    func ceiling() async throws -> [String: JSONValue] {
        let client = PostgresClient(configuration: try Store.configuration(url: databaseURL, maximumConnections: 1), backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await client.query("CREATE TABLE IF NOT EXISTS bench_ceiling (id bigserial PRIMARY KEY, v int NOT NULL)")
        }
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("reprise-ceiling-\(UUID().uuidString.prefix(6)).sql")
        try Data("INSERT INTO bench_ceiling (v) VALUES (1);\n".utf8).write(to: script)
        defer { try? FileManager.default.removeItem(at: script) }
        var line: [String: JSONValue] = ["scenario": .string("ceiling")]
        for clients in [1, 8, 32] {
            let result = try await Subprocess.run(
                .name("pgbench"),
                arguments: Arguments(["-n", "-c", String(clients), "-j", String(min(clients, 2)), "-T", quick ? "2" : "10", "-f", script.path, databaseURL]),
                output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
            let tps = result.standardOutput.split(separator: "\n").first { $0.hasPrefix("tps = ") }
                .flatMap { Double($0.dropFirst("tps = ".count).split(separator: " ").first ?? "") } ?? 0
            line["tps_\(clients)"] = .double(tps)
        }
        return line
    }

    /// Throughput again, on tables grown by closed runs and a backlog on another queue.
    func growth(_ store: Store, starter: any WorkflowStarter, ceiling: Double, clean: Double?) async throws -> [String: JSONValue] {
        let fixture = GrowthFixture(closedRuns: quick ? 10_000 : 1_000_000, queuedTasks: quick ? 1_000 : 100_000)
        let seeding = ContinuousClock.now
        try await fixture.seed(store)
        let seeded = (ContinuousClock.now - seeding).seconds
        var line = try await throughput(store, starter: starter, ceiling: ceiling, label: "growth")
        line["closed_runs"] = .int(Int64(fixture.closedRuns))
        line["queued_tasks_elsewhere"] = .int(Int64(fixture.queuedTasks))
        line["seed_s"] = .double(seeded)
        if let clean, case .double(let grown)? = line["steps_per_s"] { line["ratio_to_clean"] = .double(grown / clean) }
        line["sequential_scans"] = .array(try await GrowthFixture.sequentialScans(store).map { .string($0) })
        return line
    }

    /// The database's commits, the WAL position, the next transaction id (only a transaction that
    /// writes takes one) and the WAL fsyncs so far. Reading them takes no transaction id.
    private func commits(_ store: Store) async throws -> (commits: Int64, wal: Int64, xid: Int64, fsyncs: Int64) {
        for try await row in try await store.client.query(
            """
            SELECT xact_commit, (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint,
                pg_snapshot_xmax(pg_current_snapshot())::text::bigint, (SELECT wal_sync FROM pg_stat_wal)
            FROM pg_stat_database WHERE datname = current_database()
            """
        ).decode((Int64, Int64, Int64, Int64).self) {
            return row
        }
        return (0, 0, 0, 0)
    }

    /// Workflows of 10 no-op activities, 64 in flight at a time.
    func throughput(_ store: Store, starter: any WorkflowStarter, ceiling: Double, label: String = "throughput") async throws
        -> [String: JSONValue]
    {
        let total = quick ? 200 : 2000
        let steps = 10
        let watcher = CloseWatcher()
        let before = try await commits(store)
        let started = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            group.addTask {
                try await watcher.run(store)
                return []
            }
            let lanes = try await withThrowingTaskGroup(of: [Double].self) { lanes in
                for lane in 0..<64 {
                    lanes.addTask {
                        var mine: [Double] = []
                        var index = lane
                        while index < total {
                            let begin = ContinuousClock.now
                            let id = "tp-\(UUID().uuidString.prefix(8))-\(index)"
                            _ = try await starter.startWorkflow(
                                StartWorkflowRequest(namespace: "default", workflowId: id, workflowType: Steps.name, taskQueue: "bench", input: .int(Int64(steps))),
                                at: Date())
                            await watcher.waitUntilClosed(id)
                            mine.append((ContinuousClock.now - begin).seconds * 1000)
                            index += 64
                        }
                        return mine
                    }
                }
                return try await lanes.reduce(into: [Double]()) { $0 += $1 }.sorted()
            }
            group.cancelAll()
            return lanes
        }
        let seconds = (ContinuousClock.now - started).seconds
        let after = try await commits(store)
        let stepCount = Double(total * steps)
        let stepsPerSecond = stepCount / seconds
        // The watcher's own reads are transactions too; they are the driver's, not the engine's.
        // The count also holds read-only ones that write nothing: each NOTIFY wakes every listening
        // connection of the database, and it reads the queue in a transaction. So the commits that
        // write (and wait for an fsync) are counted apart, by the transaction ids they took.
        let engineCommits = after.commits - before.commits - watcher.queries - 1
        return [
            "scenario": .string(label), "workflows": .int(Int64(total)), "workflows_per_s": .double(Double(total) / seconds),
            "steps_per_s": .double(stepsPerSecond), "p50_ms": .double(percentile(latencies, 50)), "p99_ms": .double(percentile(latencies, 99)),
            "commits_per_step": .double(Double(engineCommits) / stepCount),
            "write_commits_per_step": .double(Double(after.xid - before.xid) / stepCount),
            "wal_fsyncs_per_step": .double(Double(after.fsyncs - before.fsyncs) / stepCount),
            "wal_bytes_per_step": .double(Double(after.wal - before.wal) / stepCount),
            "ratio_to_ceiling_tps_32": .double(ceiling > 0 ? stepsPerSecond / ceiling : 0),
        ]
    }

    /// One-activity workflows one at a time, start → result through the HTTP API (start, then
    /// long-poll the history until the run closes). From each history (read afterwards, untimed),
    /// also when the first workflow task began and when the activity's completion began, after
    /// the start: where the time goes.
    func latency(port: Int) async throws -> [String: JSONValue] {
        let count = quick ? 30 : 500
        var samples: [Double] = []
        var pickedUp: [Double] = []
        var activityDone: [Double] = []
        let base = "http://127.0.0.1:\(port)/api/v1/namespaces/default/workflows"
        for index in 0..<count {
            let id = "lat-\(UUID().uuidString.prefix(8))-\(index)"
            let begin = ContinuousClock.now
            _ = try await post(base, body: #"{"workflowId":"\#(id)","type":"Steps","taskQueue":"bench","input":1}"#)
            // How a client waits for a result: one long-poll for the event that closes the run.
            polling: while true {
                let text = try await get("\(base)/\(id)/history?wait=true&filter=close")
                let events = (try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)))["events"]
                guard case .array(let list)? = events else { continue }
                for event in list where event["eventType"] == .string("WorkflowExecutionCompleted") { break polling }
            }
            samples.append((ContinuousClock.now - begin).seconds * 1000)
            let history = try JSONCoding.decoder.decode(History.self, from: Data(try await get("\(base)/\(id)/history").utf8)).events
            if let started = history.first?.eventTime,
                let task = history.first(where: { $0.eventType == .workflowTaskStarted })?.eventTime,
                let done = history.first(where: { $0.eventType == .activityTaskCompleted })?.eventTime
            {
                pickedUp.append(task.timeIntervalSince(started) * 1000)
                activityDone.append(done.timeIntervalSince(started) * 1000)
            }
        }
        samples.sort()
        pickedUp.sort()
        activityDone.sort()
        return [
            "scenario": .string("latency"), "runs": .int(Int64(count)), "p50_ms": .double(percentile(samples, 50)),
            "p99_ms": .double(percentile(samples, 99)), "max_ms": .double(samples.last ?? 0),
            "first_task_began_p50_ms": .double(percentile(pickedUp, 50)), "activity_done_p50_ms": .double(percentile(activityDone, 50)),
        ]
    }

    /// Timer lateness (due → TimerFired, due → completion), then many timers due at one instant.
    func timers(_ store: Store) async throws -> [[String: JSONValue]] {
        let count = quick ? 50 : 500
        let ids = (0..<count).map { "nap-\(UUID().uuidString.prefix(8))-\($0)" }
        for id in ids {
            _ = try await store.startWorkflow(
                StartWorkflowRequest(namespace: "default", workflowId: id, workflowType: Nap.name, taskQueue: "bench", input: .int(2000)), at: Date())
        }
        var fired: [Double] = []
        var completed: [Double] = []
        for id in ids {
            var description = try await store.describe(namespace: "default", workflowId: id)
            while description.status.isOpen {
                try await Task.sleep(for: .milliseconds(20))
                description = try await store.describe(namespace: "default", workflowId: id)
            }
            let events = try await store.history(runId: description.runId)
            guard let startedAt = events.first(where: { $0.eventType == .timerStarted })?.eventTime,
                let firedAt = events.first(where: { $0.eventType == .timerFired })?.eventTime, let closed = description.closeTime
            else { continue }
            let due = startedAt.addingTimeInterval(2)
            fired.append(firedAt.timeIntervalSince(due) * 1000)
            completed.append(closed.timeIntervalSince(due) * 1000)
        }
        fired.sort()
        completed.sort()
        let lateness: [String: JSONValue] = [
            "scenario": .string("timers"), "timers": .int(Int64(count)),
            "fired_p50_ms": .double(percentile(fired, 50)), "fired_p99_ms": .double(percentile(fired, 99)), "fired_max_ms": .double(fired.last ?? 0),
            "completed_p50_ms": .double(percentile(completed, 50)), "completed_p99_ms": .double(percentile(completed, 99)),
        ]

        // Many timers due at one instant, one per run: runs parked on a timer, inserted directly
        // (on a queue no worker polls, so only the firing is timed), then the NOTIFY that a
        // workflow task starting a timer sends.
        let burst = quick ? 1000 : 10_000
        let queue = "burst-\(UUID().uuidString.prefix(8))"
        let due = Date().addingTimeInterval(2)
        try await store.client.query(
            """
            WITH runs AS (
                INSERT INTO reprise.workflow_executions (run_id, namespace, workflow_id, workflow_type, task_queue, status, start_time, next_event_id)
                SELECT gen_random_uuid(), 'default', \(queue) || '-' || n, 'Nap', \(queue), 'Running', now(), 6
                FROM generate_series(1, \(burst)) AS n
                RETURNING run_id
            )
            INSERT INTO reprise.timers (run_id, timer_id, fire_at, started_event_id) SELECT run_id, '1', \(due), 5 FROM runs
            """)
        try await store.client.query("SELECT pg_notify('reprise_timers', '')")
        while true {
            var left = 0
            for try await value in try await store.client.query(
                "SELECT count(*)::int FROM reprise.timers t JOIN reprise.workflow_executions e USING (run_id) WHERE e.task_queue = \(queue)"
            ).decode(Int.self) {
                left = value
            }
            if left == 0 { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        let allFired = Date().timeIntervalSince(due) * 1000
        return [lateness, ["scenario": .string("timer_burst"), "timers": .int(Int64(burst)), "all_fired_after_due_ms": .double(allFired)]]
    }

    /// HTTP starts from 32 concurrent connections, for 10 s. The load comes from `wrk` when it is
    /// installed (`scripts/install-deps.sh` installs it): a load generator in C, in a process of
    /// its own, so that the figure is the server's. Without it, from 32 clients in this process,
    /// whose HTTP client then takes a large share of the two cores; the line says which.
    func starts(port: Int, store: Store) async throws -> [String: JSONValue] {
        let duration: Duration = quick ? .seconds(2) : .seconds(10)
        let url = "http://127.0.0.1:\(port)/api/v1/namespaces/default/workflows"
        if var line = try await startsFromWrk(url: url, duration: duration) {
            // What wrk counted, checked against what was written.
            for try await runs in try await store.client.query("SELECT count(*)::int FROM reprise.workflow_executions WHERE task_queue = 'idle'").decode(Int.self) {
                line["runs_written"] = .int(Int64(runs))
            }
            return line
        }
        let deadline = ContinuousClock.now + duration
        let samples = try await withThrowingTaskGroup(of: [Double].self) { group in
            for client in 0..<32 {
                group.addTask {
                    var mine: [Double] = []
                    var index = 0
                    while ContinuousClock.now < deadline {
                        let begin = ContinuousClock.now
                        _ = try await post(url, body: #"{"workflowId":"st-\#(client)-\#(index)-\#(UUID().uuidString.prefix(6))","type":"Nap","taskQueue":"idle","input":0}"#)
                        mine.append((ContinuousClock.now - begin).seconds * 1000)
                        index += 1
                    }
                    return mine
                }
            }
            return try await group.reduce(into: [Double]()) { $0 += $1 }.sorted()
        }
        return [
            "scenario": .string("starts"), "starts_per_s": .double(Double(samples.count) / duration.seconds),
            "p50_ms": .double(percentile(samples, 50)), "p99_ms": .double(percentile(samples, 99)), "load_generator": .string("in-process"),
        ]
    }

    /// The starts scenario's load from `wrk`: each request starts a run with a workflow id of its
    /// own, and the script prints the figures as JSON when it is done. Nil when `wrk` is not installed.
    private func startsFromWrk(url: String, duration: Duration) async throws -> [String: JSONValue]? {
        guard (try? await Subprocess.run(.name("wrk"), arguments: ["--version"], output: .discarded, error: .discarded)) != nil else {
            return nil
        }
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("reprise-starts-\(UUID().uuidString.prefix(6)).lua")
        try Data(Self.wrkStartsScript.utf8).write(to: script)
        defer { try? FileManager.default.removeItem(at: script) }
        let result = try await Subprocess.run(
            .name("wrk"),
            arguments: Arguments([
                "-t2", "-c32", "-d\(Int(duration.seconds))s", "--timeout", "10s", "-s", script.path, url, "--", String(UUID().uuidString.prefix(8)),
            ]),
            output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
        let output = result.standardOutput
        guard let json = output.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
            case .object(let figures) = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)),
            case .int(let requests)? = figures["requests"], case .int(let micros)? = figures["duration_us"],
            case .int(let refused)? = figures["non_2xx"], case .int(let socketErrors)? = figures["socket_errors"],
            case .int(let p50)? = figures["p50_us"], case .int(let p99)? = figures["p99_us"]
        else {
            throw BenchError("wrk gave no figures: \(output) \(result.standardError)")
        }
        guard refused == 0, socketErrors == 0, requests > 0 else {
            throw BenchError("\(refused) of \(requests) starts were refused and \(socketErrors) failed on the socket")
        }
        return [
            "scenario": .string("starts"), "starts_per_s": .double(Double(requests) / (Double(micros) / 1e6)),
            "p50_ms": .double(Double(p50) / 1000), "p99_ms": .double(Double(p99) / 1000), "load_generator": .string("wrk"),
            "requests": .int(requests),
        ]
    }

    /// Each thread numbers its requests; the first script argument keeps ids apart across runs.
    private static let wrkStartsScript = """
        local threads = 0
        function setup(thread)
          threads = threads + 1
          thread:set("tid", threads)
        end
        function init(args)
          prefix = "st-" .. args[1] .. "-" .. tid .. "-"
          counter = 0
        end
        function request()
          counter = counter + 1
          return wrk.format("POST", nil, {["Content-Type"] = "application/json"},
            '{"workflowId":"' .. prefix .. counter .. '","type":"Nap","taskQueue":"idle","input":0}')
        end
        function done(summary, latency, requests)
          local errors = summary.errors
          io.write(string.format('{"requests":%d,"duration_us":%d,"non_2xx":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d}\\n',
            summary.requests, summary.duration, errors.status, errors.connect + errors.read + errors.write + errors.timeout,
            latency:percentile(50), latency:percentile(99)))
        end
        """

    func post(_ url: String, body: String) async throws -> String {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        return String(buffer: try await response.body.collect(upTo: 1 << 24))
    }

    func get(_ url: String) async throws -> String {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(60))
        return String(buffer: try await response.body.collect(upTo: 1 << 24))
    }
}

func percentile(_ sorted: [Double], _ p: Int) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, sorted.count * p / 100)]
}

/// Tells the throughput lanes when their runs close, with one query per round for all of them, so
/// that the driver does not load the database it measures (64 lanes polling alone would).
final class CloseWatcher: Sendable {
    private let waiting = Mutex<[String: CheckedContinuation<Void, Never>]>([:])
    private let queryCount = Atomic<Int64>(0)

    /// The status queries sent so far.
    var queries: Int64 { queryCount.load(ordering: .relaxed) }

    func waitUntilClosed(_ workflowId: String) async {
        await withCheckedContinuation { continuation in waiting.withLock { $0[workflowId] = continuation } }
    }

    /// Polls every 10 ms until canceled.
    func run(_ store: Store) async throws {
        while !Task.isCancelled {
            let ids = waiting.withLock { Array($0.keys) }
            if !ids.isEmpty {
                queryCount.add(1, ordering: .relaxed)
                var closed: [String] = []
                for try await id in try await store.client.query(
                    """
                    SELECT workflow_id FROM reprise.workflow_executions
                    WHERE namespace = 'default' AND workflow_id = ANY(\(ids)::text[]) AND status NOT IN ('Running', 'Paused')
                    """
                ).decode(String.self) {
                    closed.append(id)
                }
                let resumed = waiting.withLock { waiting in closed.compactMap { waiting.removeValue(forKey: $0) } }
                for continuation in resumed { continuation.resume() }
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
