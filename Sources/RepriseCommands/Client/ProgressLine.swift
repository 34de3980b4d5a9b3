import Foundation
import Workflow

/// One line at the bottom of a terminal that shows how far a run's activities are, redrawn in
/// place with a carriage return. Everything else printed while it shows goes through
/// ``printing(_:)``, which clears it first, so that the line never mixes with the table.
actor ProgressLine {
    /// The characters on the line now; zero when it is clear.
    private var shown = 0

    /// Draws `text` over the line; an empty text clears it.
    func draw(_ text: String) {
        guard !text.isEmpty else { return clear() }
        let blank = String(repeating: " ", count: max(0, shown - text.count))
        print("\r\(text)\(blank)", terminator: "")
        fflush(nil)
        shown = text.count
    }

    /// Blanks the line and puts the cursor at its start.
    func clear() {
        guard shown > 0 else { return }
        print("\r\(String(repeating: " ", count: shown))\r", terminator: "")
        fflush(nil)
        shown = 0
    }

    /// Clears the line, then runs `body`, which prints; the next ``draw(_:)`` brings it back.
    func printing(_ body: @Sendable () -> Void) {
        clear()
        body()
        fflush(nil)
    }

    /// The line for a run's pending activities: each that heartbeats a `percent` (0 to 100),
    /// as `type 42% [########------------]`; empty when none does.
    static func text(pendingActivities: [JSONValue]) -> String {
        pendingActivities.compactMap { activity -> String? in
            let percent: Double
            switch activity["heartbeatDetails"]?["percent"] {
            case .int(let value)?: percent = Double(value)
            case .double(let value)? where value.isFinite: percent = value
            default: return nil
            }
            let clamped = min(max(percent, 0), 100)
            let filled = Int((clamped / 5).rounded(.down))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 20 - filled)
            return "\(Output.plain(activity["type"])) \(Int(clamped))% [\(bar)]"
        }.joined(separator: "  ")
    }
}
