import Foundation
import NIOHTTP1
import Workflow

/// The Anthropic Messages API: `POST /v1/messages`.
struct AnthropicProvider: LLMProvider {
    static let version = "2023-06-01"
    let path = "/v1/messages"

    func headers(for call: ProviderCall) -> HTTPHeaders {
        var headers = HTTPHeaders()
        if let key = call.apiKey { headers.add(name: "x-api-key", value: key) }
        headers.add(name: "anthropic-version", value: Self.version)
        return headers
    }

    /// System blocks, messages with text blocks, and `cache_control` breakpoints on the last block
    /// of the stable prefix: the system prompt, and the last message the caller marked stable.
    func body(for call: ProviderCall) throws -> JSONValue {
        let request = call.request
        let breakpoint: JSONValue = .object(["type": .string("ephemeral")])
        var body: [String: JSONValue] = [
            "model": .string(call.target.model),
            "max_tokens": .int(Int64(call.maxTokens)),
        ]
        if let system = request.system {
            var block: [String: JSONValue] = ["type": .string("text"), "text": .string(system)]
            if request.cachePrefix != nil { block["cache_control"] = breakpoint }
            body["system"] = .array([.object(block)])
        }
        let lastStable = (request.cachePrefix ?? 0) - 1
        body["messages"] = .array(
            request.messages.enumerated().map { index, message in
                var block: [String: JSONValue] = ["type": .string("text"), "text": .string(message.content)]
                if index == lastStable { block["cache_control"] = breakpoint }
                return .object(["role": .string(message.role), "content": .array([.object(block)])])
            })
        if let thinking = call.thinking {
            var settings: [String: JSONValue] = ["type": .string(thinking.type)]
            if let budget = thinking.budgetTokens { settings["budget_tokens"] = .int(Int64(budget)) }
            body["thinking"] = .object(settings)
            // Extended thinking requires the default temperature.
        } else if let temperature = request.temperature {
            body["temperature"] = .double(temperature)
        }
        if let user = request.userId { body["metadata"] = .object(["user_id": .string(user)]) }
        return .object(body)
    }

    /// `input_tokens` excludes cached tokens; cache writes are split by duration when reported.
    func parse(_ json: JSONValue, requestId: String?) throws -> ProviderResult {
        guard case .array(let blocks)? = json["content"] else {
            throw ProviderFailure(kind: .unavailable, message: "the Messages API answer has no content", requestId: requestId)
        }
        let text = blocks.compactMap { block -> String? in
            guard block["type"] == .string("text"), case .string(let text)? = block["text"] else { return nil }
            return text
        }.joined()
        let usage = json["usage"]
        let count = ProviderNumbers.tokenCount
        let creation = count(usage?["cache_creation_input_tokens"])
        let fiveMinutes = usage?["cache_creation"]?["ephemeral_5m_input_tokens"]
        let oneHour = count(usage?["cache_creation"]?["ephemeral_1h_input_tokens"])
        return ProviderResult(
            content: text, stopReason: { if case .string(let reason)? = json["stop_reason"] { return reason } else { return nil } }(),
            usage: Usage(
                inputTokens: count(usage?["input_tokens"]), outputTokens: count(usage?["output_tokens"]),
                cacheReadTokens: count(usage?["cache_read_input_tokens"]),
                cacheWrite5mTokens: fiveMinutes != nil ? count(fiveMinutes) : max(creation - oneHour, 0), cacheWrite1hTokens: oneHour),
            requestId: requestId ?? { if case .string(let id)? = json["id"] { return id } else { return nil } }())
    }
}
