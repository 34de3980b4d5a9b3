import Foundation
import Hummingbird

/// Refuses what a web page could send to `reprise dev`, which serves loopback without tokens.
///
/// A page the developer has open can POST to `http://127.0.0.1:8233` (a cross-site request), or
/// rebind its own host name to 127.0.0.1 and then read the answers (DNS rebinding). Neither can
/// pass these checks:
/// - `Host` names the loopback address (`127.0.0.1`, `localhost` or `[::1]`), so a rebound name fails;
/// - an `Origin`, when sent, is the server's own (`http://` + `Host`), so another site's page fails;
/// - a write is `application/json`, which a page cannot send cross-site without a CORS preflight
///   that this server never grants.
struct LoopbackOnlyMiddleware<Context: RequestContext>: RouterMiddleware {
    static var loopbackHosts: Set<String> { ["127.0.0.1", "localhost", "[::1]"] }

    func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        guard let host = request.head.authority, Self.loopbackHosts.contains(Self.hostName(host).lowercased()) else {
            throw APIError(
                .forbidden, code: "CrossSiteRequestRefused",
                "reprise dev answers only requests for a loopback host (127.0.0.1, localhost, [::1]); this one named another")
        }
        if let origin = request.headers[.origin], origin.lowercased() != "http://\(host.lowercased())" {
            throw APIError(
                .forbidden, code: "CrossSiteRequestRefused",
                "reprise dev refuses requests from another origin (a web page); use the CLI or curl")
        }
        if request.method != .get && request.method != .head && request.method != .options {
            let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
            guard type == "application/json" else {
                throw APIError(
                    .unsupportedMediaType, code: "UnsupportedMediaType",
                    "reprise dev takes writes only as Content-Type: application/json (so a web page cannot send them)")
            }
        }
        return try await next(request, context)
    }

    /// The host part of a `Host` header: `127.0.0.1:8233` → `127.0.0.1`, `[::1]:8233` → `[::1]`.
    static func hostName(_ header: String) -> Substring {
        if header.hasPrefix("["), let end = header.firstIndex(of: "]") { return header[...end] }
        return header.split(separator: ":", maxSplits: 1).first ?? Substring(header)
    }
}
