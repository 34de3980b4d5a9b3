import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Workflow

/// `http.request`: one HTTP call, for webhooks and the like. A 5xx, a 429 or a transport error is
/// retried under the retry policy; any other non-2xx answer fails non-retryably.
public struct HTTPRequest: Activity {
    public static let name = "http.request"

    public struct Input: Codable, Sendable {
        /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`; `POST` by default.
        public var method: String?
        public var url: String
        public var headers: [String: String]?
        /// The body, sent as is.
        public var body: String?
        /// The limit on one attempt, in seconds; 30 by default.
        public var timeoutSeconds: Double?

        public init(method: String? = nil, url: String, headers: [String: String]? = nil, body: String? = nil, timeoutSeconds: Double? = nil) {
            self.method = method
            self.url = url
            self.headers = headers
            self.body = body
            self.timeoutSeconds = timeoutSeconds
        }
    }

    public struct Output: Codable, Sendable, Equatable {
        public var status: Int
        public var body: String
    }

    let http: HTTPClient

    public init(http: HTTPClient = .shared) { self.http = http }

    public func run(input: Input) async throws -> Output {
        let method = HTTPMethod(rawValue: (input.method ?? "POST").uppercased())
        guard ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(method.rawValue), URL(string: input.url)?.host != nil else {
            throw ApplicationFailure("http.request needs an absolute URL and a method of GET, POST, PUT, PATCH or DELETE", type: "InvalidHTTPRequest", nonRetryable: true)
        }
        var request = HTTPClientRequest(url: input.url)
        request.method = method
        for (name, value) in input.headers ?? [:] { request.headers.add(name: name, value: value) }
        if let body = input.body { request.body = .bytes(ByteBuffer(string: body)) }
        let answer = try await SampleHTTP.send(request, with: http, timeout: .seconds(fractional: input.timeoutSeconds ?? 30), service: input.url)
        guard (200..<300).contains(answer.status) else { throw answer.failure(service: input.url) }
        return Output(status: answer.status, body: answer.body)
    }
}

/// One HTTP exchange with the outside world, as the samples' providers make it.
struct SampleHTTP {
    var status: Int
    var headers: HTTPHeaders
    var body: String

    /// Sends `request`. The client never retries by itself: the activity's retry policy does.
    ///
    /// - Throws: a retryable `ServiceUnavailable` failure when there was no answer.
    static func send(_ request: HTTPClientRequest, with http: HTTPClient, timeout: Duration, service: String) async throws -> SampleHTTP {
        do {
            let response = try await http.execute(request, timeout: .nanoseconds(Int64(timeout.seconds * 1e9)))
            let body = String(buffer: try await response.body.collect(upTo: 8 << 20))
            return SampleHTTP(status: Int(response.status.code), headers: response.headers, body: body)
        } catch {
            throw ApplicationFailure("\(service) did not answer: \(error)", type: "ServiceUnavailable")
        }
    }

    /// The failure for a non-2xx answer: retryable for a 5xx or a 429, not for any other status.
    func failure(service: String) -> ApplicationFailure {
        let retryable = status >= 500 || status == 429
        return ApplicationFailure(
            "\(service) answered \(status): \(body.prefix(500))", type: retryable ? "ServiceUnavailable" : "HTTPStatus\(status)",
            nonRetryable: !retryable)
    }

    /// The body as JSON, or `null`.
    var json: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))) ?? .null }
}
