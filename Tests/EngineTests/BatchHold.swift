import Synchronization

@testable import Store

/// Runs `calls` at once while every batch slot of `writer` is held by a placeholder write, so that
/// each of them waits for a batch; then lets the placeholders end, and the calls go in one batch.
func inOneBatch<Item: Sendable, Outcome: Sendable, Key: Hashable & Sendable, Value: Sendable>(
    _ writer: Batcher<Item, Outcome>, placeholder: Item, placeholderOutcome: Outcome, calls: [Key: @Sendable () async -> Value]
) async throws -> [Key: Value] {
    let hold = Hold()
    let holders = (0..<writer.maxConcurrentBatches).map { _ in
        Task {
            try await writer.submit(placeholder) { batch in
                await hold.wait()
                return batch.map { _ in .success(placeholderOutcome) }
            }
        }
    }
    while hold.waiting < holders.count { try await Task.sleep(for: .milliseconds(1)) }
    return try await withThrowingTaskGroup(of: (Key, Value).self) { group in
        for (key, call) in calls {
            group.addTask { (key, await call()) }
        }
        while writer.waitingCount < calls.count { try await Task.sleep(for: .milliseconds(1)) }
        hold.open()
        for holder in holders { _ = try await holder.value }
        var values: [Key: Value] = [:]
        for try await (key, value) in group { values[key] = value }
        return values
    }
}

/// Holds its callers until opened.
private final class Hold: Sendable {
    private let state = Mutex<(open: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    var waiting: Int { state.withLock { $0.waiting.count } }

    func wait() async {
        await withCheckedContinuation { continuation in
            let open = state.withLock { state -> Bool in
                if !state.open { state.waiting.append(continuation) }
                return state.open
            }
            if open { continuation.resume() }
        }
    }

    func open() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}
