import Synchronization
import Workflow

extension LeadNurture {
    /// Where a lead stands, as the `state` query answers it.
    public struct State: Codable, Sendable, Equatable {
        /// The stage, as the `stage` search attribute spells it: `new`, `disqualified`,
        /// `contacted`, `replied`, `meetingBooked`, `closed` or `noReply`.
        public var stage: String
        /// E-mails sent to the lead so far.
        public var touches: Int
        /// The lead's ICP score, once scored.
        public var lastScore: Int?
        /// Whether the first e-mail's draft waits for an `approveOutreach` update.
        public var draftWaiting: Bool = false
        /// Who approved the first e-mail, when the input asked for approval.
        public var approvedBy: String?
    }

    /// The `approveOutreach` update's argument.
    public struct Approval: Codable, Sendable {
        public var approver: String
        public init(approver: String) { self.approver = approver }
    }

    /// `reprise workflow update <id> approveOutreach --input '{"approver":"…"}'`: approves the
    /// first e-mail's draft, when the input asked for approval. Rejected when no draft is waiting.
    public static let approveOutreach = UpdateDefinition<Approval, String>("approveOutreach")

    /// `reprise workflow query <id> state`: the lead's stage, touches and score.
    public static let stateQuery = QueryDefinition<NoInput, State>("state")

    /// The `reply` signal, declared once for the workflow and its senders.
    public static let replySignal = SignalDefinition<Reply>("reply")
}

/// The run's ``LeadNurture/State``, shared by the workflow, which changes it, and the `state`
/// query's handler, which reads it.
final class LeadProgress: Sendable {
    private let state = Mutex(LeadNurture.State(stage: "new", touches: 0))

    var current: LeadNurture.State { state.withLock { $0 } }

    func update(_ change: (inout LeadNurture.State) -> Void) { state.withLock { change(&$0) } }
}
