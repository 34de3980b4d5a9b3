import Foundation
import Logging

/// Replays the current workflow code against a recorded history, to find non-determinism before a
/// deploy. The history is the JSON that `GET …/history` and `reprise workflow show -o json` print.
///
/// ## Usage
/// ```swift
/// let replayer = WorkflowReplayer(registry: WorkflowRegistry([Checkout.self]))
/// try replayer.replay(json: Data(contentsOf: URL(filePath: "checkout-history.json")))
/// ```
public struct WorkflowReplayer: Sendable {
    /// What a successful replay found.
    public struct Result: Sendable {
        /// The workflow type the history records.
        public var workflowType: String
        /// How many events were replayed.
        public var eventCount: Int
        /// Whether the code's main function returned or threw by the end of the history.
        public var isFinished: Bool
    }

    private let registry: WorkflowRegistry
    private let namespace: String
    private let logger: Logger

    public init(registry: WorkflowRegistry, namespace: String = "default", logger: Logger? = nil) {
        self.registry = registry
        self.namespace = namespace
        self.logger = logger ?? Logger(label: "reprise.replayer", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    /// Replays a history given as JSON.
    ///
    /// - Throws: ``PayloadError`` for JSON that is not a history, ``WorkflowTaskError`` for
    ///   non-determinism or any other failure of the code.
    @discardableResult
    public func replay(json: Data, runId: String? = nil) throws -> Result {
        try replay(try History(json: json), runId: runId)
    }

    /// Replays a history.
    ///
    /// - Throws: ``WorkflowTaskError`` for non-determinism or any other failure of the code.
    @discardableResult
    public func replay(_ history: History, runId: String? = nil) throws -> Result {
        guard case .workflowExecutionStarted(let started)? = history.events.first?.attributes else {
            throw WorkflowTaskError(code: .invalidHistory, message: "a history must begin with WorkflowExecutionStarted")
        }
        let info = WorkflowInfo(namespace: namespace, runId: runId, started: started)
        let run = WorkflowRun(workflow: try registry.workflow(named: started.workflowType), info: info, logger: logger)
        defer { run.evict() }
        _ = try run.activate(with: history.events)
        return Result(workflowType: started.workflowType, eventCount: history.events.count, isFinished: run.isFinished)
    }
}
