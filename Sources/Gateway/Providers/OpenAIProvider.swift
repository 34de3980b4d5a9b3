import Foundation
import NIOHTTP1
import Workflow

/// OpenAI-compatible chat completions: `POST /v1/chat/completions` (OpenAI, vLLM, local servers).
struct OpenAIProvider: LLMProvider {
    let path = "/v1/chat/completions"

    func headers(for call: ProviderCall) -> HTTPHeaders {
        var headers = HTTPHeaders()
        if let key = call.apiKey { headers.add(name: "authorization", value: "Bearer \(key)") }
        return headers
    }

    func body(for call: ProviderCall) throws -> JSONValue {
        let request = call.request
        var messages: [JSONValue] = []
        if let system = request.system { messages.append(.object(["role": .string("system"), "content": .string(system)])) }
        messages += request.messages.map { .object(["role": .string($0.role), "content": .string($0.content)]) }
        var body: [String: JSONValue] = [
            "model": .string(call.target.model), "messages": .array(messages), "max_tokens": .int(Int64(call.maxTokens)),
        ]
        if let temperature = request.temperature { body["temperature"] = .double(temperature) }
        if let user = request.userId { body["user"] = .string(user) }
        return .object(body)
    }

    /// `prompt_tokens` includes `cached_tokens`: the uncached input is the difference.
    func parse(_ json: JSONValue, requestId: String?) throws -> ProviderResult {
        guard case .array(let choices)? = json["choices"], let first = choices.first else {
            throw ProviderFailure(kind: .unavailable, message: "the chat completion has no choices", requestId: requestId)
        }
        let count = ProviderNumbers.tokenCount
        let usage = json["usage"]
        let prompt = count(usage?["prompt_tokens"])
        let cached = count(usage?["prompt_tokens_details"]?["cached_tokens"])
        let content: String = if case .string(let text)? = first["message"]?["content"] { text } else { "" }
        let reason: String? = if case .string(let text)? = first["finish_reason"] { text } else { nil }
        let id: String? = if case .string(let text)? = json["id"] { text } else { nil }
        return ProviderResult(
            content: content, stopReason: reason,
            usage: Usage(inputTokens: max(prompt - cached, 0), outputTokens: count(usage?["completion_tokens"]), cacheReadTokens: cached),
            requestId: requestId ?? id)
    }
}
