import Activities
import Foundation
import Gateway
import Workflow

/// An autonomous sales agent that works a lead for days: enrich, score, research, write, send,
/// wait for a reply, classify it, book a meeting or follow up.
///
/// The workflow stays small: the agent's memory lives in Postgres (`lead_memory`), and each LLM
/// call's context is assembled from there by `lead.prompt`. Every call goes through `llm.complete`
/// and is charged to the run's cost ceiling; a call over the ceiling is dead-lettered for a human,
/// so the run stops sending until someone decides.
public struct LeadNurture: Workflow {
    public static let name = "LeadNurture"

    public struct Input: Codable, Sendable {
        public var lead: Lead
        /// The customer the lead belongs to, a label. Its LLM calls are charged to the run's namespace (docs/gateway.md).
        public var tenant: String
        /// How long to wait for each reply; 3 days by default.
        public var replyWindowSeconds: Double?
        /// How many follow-ups to send without a reply; 2 by default.
        public var maxFollowUps: Int?
        /// The most this run may spend on LLM calls, in USD.
        public var maxCostUSD: Decimal
        /// Leads scoring below this are disqualified; 60 by default.
        public var icpThreshold: Int?
        /// Whose calendar meetings go into; `sales` by default.
        public var calendar: String?
        /// Whether the first e-mail waits for a person's `approveOutreach` update; no by default.
        public var requireApproval: Bool?

        public init(
            lead: Lead, tenant: String, replyWindowSeconds: Double? = nil, maxFollowUps: Int? = nil, maxCostUSD: Decimal, icpThreshold: Int? = nil,
            calendar: String? = nil, requireApproval: Bool? = nil
        ) {
            self.lead = lead
            self.tenant = tenant
            self.replyWindowSeconds = replyWindowSeconds
            self.maxFollowUps = maxFollowUps
            self.maxCostUSD = maxCostUSD
            self.icpThreshold = icpThreshold
            self.calendar = calendar
            self.requireApproval = requireApproval
        }
    }

    /// The payload of the `reply` signal.
    public struct Reply: Codable, Sendable {
        public var text: String
        public init(text: String) { self.text = text }
    }

    public struct Outcome: Codable, Sendable, Equatable {
        /// `MeetingBooked`, `Closed`, `Disqualified` or `NoReply`.
        public var result: String
        public var score: Int
        public var emailsSent: Int
        public var meetingStartsAt: Date?
    }

    public init() {}

    public func run(context: WorkflowContext, input: Input) async throws -> Outcome {
        // Checked before any work: a bad window fails the run at once, naming the field.
        let window = try Duration.seconds(checked: input.replyWindowSeconds ?? 3 * 86_400, field: "replyWindowSeconds")
        let progress = LeadProgress()
        context.setQueryHandler(Self.stateQuery) { _ in progress.current }
        context.setUpdateHandler(
            Self.approveOutreach,
            validator: { _ in
                guard progress.current.draftWaiting else {
                    throw ApplicationFailure("no draft is waiting for approval", type: "NoDraftWaiting")
                }
            }
        ) { approval in
            progress.update { state in
                state.draftWaiting = false
                state.approvedBy = approval.approver
            }
            return "approved by \(approval.approver)"
        }
        let agent = Agent(context: context, input: input, progress: progress)
        // Search attributes (`reprise workflow list --query "stage = 'contacted'"`); runs started
        // before them replay without.
        let stage = Stage(context: context, tracked: context.patched("search-attributes"), progress: progress)
        try stage.set("new", ["company": .string(input.lead.company)])
        _ = try await context.execute(EnrichLead.self, .init(leadId: agent.leadId, lead: input.lead), options: SampleSupport.local)

        let scoreText = try await agent.think(.icpScore)
        guard let score = Self.score(in: scoreText) else {
            throw ApplicationFailure("the ICP score answer has no number from 0 to 100: \(scoreText.prefix(200))", type: "UnreadableScore")
        }
        progress.update { $0.lastScore = score }
        try await agent.remember(.score, "ICP score: \(score)")
        let threshold = input.icpThreshold ?? 60
        if score < threshold {
            try stage.set("disqualified", ["score": .int(Int64(score))])
            try await agent.remember(.status, "Disqualified: ICP score \(score) is below \(threshold)")
            return Outcome(result: "Disqualified", score: score, emailsSent: 0)
        }

        try await agent.remember(.research, try await agent.think(.research))
        var sent = 0
        let firstEmail = try await agent.think(.firstEmail)
        if input.requireApproval == true {
            progress.update { $0.draftWaiting = true }
            try await context.condition { progress.current.approvedBy != nil }
        }
        try await agent.send(firstEmail)
        sent += 1
        try stage.set("contacted", ["score": .int(Int64(score))])

        var followUps = 0
        while true {
            guard let reply = try await context.waitForSignal(Self.replySignal, timeout: window) else {
                guard followUps < (input.maxFollowUps ?? 2) else {
                    try stage.set("noReply")
                    try await agent.remember(.status, "No reply after \(followUps) follow-ups")
                    return Outcome(result: "NoReply", score: score, emailsSent: sent)
                }
                try await agent.send(try await agent.think(.followUp))
                followUps += 1
                sent += 1
                continue
            }
            try stage.set("replied")
            try await agent.remember(.reply, reply.text)
            switch Self.intent(in: try await agent.think(.replyIntent)) {
            case .interested:
                let meeting = try await context.execute(
                    BookMeeting.self,
                    .init(calendar: input.calendar ?? "sales", attendee: input.lead.email, title: "Reprise demo with \(input.lead.company)", after: context.now),
                    options: SampleSupport.local)
                try stage.set("meetingBooked")
                try await agent.remember(.status, "Meeting booked for \(meeting.startsAt)")
                return Outcome(result: "MeetingBooked", score: score, emailsSent: sent, meetingStartsAt: meeting.startsAt)
            case .notInterested:
                try stage.set("closed")
                try await agent.remember(.status, "Closed: not interested")
                return Outcome(result: "Closed", score: score, emailsSent: sent)
            case .question:
                try await agent.send(try await agent.think(.answer))
                sent += 1
            }
        }
    }

    enum Intent { case interested, notInterested, question }

    /// The first whole number from 0 to 100 in the answer.
    static func score(in text: String) -> Int? {
        text.split(whereSeparator: { !$0.isNumber }).lazy.compactMap { Int($0) }.first { (0...100).contains($0) }
    }

    /// The reply's intent; an answer that is none of the three is treated as a question, so the
    /// agent answers and waits again rather than closing or booking on a guess.
    static func intent(in text: String) -> Intent {
        let answer = text.lowercased()
        if answer.contains("not_interested") || answer.contains("not interested") { return .notInterested }
        if answer.contains("interested") { return .interested }
        return .question
    }
}

/// The steps the agent repeats, each an activity, so the workflow body reads as the process.
struct Agent: Sendable {
    let context: WorkflowContext
    let input: LeadNurture.Input
    let progress: LeadProgress
    /// The lead's key in `lead_memory`: the workflow id, within its namespace.
    var leadId: String { "\(context.info.namespace)/\(context.info.workflowId)" }

    /// One LLM call: the prompt from memory, then `llm.complete` (dead-lettered when it cannot be made).
    func think(_ purpose: PromptLead.Purpose) async throws -> String {
        let request = try await context.execute(
            PromptLead.self, .init(leadId: leadId, purpose: purpose, tenant: input.tenant, maxRunUSD: input.maxCostUSD), options: SampleSupport.local)
        var options = SampleSupport.external
        options.startToCloseTimeout = .seconds(300)
        return try await context.execute(LLMComplete.self, request, options: options).content
    }

    func remember(_ kind: LeadMemory.Kind, _ content: String) async throws {
        _ = try await context.execute(RememberLead.self, .init(leadId: leadId, kind: kind.rawValue, content: content), options: SampleSupport.local)
    }

    /// Sends an e-mail written by the model (`Subject: …`, a blank line, the body) and adds it to the thread.
    func send(_ draft: String) async throws {
        var lines = draft.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var subject = "Your Reprise demo request"
        if let first = lines.first, first.lowercased().hasPrefix("subject:") {
            subject = first.dropFirst("subject:".count).trimmingCharacters(in: .whitespaces)
            lines.removeFirst()
        }
        let body = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try await context.execute(SendEmail.self, .init(to: input.lead.email, subject: subject, body: body), options: SampleSupport.external)
        progress.update { $0.touches += 1 }
        try await remember(.sent, "Subject: \(subject)\n\n\(body)")
    }
}

/// The lead's `stage` search attribute (with others that change with it), upserted as the run
/// moves; nothing in runs that started before the patch.
struct Stage {
    let context: WorkflowContext
    let tracked: Bool
    let progress: LeadProgress

    func set(_ stage: String, _ more: [String: SearchAttributeValue] = [:]) throws {
        progress.update { $0.stage = stage }
        guard tracked else { return }
        try context.upsertSearchAttributes(more.merging(["stage": .string(stage)]) { $1 })
    }
}
