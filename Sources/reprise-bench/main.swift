import Foundation
import Workflow

// reprise-bench: prints one JSON line per scenario, then a readable table.
// Usage: reprise-bench [--quick] [--database-url URL]
//   ffmpeg must be on PATH (transcode); the gateway scenario needs a database (--database-url or DATABASE_URL).
let arguments = CommandLine.arguments
let quick = arguments.contains("--quick")
let databaseURL = arguments.firstIndex(of: "--database-url").flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
    ?? ProcessInfo.processInfo.environment["DATABASE_URL"]

var lines: [[String: JSONValue]] = []
lines.append(try ReplayScenario(activities: 10_000, repetitions: quick ? 3 : 10).run())
lines.append(try await TranscodeScenario().run())
if let databaseURL {
    lines.append(try await GatewayScenario(databaseURL: databaseURL, calls: quick ? 100 : 1000).run())
    lines.append(contentsOf: try await EngineScenarios(databaseURL: databaseURL, quick: quick).run())
} else {
    FileHandle.standardError.write(Data("gateway and engine scenarios skipped: give --database-url\n".utf8))
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
