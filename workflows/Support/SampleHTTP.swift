import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Workflow

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

    /// How much of an error answer's body a failure keeps: it goes into the run's history.
    static let excerptBytes = 256

    /// The failure for a non-2xx answer: retryable for a 5xx or a 429, not for any other status.
    /// It carries the status and at most ``excerptBytes`` of the body, marked when cut.
    func failure(service: String) -> ApplicationFailure {
        let retryable = status >= 500 || status == 429
        return ApplicationFailure(
            "\(service) answered \(status): \(excerpt)", type: retryable ? "ServiceUnavailable" : "HTTPStatus\(status)", nonRetryable: !retryable,
            details: .object(["status": .int(Int64(status)), "bodyBytes": .int(Int64(body.utf8.count))]))
    }

    /// The body's first ``excerptBytes`` bytes (whole characters only), with
    /// `… [truncated: N of M bytes]` when it is longer.
    var excerpt: String {
        let size = body.utf8.count
        guard size > Self.excerptBytes else { return body }
        var kept = ""
        var keptBytes = 0
        for character in body {
            let width = character.utf8.count
            guard keptBytes + width <= Self.excerptBytes else { break }
            kept.append(character)
            keptBytes += width
        }
        return "\(kept)… [truncated: \(keptBytes) of \(size) bytes]"
    }

    /// The body as JSON, or `null`.
    var json: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))) ?? .null }
}
