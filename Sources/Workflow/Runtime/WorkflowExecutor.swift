import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A run's executor: `enqueue` only buffers, and the activation drains the buffer on its own thread.
///
/// The workflow's tasks prefer this executor, so every job of the run passes through here and runs
/// in one deterministic order. A job enqueued from any other thread, or between activations, means
/// the workflow awaited something that is not a context API; it is counted so the activation can
/// fail the workflow task instead of running the job at a nondeterministic moment.
package final class WorkflowExecutor: TaskExecutor, SerialExecutor, Sendable {
    private struct State {
        var jobs: [UnownedJob] = []
        var head = 0
        var activationThread: ThreadID?
        var foreignEnqueues = 0
    }

    private let state = Mutex(State())

    package init() {}

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let thread = ThreadID.current
        state.withLock { state in
            state.jobs.append(job)
            if state.activationThread != thread { state.foreignEnqueues += 1 }
        }
    }

    /// Marks the calling thread as the one activating the run.
    package func beginActivation() {
        state.withLock { $0.activationThread = .current }
    }

    package func endActivation() {
        state.withLock { $0.activationThread = nil }
    }

    /// Whether the caller runs on the activating thread, that is inside the run's drain.
    package var isOnActivationThread: Bool {
        let thread = ThreadID.current
        return state.withLock { $0.activationThread == thread }
    }

    /// How many jobs arrived from outside an activation.
    package var foreignEnqueues: Int { state.withLock { $0.foreignEnqueues } }

    /// Runs buffered jobs on the calling thread, in order, until none is left.
    package func drain() {
        let executor = asUnownedTaskExecutor()
        while let job = nextJob() {
            job.runSynchronously(on: executor)
        }
    }

    private func nextJob() -> UnownedJob? {
        state.withLock { state in
            guard state.head < state.jobs.count else {
                if !state.jobs.isEmpty { state.jobs.removeAll(keepingCapacity: true) }
                state.head = 0
                return nil
            }
            let job = state.jobs[state.head]
            state.head += 1
            return job
        }
    }
}

/// The identity of an OS thread, to tell the draining thread from any other.
package struct ThreadID: Equatable, Sendable {
    private let raw: UInt

    package static var current: ThreadID {
        #if canImport(Darwin)
        ThreadID(raw: UInt(bitPattern: pthread_self()))
        #else
        ThreadID(raw: UInt(pthread_self()))
        #endif
    }
}
