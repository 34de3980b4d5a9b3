import Foundation
import Workflow

/// Normalised token usage of one call. `inputTokens` never includes cached tokens, whatever the
/// provider reports, so no token is counted twice.
public struct Usage: Sendable, Codable, Hashable {
    public var inputTokens: Int
    public var outputTokens: Int
    public var cacheReadTokens: Int
    public var cacheWrite5mTokens: Int
    public var cacheWrite1hTokens: Int

    public init(inputTokens: Int = 0, outputTokens: Int = 0, cacheReadTokens: Int = 0, cacheWrite5mTokens: Int = 0, cacheWrite1hTokens: Int = 0) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cacheReadTokens = cacheReadTokens
        self.cacheWrite5mTokens = cacheWrite5mTokens
        self.cacheWrite1hTokens = cacheWrite1hTokens
    }

    public var cacheWriteTokens: Int { cacheWrite5mTokens + cacheWrite1hTokens }
    public var totalTokens: Int { inputTokens + outputTokens + cacheReadTokens + cacheWriteTokens }
}

/// A completion request, as `POST …/llm/complete` and the `llm.complete` activity take it.
public struct LLMRequest: Sendable, Codable, Hashable {
    public struct Message: Sendable, Codable, Hashable {
        /// `user` or `assistant`.
        public var role: String
        public var content: String

        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    public var taskClass: String
    public var system: String?
    public var messages: [Message]
    public var maxTokens: Int?
    public var temperature: Double?
    /// How many leading messages, after the system prompt, form the stable prefix to cache:
    /// `0` caches the system prompt alone; absent caches nothing.
    public var cachePrefix: Int?
    /// `exact` to use the exact-response cache, `off` to skip it; by default it is used when
    /// the temperature is 0.
    public var cache: String?
    /// The tenant the call is charged to, which is always the caller's namespace (the HTTP
    /// route's, or the calling run's). Kept so that callers that send their namespace keep
    /// working; any other value is refused with `TenantMismatch`.
    public var tenant: String?
    /// The end user, passed to the provider as `metadata.user_id`.
    public var userId: String?
    /// The most this run may spend on LLM calls, in USD.
    public var maxRunUSD: Decimal?
    /// The most LLM calls this run may make.
    public var maxRunCalls: Int?

    public init(
        taskClass: String, system: String? = nil, messages: [Message], maxTokens: Int? = nil, temperature: Double? = nil,
        cachePrefix: Int? = nil, cache: String? = nil, tenant: String? = nil, userId: String? = nil, maxRunUSD: Decimal? = nil,
        maxRunCalls: Int? = nil
    ) {
        self.taskClass = taskClass
        self.system = system
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.cachePrefix = cachePrefix
        self.cache = cache
        self.tenant = tenant
        self.userId = userId
        self.maxRunUSD = maxRunUSD
        self.maxRunCalls = maxRunCalls
    }
}

/// A completion, with what it cost.
public struct LLMResponse: Sendable, Codable, Hashable {
    public struct UsageBody: Sendable, Codable, Hashable {
        public var inputTokens: Int
        public var outputTokens: Int
        public var cacheReadTokens: Int
        public var cacheWriteTokens: Int
    }

    public var model: String
    public var provider: String
    public var content: String
    public var stopReason: String?
    public var usage: UsageBody
    public var usd: Decimal
    public var latencyMs: Int
    public var cacheHit: Bool
    /// The model the route named first, when a fallback answered instead.
    public var fallbackFrom: String?
}

/// Who is calling, for the ledger and the per-run limits.
public struct LLMCaller: Sendable, Hashable {
    public var namespace: String
    public var workflowId: String?
    public var runId: String?
    public var activityId: String?

    public init(namespace: String, workflowId: String? = nil, runId: String? = nil, activityId: String? = nil) {
        self.namespace = namespace
        self.workflowId = workflowId
        self.runId = runId
        self.activityId = activityId
    }
}

/// The failure types the gateway throws, as ``ApplicationFailure`` types.
public enum LLMFailure {
    public static let rateLimited = "RateLimited"
    public static let spendLimit = "ProviderSpendLimit"
    public static let badRequest = "ProviderBadRequest"
    public static let unavailable = "ProviderUnavailable"
    /// The route's provider needs a key and none is configured.
    public static let providerNotConfigured = "ProviderNotConfigured"
    public static let budgetExceeded = "BudgetExceeded"
    public static let runCostCeiling = "RunCostCeilingExceeded"
    public static let runCallLimit = "RunCallLimitExceeded"
    public static let unknownTaskClass = "UnknownTaskClass"
    public static let modelNotPriced = "ModelNotPriced"
    public static let invalidRequest = "InvalidLLMRequest"
    /// The request named a tenant other than the caller's namespace.
    public static let tenantMismatch = "TenantMismatch"
}
