import Foundation
import Logging
import Workflow

// reprise-bench: prints one JSON line per scenario, then a readable table.
// Usage: reprise-bench [--quick] [--database-url URL] [--only scenario,scenario…]
//   ffmpeg must be on PATH (transcode). The database scenarios run in a database of their own, created
//   on the server at URL (or DATABASE_URL) and dropped at the end; without one, on a throwaway cluster
//   that scripts/postgres.sh starts (run from the repository's root).
let arguments = CommandLine.arguments
if arguments.dropFirst().first == "worker-process" {
    try await WorkerProcess.run()
    exit(0)
}
let quick = arguments.contains("--quick")
let only = argument("--only").map { Set($0.split(separator: ",").map(String.init)) }
func wanted(_ scenario: String) -> Bool { only?.contains(scenario) ?? true }

var lines: [[String: JSONValue]] = []
if wanted("replay") { lines.append(try ReplayScenario(activities: 10_000, repetitions: quick ? 3 : 10).run()) }
if wanted("replay_fanout") { lines.append(try ReplayScenario(activities: 10_000, repetitions: quick ? 3 : 10, fanOut: true).run()) }
if wanted("transcode") { lines.append(try await TranscodeScenario().run()) }
let givenURL = argument("--database-url") ?? ProcessInfo.processInfo.environment["DATABASE_URL"]
try await BenchDatabase.with(serverURL: givenURL) { databaseURL in
    if wanted("gateway") { lines.append(try await GatewayScenario(databaseURL: databaseURL, calls: quick ? 100 : 1000).run()) }
    lines.append(contentsOf: try await EngineScenarios(databaseURL: databaseURL, quick: quick, only: only).run())
    if wanted("fairness") {
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        lines.append(try await FairnessScenario(databaseURL: databaseURL, quick: quick, logger: logger).run())
    }
}

for line in lines {
    print(JSONValue.object(line).compactDescription)
}
print("")
print("scenario   figures")
for line in lines {
    let figures = line.filter { $0.key != "scenario" }.sorted { $0.key < $1.key }
        .map { key, value in
            if case .double(let number) = value { return "\(key)=\(String(format: "%.2f", number))" }
            return "\(key)=\(value.compactDescription)"
        }
    print("\(line["scenario"]?.compactDescription ?? "?")   \(figures.joined(separator: "  "))")
}
