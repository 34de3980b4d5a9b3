import Store
import Workflow

/// The limits (``Limits``): what the API accepts and what runs may grow to. Every process reads
/// them, since the worker enforces the run limits and the API the request limits.
enum LimitSettings {
    static var settings: [Setting<Limits>] {
        [
            .int("limits.maxIdentifierBytes", \.maxIdentifierBytes, in: 16...65_536, "The longest identifier (workflow id, type, task queue, namespace), in bytes."),
            .duration("limits.maxDuration", \.maxDuration, in: .seconds(1)...Duration.maximumAccepted, "The longest execution timeout a start may ask for."),
            .int("limits.maxHistoryPageSize", \.maxHistoryPageSize, in: 1...100_000, "The most events one history page answers."),
            .int("limits.maxConcurrentLongPolls", \.maxConcurrentLongPolls, in: 1...1_000_000, "History long-polls held at once; more are answered 429."),
            .int64("limits.historyWarningEvents", \.historyWarningEvents, in: 1...100_000_000, "History length at which describe warns."),
            .size64("limits.historyWarningBytes", \.historyWarningBytes, in: 1024...(1 << 40), "History size at which describe warns."),
            .int64("limits.continueAsNewSuggestedEvents", \.continueAsNewSuggestedEvents, in: 1...100_000_000, "History length at which continue-as-new is suggested."),
            .size64("limits.continueAsNewSuggestedBytes", \.continueAsNewSuggestedBytes, in: 1024...(1 << 40), "History size at which continue-as-new is suggested."),
            .int64("limits.maxHistoryEvents", \.maxHistoryEvents, in: 1...100_000_000, "The longest history a run may grow (HistoryLimitExceeded)."),
            .size64("limits.maxHistoryBytes", \.maxHistoryBytes, in: 1024...(1 << 40), "The largest history a run may grow."),
            .size("limits.maxPayloadBytes", \.maxPayloadBytes, in: 1024...(1 << 30), "The largest workflow result, activity result or heartbeat details."),
            .int("limits.maxPendingActivities", \.maxPendingActivities, in: 1...1_000_000, "Activities one run may have scheduled and not finished."),
            .int("limits.maxPendingChildren", \.maxPendingChildren, in: 1...1_000_000, "Children one run may have started and not seen close."),
            .int("limits.maxPendingSignals", \.maxPendingSignals, in: 1...1_000_000, "Signals one run may hold unseen by a workflow task."),
        ]
    }
}
