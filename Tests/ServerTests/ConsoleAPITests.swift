import Foundation
import RepriseTesting
import Testing

@testable import Server

/// The operator console's files at `/ui/` and `GET /api/v1/whoami`, which tells the console what
/// the token may do (docs/ui.md). The console itself is tested in a browser (scripts/ui-test.sh).
@Suite("HTTP API: the console and whoami")
struct ConsoleAPITests {
    @Test func everyConsoleFileIsServedWithItsTypeAndTheSecurityHeaders() async throws {
        try await APIHarness.run { api in
            for (name, file) in ConsoleFile.files {
                let response = try await api.client.executeRequest(uri: "/ui/\(name)", method: .get, headers: [:], body: nil)
                #expect(response.status == .ok, "\(name)")
                #expect(response.headers[.contentType] == file.contentType, "\(name)")
                #expect(Array(response.body.readableBytesView) == file.bytes, "\(name)")
                let policy = try #require(response.headers[.contentSecurityPolicy], "\(name)")
                #expect(policy.contains("default-src 'self'") && policy.contains("frame-ancestors 'none'"))
                #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"))
                #expect(response.headers[.xContentTypeOptions] == "nosniff", "\(name)")
            }
            // The page needs no token: it asks for one, then calls the API with it.
            for path in ["/ui", "/ui/"] {
                let page = try await api.client.executeRequest(uri: path, method: .get, headers: [:], body: nil)
                #expect(page.status == .ok && page.headers[.contentType] == "text/html; charset=utf-8", "\(path)")
                #expect(String(buffer: page.body).contains("<script type=\"module\" src=\"/ui/main.js\">"))
            }
            // Every file of the console's folder is served (a module left out of the table would
            // break the page only in a browser), and nothing else is.
            let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Sources/Server/UI")
            let onDisk = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            #expect(Set(ConsoleFile.files.keys) == Set(onDisk), "Sources/Server/UI holds \(onDisk.sorted())")
        }
    }

    @Test func noPathOutsideTheConsoleFilesIsServed() async throws {
        try await APIHarness.run { api in
            let hostile = [
                "/ui/../../etc/passwd", "/ui/%2e%2e/%2e%2e/etc/passwd", "/ui/%2e%2e/", "/ui/..%2f..%2fetc%2fpasswd", "/ui/%2fetc%2fpasswd",
                "/ui/main.js%00.html", "/ui/Main.js", "/ui/./main.js.map", "/ui/APIServer+UI.swift", "/ui/UI/index.html",
                "/ui/index.html/../../Package.swift", "/ui/%5c..%5cPackage.swift", "/ui/" + String(repeating: "a", count: 2000),
            ]
            for path in hostile {
                let response = try await api.client.executeRequest(uri: path, method: .get, headers: [:], body: nil)
                #expect(response.status == .notFound, "\(path): \(response.status)")
                #expect(!String(buffer: response.body).contains("root:"), "\(path)")
            }
            // A write to a console path is not routed either.
            let post = try await api.send(.post, "/ui/main.js", body: "{}")
            #expect(post.status == 405 || post.status == 404, "\(post.status)")
            // Only `reprise dev` sends / to the console; a server answers it as an unknown route.
            #expect(try await api.send(.get, "/", token: .some(nil)).status == 404)
        }
    }

    @Test func theDevServerRedirectsTheRootToTheConsole() async throws {
        try await APIHarness.run(insecure: true, configure: { $0.redirectRootToConsole = true }) { api in
            let response = try await api.client.executeRequest(uri: "/", method: .get, headers: [:], body: nil)
            #expect(response.status == .found)
            #expect(response.headers[.location] == "/ui/")
        }
    }

    @Test func whoamiTellsATokenItsRoleAndNamespace() async throws {
        try await APIHarness.run { api in
            for role in ["reader", "writer", "operator"] {
                let token = try await api.token("default", role)
                let reply = try await api.send(.get, "/api/v1/whoami", token: .some(token))
                #expect(reply.status == 200, "\(reply.text)")
                #expect(reply.json["role"] == .string(role))
                #expect(reply.json["namespace"] == .string("default"))
                #expect(reply.json["tokenRequired"] == .bool(true))
            }
            let admin = try await api.send(.get, "/api/v1/whoami")
            #expect(admin.json["role"] == .string("admin") && admin.json["namespace"] == .null, "\(admin.text)")
            let metrics = try await api.send(.get, "/api/v1/whoami", token: .some(try await api.token("default", "metrics")))
            #expect(metrics.json["role"] == .string("metrics") && metrics.json["namespace"] == .null, "\(metrics.text)")
            // No token, a wrong one, or a header of another scheme: 401, which is what makes the console ask.
            for bad in [nil, "rp_" + String(repeating: "0", count: 64), ""] as [String?] {
                let reply = try await api.send(.get, "/api/v1/whoami", token: .some(bad))
                #expect(reply.status == 401 && reply.json["error"]?["code"] == .string("Unauthorized"), "\(String(describing: bad)): \(reply.text)")
            }
            let basic = try await api.send(.get, "/api/v1/whoami", token: .some(nil), headers: [.authorization: "Basic YWRtaW46YWRtaW4="])
            #expect(basic.status == 401)
        }
    }

    @Test func whoamiOnAServerWithoutTokensIsAdminAndSaysSo() async throws {
        try await APIHarness.run(insecure: true) { api in
            let reply = try await api.send(.get, "/api/v1/whoami", token: .some(nil))
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["role"] == .string("admin"))
            #expect(reply.json["tokenRequired"] == .bool(false))
        }
    }
}
