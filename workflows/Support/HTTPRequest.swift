import AsyncHTTPClient
import Foundation
import Gateway
import NIOCore
import NIOHTTP1
import Workflow

/// `http.request`: one HTTP call, for webhooks and the like. A 5xx, a 429 or a transport error is
/// retried under the retry policy; any other non-2xx answer fails non-retryably.
///
/// The URL must pass the worker's ``EgressPolicy`` before any connection: loopback, link-local
/// (cloud metadata), private, multicast and unspecified addresses fail non-retryably with
/// `EgressRefused` unless `REPRISE_EGRESS_ALLOW` names them. Redirects are not followed (a 3xx
/// fails with `HTTPRedirectNotFollowed`), so an allowed host cannot bounce the call elsewhere.
/// A failure keeps the status and at most 256 bytes of the answer's body.
public struct HTTPRequest: Activity {
    public static let name = "http.request"

    public struct Input: Codable, Sendable {
        /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`; `POST` by default.
        public var method: String?
        public var url: String
        public var headers: [String: String]?
        /// The body, sent as is.
        public var body: String?
        /// The limit on one attempt, in seconds (up to 3600); 30 by default.
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

    let egress: EgressPolicy

    /// - Parameter egress: where calls may go; internet addresses only by default.
    public init(egress: EgressPolicy = EgressPolicy()) { self.egress = egress }

    /// A client of its own, for the process's lifetime, that never follows a redirect.
    static let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    public func run(input: Input) async throws -> Output {
        let method = HTTPMethod(rawValue: (input.method ?? "POST").uppercased())
        guard ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(method.rawValue), URL(string: input.url)?.host != nil else {
            throw ApplicationFailure("http.request needs an absolute URL and a method of GET, POST, PUT, PATCH or DELETE", type: "InvalidHTTPRequest", nonRetryable: true)
        }
        let timeout = input.timeoutSeconds ?? 30
        guard timeout >= 0.001 && timeout <= 3600 else {
            throw ApplicationFailure("timeoutSeconds must be between 0.001 and 3600, got \(timeout)", type: "InvalidHTTPRequest", nonRetryable: true)
        }
        do {
            try await egress.check(url: input.url)
        } catch let refusal as EgressRefusal {
            throw refusal.applicationFailure
        }
        var request = HTTPClientRequest(url: input.url)
        request.method = method
        for (name, value) in input.headers ?? [:] { request.headers.add(name: name, value: value) }
        if let body = input.body { request.body = .bytes(ByteBuffer(string: body)) }
        let answer = try await SampleHTTP.send(request, with: Self.client, timeout: .seconds(fractional: timeout), service: input.url)
        if (300..<400).contains(answer.status) {
            throw ApplicationFailure(
                "\(input.url) answered \(answer.status) to \(answer.headers.first(name: "location") ?? "no location"); http.request follows no redirect",
                type: "HTTPRedirectNotFollowed", nonRetryable: true, details: .object(["status": .int(Int64(answer.status))]))
        }
        guard (200..<300).contains(answer.status) else { throw answer.failure(service: input.url) }
        return Output(status: answer.status, body: answer.body)
    }
}
