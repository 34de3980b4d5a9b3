import Foundation
import Workflow

// reprise-bench: prints one JSON line per scenario, then a readable table.
// Usage: reprise-bench [--quick]   (needs ffmpeg on PATH for the transcode scenario)
let quick = CommandLine.arguments.contains("--quick")

var lines: [[String: JSONValue]] = []
lines.append(try ReplayScenario(activities: 10_000, repetitions: quick ? 3 : 10).run())
lines.append(try await TranscodeScenario().run())

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
