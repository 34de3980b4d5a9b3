import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// One exchange with a server over a real HTTP client, where the test chooses every header (`Host`
/// too) and the body: for the tests that must send what a hostile client sends, byte for byte.
struct RealHTTP: Sendable {
    let http: HTTPClient
    /// `http://127.0.0.1:<port>`.
    let base: String

    init(_ http: HTTPClient, port: Int) {
        self.http = http
        self.base = "http://127.0.0.1:\(port)"
    }

    /// Sends `body` with `headers` and returns the status code and the whole answer.
    func send(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        timeout: TimeAmount = .seconds(30)
    ) async throws -> (code: Int, body: ByteBuffer) {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await http.execute(request, timeout: timeout)
        return (Int(response.status.code), try await response.body.collect(upTo: 64 << 20))
    }
}
