import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Workflow

/// A CLI failure: one clear line on stderr and a non-zero exit.
package struct CLIError: Error, CustomStringConvertible {
    package var message: String
    package var description: String { message }
    package init(message: String) { self.message = message }
}

/// Talks JSON to the Reprise API.
struct APIClient {
    let http: HTTPClient
    let address: String
    let token: String?

    /// Sends a request and returns the response's JSON text; a 4xx/5xx becomes a ``CLIError``
    /// with the server's message.
    func send(_ method: HTTPMethod, _ path: String, body: String? = nil, timeout: Duration = .seconds(60)) async throws -> String {
        var request = HTTPClientRequest(url: address + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        // Every write says it is JSON, even without a body: `reprise dev` refuses writes that do
        // not, since a web page could send those cross-site.
        if method != .GET { request.headers.add(name: "Content-Type", value: "application/json") }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .seconds(Int64(timeout.seconds)))
        } catch {
            throw CLIError(message: "cannot reach the Reprise server at \(address): \(error). Is `reprise dev` running? (--address, REPRISE_ADDRESS)")
        }
        let text = String(buffer: try await response.body.collect(upTo: 64 * 1024 * 1024))
        guard (200..<300).contains(response.status.code) else {
            let json = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            if case .string(let message)? = json?["error"]?["message"], case .string(let code)? = json?["error"]?["code"] {
                throw CLIError(message: "\(code): \(message)")
            }
            throw CLIError(message: "the server answered \(response.status.code): \(text.prefix(200))")
        }
        return text
    }

    /// Sends a request and decodes the JSON response.
    func json(_ method: HTTPMethod, _ path: String, body: String? = nil, timeout: Duration = .seconds(60)) async throws -> (JSONValue, String) {
        let text = try await send(method, path, body: body, timeout: timeout)
        let value = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .null
        return (value, text)
    }
}

/// Reads a JSON argument, failing with a message that names the option.
func parseJSON(_ text: String, option: String) throws -> JSONValue {
    do {
        return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    } catch {
        throw ValidationError("\(option) is not valid JSON: \(text.prefix(80))")
    }
}

/// A JSON option given inline or as a file (`--input` or `--input-file`): nil when neither.
func jsonOption(_ text: String?, file: String?, name: String) throws -> JSONValue? {
    switch (text, file) {
    case (nil, nil): return nil
    case (let text?, nil): return try parseJSON(text, option: name)
    case (nil, let file?):
        guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(name)-file \(file)") }
        return try parseJSON(String(decoding: data, as: UTF8.self), option: "\(name)-file")
    case (.some, .some): throw ValidationError("give \(name) or \(name)-file, not both")
    }
}

/// Percent-encodes a path segment.
func segment(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
}
