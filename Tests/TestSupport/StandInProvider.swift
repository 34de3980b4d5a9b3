import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization
import Workflow

/// A local HTTP server speaking a provider's wire format (by default the Anthropic Messages and
/// OpenAI chat-completions routes), standing in for it: there is no internet here, and no test may
/// need a real key. Test code only.
package final class StandInProvider: Sendable {
    package struct Received: Sendable {
        package var path: String
        package var headers: [String: String]
        /// The body as JSON, or `null` when it is not JSON (a form, say: see ``text``).
        package var body: JSONValue
        package var text: String
    }

    package struct Reply: Sendable {
        package var status: Int = 200
        package var headers: [String: String] = [:]
        package var body: JSONValue
        /// How long to wait before answering: a slow provider, a call to cancel mid-flight.
        package var delay: Duration = .zero

        package init(status: Int = 200, headers: [String: String] = [:], body: JSONValue, delay: Duration = .zero) {
            self.status = status
            self.headers = headers
            self.body = body
            self.delay = delay
        }
    }

    private let received = Mutex<[Received]>([])
    private let script: @Sendable (Received, Int) -> Reply
    private let port = Mutex<Int?>(nil)
    private let paths: [String]

    /// - Parameters:
    ///   - paths: the POST routes it answers.
    ///   - script: the reply to the n-th request (0-based).
    package init(paths: [String] = ["/v1/messages", "/v1/chat/completions"], _ script: @escaping @Sendable (Received, Int) -> Reply) {
        self.paths = paths
        self.script = script
    }

    package var requests: [Received] { received.withLock { $0 } }
    package var baseURL: String { "http://127.0.0.1:\(port.withLock { $0 } ?? 0)" }

    /// Runs the server for the duration of `body`.
    package func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        let router = Router()
        for path in paths {
            router.post(RouterPath(path)) { request, _ -> Response in
                var request = request
                let buffer = try await request.collectBody(upTo: 1 << 24)
                let json = (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: buffer))) ?? .null
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.canonicalName] = field.value }
                let call = Received(path: path, headers: headers, body: json, text: String(buffer: buffer))
                let index = self.received.withLock { received in
                    received.append(call)
                    return received.count - 1
                }
                let reply = self.script(call, index)
                if reply.delay > .zero { try await Task.sleep(for: reply.delay) }
                var fields = HTTPFields()
                fields[.contentType] = "application/json"
                for (name, value) in reply.headers { fields[HTTPField.Name(name)!] = value }
                return Response(
                    status: .init(code: reply.status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: reply.body.compactDescription)))
            }
        }
        let ready = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in ready.continuation.yield(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "stand-in", factory: { _ in SwiftLogNoOpLogHandler() }))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            defer { group.cancelAll() }
            for await bound in ready.stream {
                port.withLock { $0 = bound }
                break
            }
            return try await body()
        }
    }

    /// A Messages API answer in Anthropic's exact shape.
    package static func anthropic(
        text: String = "ok", model: String = "claude-haiku-4-5", input: Int = 10, output: Int = 5, cacheRead: Int = 0, cacheWrite5m: Int = 0,
        cacheWrite1h: Int = 0
    ) -> JSONValue {
        .object([
            "id": .string("msg_\(UUID().uuidString.prefix(8))"), "type": .string("message"), "role": .string("assistant"), "model": .string(model),
            "content": .array([.object(["type": .string("text"), "text": .string(text)])]),
            "stop_reason": .string("end_turn"), "stop_sequence": .null,
            "usage": .object([
                "input_tokens": .int(Int64(input)), "output_tokens": .int(Int64(output)),
                "cache_read_input_tokens": .int(Int64(cacheRead)), "cache_creation_input_tokens": .int(Int64(cacheWrite5m + cacheWrite1h)),
                "cache_creation": .object([
                    "ephemeral_5m_input_tokens": .int(Int64(cacheWrite5m)), "ephemeral_1h_input_tokens": .int(Int64(cacheWrite1h)),
                ]),
            ]),
        ])
    }

    /// A chat completion in OpenAI's exact shape.
    package static func openAI(text: String = "ok", model: String = "gpt-test", prompt: Int, cached: Int, completion: Int) -> JSONValue {
        .object([
            "id": .string("chatcmpl-\(UUID().uuidString.prefix(8))"), "object": .string("chat.completion"), "created": .int(1_700_000_000),
            "model": .string(model),
            "choices": .array([
                .object([
                    "index": .int(0), "message": .object(["role": .string("assistant"), "content": .string(text)]),
                    "finish_reason": .string("stop"),
                ])
            ]),
            "usage": .object([
                "prompt_tokens": .int(Int64(prompt)), "completion_tokens": .int(Int64(completion)), "total_tokens": .int(Int64(prompt + completion)),
                "prompt_tokens_details": .object(["cached_tokens": .int(Int64(cached))]),
            ]),
        ])
    }

    package static func error(_ type: String, _ message: String) -> JSONValue {
        .object(["type": .string("error"), "error": .object(["type": .string(type), "message": .string(message)])])
    }
}
