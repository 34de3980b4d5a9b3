import Foundation
import Logging
import Synchronization
import Workflow

/// The system under test: two servers (both running timers, reapers and retention), the workers
/// (the last one on a clock a minute fast, through libfaketime), and their Postgres.
struct System: Sendable {
    let servers: [ManagedProcess]
    let workers: [ManagedProcess]
    let postgres: Postgres
    let api: ChaosAPI
}

/// A fault the runner injects, and what it measured after it.
struct FaultRecord: Sendable {
    var name: String
    /// From the fault's end (the process or Postgres back) to a new start answered 2xx.
    var startsAgain: Duration?
    /// From the fault's end to a new run started and completed.
    var recovered: Duration?
}

/// Injects faults at random moments while the load runs, and after each one measures how long the
/// system takes to start and complete a run again.
final class Faults: Sendable {
    enum Kind: String, Sendable {
        case killWorker = "kill-worker"
        case killServer = "kill-server"
        case restartPostgres = "restart-postgres"
        case crashPostgres = "crash-postgres"
        case freezeWorker = "freeze-worker"
        case floodLongPolls = "flood-long-polls"
    }

    let system: System
    let logger: Logger
    let records = Mutex<[FaultRecord]>([])
    let probes = Mutex(0)
    /// A frozen worker stays stopped past its activities' lease (8 s) and its workflow task's.
    static let freeze: Duration = .seconds(14)

    init(system: System, logger: Logger) {
        self.system = system
        self.logger = logger
    }

    /// A schedule over `duration`: worker kills every 4–8 s, and each other fault `count` times at
    /// random moments.
    static func schedule(over duration: Duration, quick: Bool, random: inout some RandomNumberGenerator) -> [(at: Duration, kind: Kind)] {
        let seconds = Int(duration.components.seconds)
        var plan: [(at: Duration, kind: Kind)] = []
        var at = 3
        while at < seconds - 2 {
            plan.append((.seconds(at), .killWorker))
            at += Int.random(in: 4...8, using: &random)
        }
        let once: [Kind] = quick
            ? [.killServer, .restartPostgres, .crashPostgres, .freezeWorker, .floodLongPolls]
            : [.killServer, .killServer, .restartPostgres, .crashPostgres, .freezeWorker, .freezeWorker, .floodLongPolls]
        for (n, kind) in once.enumerated() {
            // Spread over the window, so that the Postgres faults do not land on one another.
            let slot = seconds * (n + 1) / (once.count + 1)
            plan.append((.seconds(max(2, slot + Int.random(in: -2...2, using: &random))), kind))
        }
        return plan.sorted { $0.at < $1.at }
    }

    func run(_ plan: [(at: Duration, kind: Kind)]) async {
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for (at, kind) in plan {
                group.addTask {
                    try? await Task.sleep(until: start + at)
                    await self.inject(kind)
                }
            }
        }
    }

    private func inject(_ kind: Kind) async {
        logger.notice("fault: \(kind.rawValue)")
        do {
            switch kind {
            case .killWorker:
                // Not the first worker: that one is the one frozen.
                let worker = system.workers[Int.random(in: 1..<system.workers.count)]
                await worker.kill9()
                try await Task.sleep(for: .milliseconds(Int.random(in: 200...1500)))
                try await worker.start()
            case .killServer:
                let server = system.servers.randomElement()!
                await server.kill9()
                try await Task.sleep(for: .seconds(1))
                try await server.start()
            case .restartPostgres:
                try await system.postgres.restart()
            case .crashPostgres:
                try await system.postgres.crash()
                try await Task.sleep(for: .seconds(3))
                try await system.postgres.start()
            case .freezeWorker:
                system.workers[0].send(SIGSTOP)
                try await Task.sleep(for: Self.freeze)
                system.workers[0].send(SIGCONT)
            case .floodLongPolls:
                // Far more long-polls on one server than its pool has connections, while the probe runs.
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<400 {
                        group.addTask {
                            _ = await self.system.api.once(
                                .GET, "\(ChaosAPI.base)/workflows/flood-target/history?wait=true&afterEventId=1000000",
                                server: self.system.api.servers[0])
                        }
                    }
                    await record(kind)
                    group.cancelAll()
                }
                return
            }
        } catch {
            logger.error("fault \(kind.rawValue) could not be injected: \(error)")
        }
        await record(kind)
    }

    /// Measures from now until a probe run starts, and until it completes.
    private func record(_ kind: Kind) async {
        let end = ContinuousClock.now
        let n = probes.withLock { probe in
            probe += 1
            return probe
        }
        let id = "probe-\(kind.rawValue)-\(n)"
        let started = await system.api.start(type: Probe.name, id: id, input: .string(id), requestId: id)
        let startsAgain = [200, 201].contains(started.status) ? ContinuousClock.now - end : nil
        let close = await system.api.waitForClose(id: id, deadline: .seconds(120))
        let record = FaultRecord(name: kind.rawValue, startsAgain: startsAgain, recovered: close == nil ? nil : ContinuousClock.now - end)
        records.withLock { $0.append(record) }
    }
}
