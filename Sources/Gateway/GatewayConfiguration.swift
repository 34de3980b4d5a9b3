import Foundation

/// The gateway's routes, providers and prices, read from a JSON file (see `docs/gateway.md`).
public struct GatewayConfiguration: Sendable, Codable {
    /// Which model serves each task class.
    public var routes: [String: Route]
    /// Base URLs and keys per provider; the conventional environment variables fill the gaps.
    public var providers: [String: ProviderSettings]
    /// USD per million tokens, per model.
    public var prices: [String: Price]
    /// How long an exact-cache entry lives, in seconds.
    public var exactCacheTTLSeconds: Double
    /// Which provider base URLs may be called: internet addresses only unless the allow-list names
    /// more. Set by the process (`REPRISE_EGRESS_ALLOW`), not read from the file.
    public var egress = EgressPolicy()

    private enum CodingKeys: String, CodingKey { case routes, providers, prices, exactCacheTTLSeconds }

    public init(routes: [String: Route], providers: [String: ProviderSettings] = [:], prices: [String: Price], exactCacheTTLSeconds: Double = 86_400) {
        self.routes = routes
        self.providers = providers
        self.prices = prices
        self.exactCacheTTLSeconds = exactCacheTTLSeconds
    }

    /// A model on a provider.
    public struct Target: Sendable, Codable, Hashable {
        /// `anthropic` or `openai` (any OpenAI-compatible server).
        public var provider: String
        public var model: String

        public init(provider: String, model: String) {
            self.provider = provider
            self.model = model
        }
    }

    /// Where a task class goes: a model, its limits and thinking, and the fallbacks taken on
    /// overload (529), a 5xx or a timeout.
    public struct Route: Sendable, Codable {
        public var provider: String
        public var model: String
        public var maxTokens: Int
        public var thinking: Thinking?
        public var fallbacks: [Target]
        /// The request timeout per attempt, in seconds.
        public var timeoutSeconds: Double?

        public init(provider: String, model: String, maxTokens: Int, thinking: Thinking? = nil, fallbacks: [Target] = [], timeoutSeconds: Double? = nil) {
            self.provider = provider
            self.model = model
            self.maxTokens = maxTokens
            self.thinking = thinking
            self.fallbacks = fallbacks
            self.timeoutSeconds = timeoutSeconds
        }

        var targets: [Target] { [Target(provider: provider, model: model)] + fallbacks }

        /// The longest attempt a route may configure, in seconds.
        public static let maximumTimeoutSeconds: Double = 3600

        /// The attempt's timeout: `timeoutSeconds`, 120 s by default, kept within
        /// `0.001...maximumTimeoutSeconds` so that no configuration can make it trap.
        var attemptTimeoutSeconds: Double {
            guard let seconds = timeoutSeconds, seconds.isFinite, seconds > 0 else { return 120 }
            return min(max(seconds, 0.001), Self.maximumTimeoutSeconds)
        }
    }

    /// Extended thinking: a token budget, or adaptive (the model decides).
    public struct Thinking: Sendable, Codable, Hashable {
        /// `enabled` (with `budgetTokens`) or `adaptive`.
        public var type: String
        public var budgetTokens: Int?

        public init(type: String, budgetTokens: Int? = nil) {
            self.type = type
            self.budgetTokens = budgetTokens
        }
    }

    public struct ProviderSettings: Sendable, Codable {
        public var baseURL: String?
        public var apiKey: String?
        /// The environment variable to read the key from, when `apiKey` is not given.
        public var apiKeyEnv: String?

        public init(baseURL: String? = nil, apiKey: String? = nil, apiKeyEnv: String? = nil) {
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.apiKeyEnv = apiKeyEnv
        }
    }

    /// USD per million tokens of each kind. Cache writes cost by duration; cache reads are cheap.
    public struct Price: Sendable, Codable, Hashable {
        public var input: Decimal
        public var output: Decimal
        public var cacheRead: Decimal
        public var cacheWrite5m: Decimal
        public var cacheWrite1h: Decimal
        /// Where the numbers come from, and when they were read.
        public var source: String?
        public var date: String?

        public init(input: Decimal, output: Decimal, cacheRead: Decimal, cacheWrite5m: Decimal, cacheWrite1h: Decimal, source: String? = nil, date: String? = nil) {
            self.input = input
            self.output = output
            self.cacheRead = cacheRead
            self.cacheWrite5m = cacheWrite5m
            self.cacheWrite1h = cacheWrite1h
            self.source = source
            self.date = date
        }

        /// The highest price per million tokens a configuration may name, in USD: with token
        /// counts bounded as the gateway bounds them, no call's cost leaves `Int64`.
        public static let maximum: Decimal = 10_000

        /// The cost of a call's usage, exactly, in nano-USD.
        ///
        /// - Throws: ``GatewayError`` when the cost is negative or does not fit in `Int64`.
        public func nanoUSD(for usage: Usage) throws(GatewayError) -> Int64 {
            // Price per million tokens × tokens ÷ 10^6 USD = price × tokens × 1000 nano-USD.
            var total = Decimal(0)
            total += input * Decimal(usage.inputTokens)
            total += output * Decimal(usage.outputTokens)
            total += cacheRead * Decimal(usage.cacheReadTokens)
            total += cacheWrite5m * Decimal(usage.cacheWrite5mTokens)
            total += cacheWrite1h * Decimal(usage.cacheWrite1hTokens)
            var nanos = total * 1000
            var rounded = Decimal()
            NSDecimalRound(&rounded, &nanos, 0, .up)
            guard !rounded.isNaN, rounded >= 0, rounded <= Decimal(Int64.max) else {
                throw GatewayError("a cost of \(rounded) nano-USD is out of range")
            }
            return NSDecimalNumber(decimal: rounded).int64Value
        }

        var all: [(name: String, value: Decimal)] {
            [("input", input), ("output", output), ("cacheRead", cacheRead), ("cacheWrite5m", cacheWrite5m), ("cacheWrite1h", cacheWrite1h)]
        }
    }

    /// Anthropic's list prices for the Claude models, with source and date. Cache reads are 0.1×
    /// input, 5-minute writes 1.25×, 1-hour writes 2×.
    public static let claudePrices: [String: Price] = {
        func claude(_ input: Decimal, _ output: Decimal) -> Price {
            Price(
                input: input, output: output, cacheRead: input / 10, cacheWrite5m: input * 5 / 4, cacheWrite1h: input * 2,
                source: "https://www.anthropic.com/pricing (list prices, USD per million tokens)", date: "2025-11-24")
        }
        return [
            "claude-haiku-4-5": claude(1, 5),
            "claude-sonnet-4-5": claude(3, 15),
            "claude-opus-4-5": claude(5, 25),
            "claude-opus-4-1": claude(15, 75),
        ]
    }()

    /// The defaults: cheap classification on Haiku, nuanced writing on Sonnet with Opus behind it.
    public static let `default` = GatewayConfiguration(
        routes: [
            "icp_score": Route(provider: "anthropic", model: "claude-haiku-4-5", maxTokens: 512, fallbacks: [.init(provider: "anthropic", model: "claude-sonnet-4-5")]),
            "reply_intent": Route(provider: "anthropic", model: "claude-haiku-4-5", maxTokens: 256, fallbacks: [.init(provider: "anthropic", model: "claude-sonnet-4-5")]),
            "research": Route(
                provider: "anthropic", model: "claude-sonnet-4-5", maxTokens: 4096, thinking: Thinking(type: "enabled", budgetTokens: 2048),
                fallbacks: [.init(provider: "anthropic", model: "claude-haiku-4-5")]),
            "outreach_email": Route(
                provider: "anthropic", model: "claude-sonnet-4-5", maxTokens: 1500, fallbacks: [.init(provider: "anthropic", model: "claude-opus-4-5")]),
        ],
        prices: claudePrices)

    /// Reads a configuration file.
    ///
    /// - Throws: ``GatewayError`` naming the file and what is wrong with it.
    public static func load(path: String) throws -> GatewayConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GatewayError("cannot read the gateway configuration \(path)")
        }
        let configuration: GatewayConfiguration
        do {
            configuration = try JSONDecoder().decode(GatewayConfiguration.self, from: data)
        } catch {
            throw GatewayError("the gateway configuration \(path) is invalid: \(error)")
        }
        do {
            try configuration.validate()
        } catch {
            throw GatewayError("the gateway configuration \(path) is invalid: \(error.message)")
        }
        return configuration
    }

    /// The longest an exact-cache entry may live: a year.
    public static let maximumCacheTTLSeconds: Double = 366 * 86_400

    /// Checks every number against the bounds the gateway computes with.
    ///
    /// - Throws: ``GatewayError`` naming the route, model or field that is out of range.
    public func validate() throws(GatewayError) {
        guard exactCacheTTLSeconds.isFinite, (0...Self.maximumCacheTTLSeconds).contains(exactCacheTTLSeconds) else {
            throw GatewayError("exactCacheTTLSeconds must be between 0 and \(Self.maximumCacheTTLSeconds)")
        }
        for (name, route) in routes.sorted(by: { $0.key < $1.key }) {
            guard (1...LLMLimits.maxTokens).contains(route.maxTokens) else {
                throw GatewayError("routes.\(name).maxTokens must be between 1 and \(LLMLimits.maxTokens)")
            }
            if let seconds = route.timeoutSeconds, !(seconds.isFinite && seconds > 0 && seconds <= Route.maximumTimeoutSeconds) {
                throw GatewayError("routes.\(name).timeoutSeconds must be above 0 and at most \(Route.maximumTimeoutSeconds)")
            }
        }
        for (model, price) in prices.sorted(by: { $0.key < $1.key }) {
            for (field, value) in price.all where value.isNaN || value < 0 || value > Price.maximum {
                throw GatewayError("prices.\(model).\(field) must be between 0 and \(Price.maximum) USD per million tokens")
            }
        }
    }

    /// How long an exact-cache entry lives, kept within `0...maximumCacheTTLSeconds`.
    var cacheLifetimeSeconds: Double {
        exactCacheTTLSeconds.isFinite ? min(max(exactCacheTTLSeconds, 0), Self.maximumCacheTTLSeconds) : 0
    }

    /// The provider settings, with the conventional environment variables as defaults.
    func settings(for provider: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> (baseURL: String, apiKey: String?) {
        let configured = providers[provider]
        let prefix = provider.uppercased()
        let defaultBase = provider == "anthropic" ? "https://api.anthropic.com" : "https://api.openai.com"
        let base = configured?.baseURL ?? environment["\(prefix)_BASE_URL"] ?? defaultBase
        let key = configured?.apiKey ?? configured?.apiKeyEnv.flatMap { environment[$0] } ?? environment["\(prefix)_API_KEY"]
        return (base.hasSuffix("/") ? String(base.dropLast()) : base, key)
    }
}

/// A configuration problem, found before any call.
public struct GatewayError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
