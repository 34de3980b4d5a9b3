import Foundation

/// What a chaos run prints: one line, then, when a check failed, what failed.
struct Summary {
    var workflows: Int
    var faults: [FaultRecord]
    var outcome: Checks.Outcome
    var elapsed: Duration
    var availability: Availability.Result

    var passed: Bool { outcome.lost.isEmpty && outcome.duplicated.isEmpty && outcome.violations.isEmpty }

    /// `chaos: N workflows, K faults, 0 lost, 0 duplicated`, then the recovery after each kind of fault.
    var summary: String {
        let byKind = Dictionary(grouping: faults, by: \.name).sorted { $0.key < $1.key }.map { name, records in
            let recovered = records.compactMap(\.recovered).map(Self.seconds).max()
            let starts = records.compactMap(\.startsAgain).map(Self.seconds).max()
            return "\(name)×\(records.count) starts again ≤\(starts.map(Self.format) ?? "never") recovered ≤\(recovered.map(Self.format) ?? "never")"
        }
        return "chaos: \(workflows) workflows, \(faults.count) faults, \(outcome.lost.count) lost, \(outcome.duplicated.count) duplicated"
            + " (\(outcome.violations.count) other violations, \(outcome.reExecuted) attempts re-run after a fault, \(Self.format(Self.seconds(elapsed))) s)"
            + "; recovery: " + byKind.joined(separator: "; ")
    }

    /// The summary line, then the availability phase's.
    var lines: [String] { [summary, availability.line] }

    var details: [String] {
        outcome.lost.map { "lost: \($0)" } + outcome.duplicated.map { "duplicated: \($0)" } + outcome.violations.map { "violation: \($0)" }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func format(_ seconds: Double) -> String { String(format: "%.1f", seconds) }
}
