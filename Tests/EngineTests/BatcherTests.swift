import Synchronization
import Testing

@testable import Store

/// The batcher behind the hot path's shared step statement: batches form from what waits.
@Suite("Batching concurrent writes")
struct BatcherTests {
    /// A write that records its batches and waits for the test to open its gate.
    private final class Writes: Sendable {
        private let state = Mutex<(batches: [[Int]], gate: CheckedContinuation<Void, Never>?)>(([], nil))

        var batches: [[Int]] { state.withLock { $0.batches } }

        /// Multiplies each item by 10; an odd item fails when `failOdd`.
        func write(_ items: [Int], hold: Bool, failOdd: Bool = false) async -> [Result<Int, any Error>] {
            state.withLock { $0.batches.append(items) }
            if hold {
                await withCheckedContinuation { continuation in state.withLock { $0.gate = continuation } }
            }
            return items.map { item in failOdd && item % 2 == 1 ? .failure(OddItem(item: item)) : .success(item * 10) }
        }

        /// Lets a held write return, once it is held.
        func open() async throws {
            while true {
                if let gate = state.withLock({ state -> CheckedContinuation<Void, Never>? in
                    defer { state.gate = nil }
                    return state.gate
                }) {
                    gate.resume()
                    return
                }
                try await Task.sleep(for: .milliseconds(1))
            }
        }
    }

    private struct OddItem: Error { var item: Int }

    /// Waits until `count` items wait for a batch.
    private func waitForWaiting<I, O>(_ batcher: Batcher<I, O>, count: Int) async throws {
        while batcher.waitingCount < count { try await Task.sleep(for: .milliseconds(1)) }
    }

    @Test func anItemThatFindsAFreeSlotIsWrittenAtOnceAlone() async throws {
        let batcher = Batcher<Int, Int>(maxConcurrentBatches: 1, maxBatchSize: 8)
        let writes = Writes()
        #expect(try await batcher.submit(1) { await writes.write($0, hold: false) } == 10)
        #expect(try await batcher.submit(2) { await writes.write($0, hold: false) } == 20)
        #expect(writes.batches == [[1], [2]])
    }

    /// A statement caught by a Postgres restart can hang: with `slowAfter`, the items behind it
    /// are written in the next slot instead of waiting for the hung batch's timeout.
    @Test(.timeLimit(.minutes(1)))
    func aBatchThatHangsGivesItsSlotToTheItemsWaiting() async throws {
        let batcher = Batcher<Int, Int>(maxConcurrentBatches: 1, maxBatchSize: 8, slowAfter: .milliseconds(200))
        let writes = Writes()
        try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask { try await batcher.submit(0) { await writes.write($0, hold: $0 == [0]) } }
            while writes.batches.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
            // The one slot is held by the hung batch; this item is written once the slot is given up.
            #expect(try await batcher.submit(1) { await writes.write($0, hold: false) } == 10)
            #expect(try await batcher.submit(2) { await writes.write($0, hold: false) } == 20)
            try await writes.open()
            #expect(try await group.next() == 0)
        }
        #expect(writes.batches == [[0], [1], [2]])
        #expect(batcher.waitingCount == 0)
    }

    @Test func anItemBeyondTheWaitingBoundIsRefusedAsOverloaded() async throws {
        let batcher = Batcher<Int, Int>(maxConcurrentBatches: 1, maxBatchSize: 8, maxWaiting: 2)
        let writes = Writes()
        try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask { try await batcher.submit(0) { await writes.write($0, hold: $0 == [0]) } }
            while writes.batches.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
            for item in 1...2 { group.addTask { try await batcher.submit(item) { await writes.write($0, hold: false) } } }
            try await waitForWaiting(batcher, count: 2)
            let refused = await #expect(throws: StoreError.self) { try await batcher.submit(3) { await writes.write($0, hold: false) } }
            #expect(refused?.code == .overloaded)
            try await writes.open()
            var results: [Int] = []
            for try await result in group { results.append(result) }
            #expect(results.sorted() == [0, 10, 20])
        }
        #expect(writes.batches == [[0], [1, 2]])
    }

    @Test func itemsThatArriveWhileABatchIsWrittenGoTogetherInTheNext() async throws {
        let batcher = Batcher<Int, Int>(maxConcurrentBatches: 1, maxBatchSize: 8)
        let writes = Writes()
        try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            group.addTask { (0, try await batcher.submit(0) { await writes.write($0, hold: $0 == [0]) }) }
            while writes.batches.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
            for item in 1...5 {
                group.addTask { (item, try await batcher.submit(item) { await writes.write($0, hold: false) }) }
            }
            try await waitForWaiting(batcher, count: 5)
            try await writes.open()
            var outcomes: [Int: Int] = [:]
            for try await (item, outcome) in group { outcomes[item] = outcome }
            #expect(outcomes == [0: 0, 1: 10, 2: 20, 3: 30, 4: 40, 5: 50])
        }
        #expect(writes.batches.count == 2)
        #expect(writes.batches.first == [0])
        #expect(writes.batches.last.map(Set.init) == Set(1...5))
        #expect(batcher.waitingCount == 0)
    }

    @Test func aBatchIsNoLargerThanItsLimit() async throws {
        let batcher = Batcher<Int, Int>(maxConcurrentBatches: 1, maxBatchSize: 2)
        let writes = Writes()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { _ = try await batcher.submit(0) { await writes.write($0, hold: true) } }
            while writes.batches.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
            for item in 1...5 {
                group.addTask { _ = try await batcher.submit(item) { await writes.write($0, hold: false) } }
            }
            try await waitForWaiting(batcher, count: 5)
            try await writes.open()
            try await group.waitForAll()
        }
        #expect(writes.batches.map(\.count) == [1, 2, 2, 1])
        #expect(Set(writes.batches.joined()) == Set(0...5))
    }

    @Test func eachItemGetsItsOwnOutcome() async throws {
        let batcher = Batcher<Int, Int>(maxConcurrentBatches: 1, maxBatchSize: 8)
        let writes = Writes()
        try await withThrowingTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
            group.addTask { (0, await Result(catching: { try await batcher.submit(0) { await writes.write($0, hold: true) } })) }
            while writes.batches.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
            for item in 1...4 {
                group.addTask { (item, await Result(catching: { try await batcher.submit(item) { await writes.write($0, hold: false, failOdd: true) } })) }
            }
            try await waitForWaiting(batcher, count: 4)
            try await writes.open()
            for try await (item, outcome) in group {
                switch outcome {
                case .success(let value): #expect(item % 2 == 0 && value == item * 10)
                case .failure(let error): #expect((error as? OddItem)?.item == item)
                }
            }
        }
        #expect(writes.batches.count == 2)
    }

    /// A write that fails every item when its task is canceled, as an abandoned store call does.
    private static func cancellable(_ items: [Int], writes: Writes, hold: Bool) async -> [Result<Int, any Error>] {
        let outcomes = await writes.write(items, hold: hold)
        return Task.isCancelled ? items.map { _ in .failure(CancellationError()) } : outcomes
    }

    @Test func aCanceledCallerWritesTheOthersItemsOfItsBatch() async throws {
        let batcher = Batcher<Int, Int>(maxConcurrentBatches: 1, maxBatchSize: 8)
        let writes = Writes()
        let first = Task { try await batcher.submit(0) { await Self.cancellable($0, writes: writes, hold: true) } }
        while writes.batches.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
        // Items 1 and 2 wait; the first of them to arrive writes the next batch for both.
        let waiting = (1...2).map { item in Task { try await batcher.submit(item) { await Self.cancellable($0, writes: writes, hold: true) } } }
        try await waitForWaiting(batcher, count: 2)
        try await writes.open()
        while writes.batches.count < 2 { try await Task.sleep(for: .milliseconds(1)) }
        for task in waiting { task.cancel() }  // The writer among them is canceled mid-write.
        try await writes.open()
        #expect(try await first.value == 0)
        for (item, task) in zip(1...2, waiting) {
            #expect(try await task.value == item * 10, "item \(item) was written")
        }
    }
}

extension Result where Failure == any Error {
    fileprivate init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
