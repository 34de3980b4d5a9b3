import Foundation
import Gateway
import PostgresNIO
import Workflow

/// A lead from the demo form.
public struct Lead: Codable, Sendable, Equatable {
    public var name: String
    public var email: String
    public var company: String
    /// What they wrote in the demo form.
    public var message: String

    public init(name: String, email: String, company: String, message: String) {
        self.name = name
        self.email = email
        self.company = company
        self.message = message
    }
}

/// The lead agent's memory, kept outside the workflow in the `lead_memory` table: facts, the ICP
/// score, research, and the thread (messages sent and replies received). Rows are keyed by the
/// writing activity's idempotency key, so a retried write is a no-op, and belong to the running
/// attempt's namespace: a lead id names a lead within one namespace only.
enum LeadMemory {
    /// What a row holds.
    enum Kind: String, Codable, Sendable {
        case fact, score, research, sent, reply, status
    }

    static func write(_ rows: [(Kind, String)], leadId: String, database: PostgresClient) async throws {
        let key = try SampleSupport.idempotencyKey()
        let namespace = try SampleSupport.namespace()
        for (index, (kind, content)) in rows.enumerated() {
            let writeKey = rows.count == 1 ? key : "\(key)#\(index)"
            try await database.query(
                """
                INSERT INTO reprise_samples.lead_memory (namespace, lead_id, kind, content, write_key)
                VALUES (\(namespace), \(leadId), \(kind.rawValue), \(content), \(writeKey))
                ON CONFLICT (write_key) DO NOTHING
                """, logger: SampleSupport.queryLogger
            ).drain()
        }
    }

    static func read(leadId: String, database: PostgresClient) async throws -> [(kind: Kind, content: String)] {
        let namespace = try SampleSupport.namespace()
        var rows: [(kind: Kind, content: String)] = []
        for try await (kind, content) in try await database.query(
            "SELECT kind, content FROM reprise_samples.lead_memory WHERE namespace = \(namespace) AND lead_id = \(leadId) ORDER BY id", logger: SampleSupport.queryLogger
        ).decode((String, String).self) {
            if let kind = Kind(rawValue: kind) { rows.append((kind, content)) }
        }
        return rows
    }
}

/// `lead.enrich`: records what the form and the e-mail domain say about a lead. A data provider
/// (Clearbit and the like) would add firmographics here; the sample derives only what it can know.
public struct EnrichLead: Activity {
    public static let name = "lead.enrich"

    public struct Input: Codable, Sendable {
        public var leadId: String
        public var lead: Lead
    }

    public struct Output: Codable, Sendable, Equatable {
        public var domain: String
        /// A free mail provider's domain says nothing about the company.
        public var freeMail: Bool
    }

    static let freeMailDomains: Set<String> = ["gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com", "proton.me", "gmx.de"]

    let database: PostgresClient

    public init(database: PostgresClient) { self.database = database }

    public func run(input: Input) async throws -> Output {
        let parts = input.lead.email.split(separator: "@")
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains(".") else {
            throw ApplicationFailure("\"\(input.lead.email)\" is not an e-mail address", type: "InvalidEmailAddress", nonRetryable: true)
        }
        let domain = parts[1].lowercased()
        let freeMail = Self.freeMailDomains.contains(domain)
        try await LeadMemory.write(
            [
                (.fact, "Name: \(input.lead.name)"), (.fact, "Company: \(input.lead.company)"),
                (.fact, "E-mail domain: \(domain)\(freeMail ? " (a free mail provider, not the company's own)" : "")"),
                (.fact, "Demo request: \(input.lead.message)"),
            ], leadId: input.leadId, database: database)
        return Output(domain: domain, freeMail: freeMail)
    }
}

/// `lead.remember`: adds one row to the lead's memory.
public struct RememberLead: Activity {
    public static let name = "lead.remember"

    public struct Input: Codable, Sendable {
        public var leadId: String
        public var kind: String
        public var content: String
    }

    let database: PostgresClient

    public init(database: PostgresClient) { self.database = database }

    public func run(input: Input) async throws -> Bool {
        guard let kind = LeadMemory.Kind(rawValue: input.kind) else {
            throw ApplicationFailure("unknown memory kind \(input.kind)", type: "InvalidMemoryKind", nonRetryable: true)
        }
        try await LeadMemory.write([(kind, input.content)], leadId: input.leadId, database: database)
        return true
    }
}

/// `lead.prompt`: assembles an `llm.complete` request from the lead's memory, so every call sees
/// the facts and the thread so far while the workflow carries none of it.
public struct PromptLead: Activity {
    public static let name = "lead.prompt"

    /// What the call is for; each has its task class (and so its route) and instructions.
    public enum Purpose: String, Codable, Sendable {
        case icpScore, research, firstEmail, followUp, answer, replyIntent

        var taskClass: String {
            switch self {
            case .icpScore: "icp_score"
            case .research: "research"
            case .firstEmail, .followUp, .answer: "outreach_email"
            case .replyIntent: "reply_intent"
            }
        }

        var instructions: String {
            let email = "Start with a line 'Subject: …', then a blank line, then the body in under 120 words, signed 'The Reprise team'."
            switch self {
            case .icpScore:
                return "You score sales leads against our ideal customer profile: software companies that run long business processes, "
                    + "payments, AI agents or media pipelines, with a team that owns them. Answer with one integer from 0 to 100 and nothing else."
            case .research:
                return "You research a sales lead. In five short bullet points: what the company likely does, why they asked for a demo, "
                    + "and what to ask them. Say so when you are guessing."
            case .firstEmail:
                return "Write the first reply to this demo request: personal, specific to what they wrote, proposing a short call. " + email
            case .followUp:
                return "The lead has not answered the thread below. Write a brief, friendly follow-up that adds one new useful point. " + email
            case .answer:
                return "The lead's last reply asks a question. Answer it plainly from what we know, and offer a short call. " + email
            case .replyIntent:
                return "Classify the lead's last reply. Answer with exactly one word: interested (they want a meeting or a demo), "
                    + "not_interested (they decline or ask us to stop), or question (they ask something first)."
            }
        }

        var temperature: Double? { self == .icpScore || self == .replyIntent ? 0 : nil }
    }

    public struct Input: Codable, Sendable {
        public var leadId: String
        public var purpose: Purpose
        public var tenant: String
        /// The run's LLM cost ceiling, charged by every call.
        public var maxRunUSD: Decimal
    }

    let database: PostgresClient

    public init(database: PostgresClient) { self.database = database }

    public func run(input: Input) async throws -> LLMRequest {
        let memory = try await LeadMemory.read(leadId: input.leadId, database: database)
        func section(_ title: String, _ kinds: Set<LeadMemory.Kind>) -> String? {
            let lines = memory.filter { kinds.contains($0.kind) }.map { row in
                switch row.kind {
                case .sent: "[we wrote]\n\(row.content)"
                case .reply: "[they replied]\n\(row.content)"
                default: row.content
                }
            }
            return lines.isEmpty ? nil : "\(title)\n" + lines.joined(separator: "\n")
        }
        let context = [section("About the lead:", [.fact, .score]), section("Research:", [.research]), section("The thread so far, oldest first:", [.sent, .reply])]
            .compactMap { $0 }.joined(separator: "\n\n")
        return LLMRequest(
            taskClass: input.purpose.taskClass, system: input.purpose.instructions, messages: [.init(role: "user", content: context)],
            temperature: input.purpose.temperature, cachePrefix: 0, userId: input.leadId,
            maxRunUSD: input.maxRunUSD)
    }
}
