import Synchronization

/// Writes items in batches, so that concurrent callers share a round trip and a commit.
///
/// An item that finds fewer than `maxConcurrentBatches` batches being written is written at once,
/// alone: at low load batching adds no wait. One that arrives while that many are being written
/// waits, and the items that waited go together in the next batch, up to `maxBatchSize`. So the
/// batches grow with the load, by themselves.
///
/// The batcher has no task of its own: the caller whose item opens a batch writes it (in a task
/// shielded from that caller's cancellation), then hands the next batch, if items are
/// waiting, to the first of their callers.
///
/// With `slowAfter`, a batch still being written after that long gives up its slot: a statement
/// that hangs (PostgresNIO never answers one written to a connection Postgres closed under it)
/// would otherwise hold every item behind it until its timeout.
package final class Batcher<Item: Sendable, Outcome: Sendable>: Sendable {
    /// Writes a batch and returns one outcome per item, in order.
    package typealias Write = @Sendable ([Item]) async -> [Result<Outcome, any Error>]

    private struct Waiter: Sendable {
        var item: Item
        /// Nil for the caller writing the batch.
        var continuation: CheckedContinuation<Turn, Never>?
    }

    private enum Turn: Sendable {
        case done(Result<Outcome, any Error>)
        /// Write this batch, whose first item is the caller's own.
        case write([Waiter])
    }

    private struct State {
        var writing = 0
        var waiting: [Waiter] = []
    }

    private let state = Mutex(State())
    package let maxConcurrentBatches: Int
    package let maxBatchSize: Int
    /// The most items that may wait; one more is refused rather than queued without bound while
    /// the database is slow.
    package let maxWaiting: Int
    /// How long a batch may be written before its slot goes to the items waiting; nil for never.
    package let slowAfter: Duration?

    package init(maxConcurrentBatches: Int, maxBatchSize: Int, maxWaiting: Int = .max, slowAfter: Duration? = nil) {
        precondition(maxConcurrentBatches > 0 && maxBatchSize > 0 && maxWaiting >= 0)
        self.maxConcurrentBatches = maxConcurrentBatches
        self.maxBatchSize = maxBatchSize
        self.maxWaiting = maxWaiting
        self.slowAfter = slowAfter
    }

    /// How many items wait for a batch.
    package var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Writes `item`, in a batch with whatever else is waiting, and returns its outcome.
    ///
    /// - Throws: ``StoreError`` `Overloaded` when ``maxWaiting`` items wait already; else what the
    ///   write gave for the item.
    package func submit(_ item: Item, write: @escaping Write) async throws -> Outcome {
        var batch: [Waiter]
        if openBatch() {
            batch = [Waiter(item: item)]
        } else {
            let turn = await withCheckedContinuation { continuation in
                // Checked again under the lock: a batch may have ended since, with nobody waiting.
                let opened = state.withLock { state -> Bool? in
                    if state.writing < maxConcurrentBatches {
                        state.writing += 1
                        return true
                    }
                    guard state.waiting.count < maxWaiting else { return nil }
                    state.waiting.append(Waiter(item: item, continuation: continuation))
                    return false
                }
                switch opened {
                case true?: continuation.resume(returning: .write([Waiter(item: item)]))
                case nil: continuation.resume(returning: .done(.failure(StoreError(.overloaded, "\(maxWaiting) writes wait already; retry shortly"))))
                case false?: break
                }
            }
            switch turn {
            case .done(let outcome): return try outcome.get()
            case .write(let handed): batch = handed
            }
        }
        // In a task of its own: the batch holds other callers' items, and must not be canceled
        // with the caller that happens to write it.
        let items = batch.map(\.item)
        let slot = Slot()
        let slow = slowAfter.map { after in CallDeadlines.shared.add(after: after) { if slot.giveUp() { self.handOverNextBatch() } } }
        let outcomes = await Task { await write(items) }.value
        if let slow { CallDeadlines.shared.remove(slow) }
        precondition(outcomes.count == batch.count, "a batch write returns one outcome per item")
        if slot.giveUp() { handOverNextBatch() }
        for (waiter, outcome) in zip(batch.dropFirst(), outcomes.dropFirst()) {
            waiter.continuation?.resume(returning: .done(outcome))
        }
        return try outcomes[0].get()
    }

    /// Takes a batch slot if one is free.
    private func openBatch() -> Bool {
        state.withLock { state in
            guard state.writing < maxConcurrentBatches else { return false }
            state.writing += 1
            return true
        }
    }

    /// Gives the slot of a written batch to the items waiting, or frees it.
    private func handOverNextBatch() {
        let next = state.withLock { state -> [Waiter]? in
            guard !state.waiting.isEmpty else {
                state.writing -= 1
                return nil
            }
            let count = min(maxBatchSize, state.waiting.count)
            defer { state.waiting.removeFirst(count) }
            return Array(state.waiting.prefix(count))
        }
        guard var next, let writer = next[0].continuation else { return }
        next[0].continuation = nil
        writer.resume(returning: .write(next))
    }
}

/// A batch's slot, given up once: when the batch ends, or earlier when it is slow.
private final class Slot: Sendable {
    private let held = Mutex(true)

    /// True for the one caller that gives the slot up.
    func giveUp() -> Bool {
        held.withLock { held in
            defer { held = false }
            return held
        }
    }
}
