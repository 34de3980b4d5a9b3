import Foundation
import Gateway
@testable import Samples
import Testing
import TestSupport
import Workflow

/// `http.request` reaches only what the worker's egress policy allows, follows no redirect, and
/// keeps no full error body. Every server here listens on 127.0.0.1; a refused address is refused
/// before any connection, so no test sends anything elsewhere.
@Suite("http.request egress")
struct HTTPRequestEgressTests {
    static let loopback = try! EgressPolicy(allowList: "127.0.0.1")

    @Test func loopbackIsRefusedByDefaultAndAllowedWhenListed() async throws {
        let server = StandInProvider(paths: ["/hook"]) { _, _ in .init(body: .object(["ok": .bool(true)])) }
        try await server.run {
            let refused = await #expect(throws: ApplicationFailure.self) { try await HTTPRequest().run(input: .init(url: server.baseURL + "/hook", body: "{}")) }
            #expect(refused?.type == "EgressRefused" && refused?.nonRetryable == true, "\(String(describing: refused))")
            #expect(refused?.details?["addressClass"] == .string("loopback"))
            #expect(server.requests.isEmpty)
            let allowed = try await HTTPRequest(egress: Self.loopback).run(input: .init(url: server.baseURL + "/hook", body: "{}"))
            #expect(allowed.status == 200 && server.requests.count == 1)
        }
    }

    @Test func cloudMetadataAndPrivateAddressesAreRefusedNamingTheirClass() async throws {
        for (url, addressClass) in [("http://169.254.169.254/latest/meta-data/iam/", "linkLocal"), ("http://10.0.0.1/admin", "private")] {
            for http in [HTTPRequest(), HTTPRequest(egress: Self.loopback)] {
                let refused = await #expect(throws: ApplicationFailure.self) { try await http.run(input: .init(method: "GET", url: url)) }
                #expect(refused?.type == "EgressRefused" && refused?.nonRetryable == true, "\(url)")
                #expect(refused?.details?["addressClass"] == .string(addressClass), "\(url)")
                #expect(refused?.message.contains(addressClass) == true, "\(url)")
            }
        }
    }

    @Test func aRedirectIsNotFollowed() async throws {
        let server = StandInProvider(paths: ["/to-self", "/to-metadata", "/landed"]) { received, _ in
            switch received.path {
            case "/to-self": .init(status: 307, headers: ["location": "/landed"], body: .null)
            case "/to-metadata": .init(status: 307, headers: ["location": "http://169.254.169.254/latest/meta-data/"], body: .null)
            default: .init(body: .object(["landed": .bool(true)]))
            }
        }
        try await server.run {
            let http = HTTPRequest(egress: Self.loopback)
            // First to itself, so that a client that follows redirects shows it without leaving 127.0.0.1.
            let toSelf = await #expect(throws: ApplicationFailure.self) { try await http.run(input: .init(url: server.baseURL + "/to-self", body: "{}")) }
            try #require(!server.requests.contains { $0.path == "/landed" }, "http.request followed a redirect")
            #expect(toSelf?.type == "HTTPRedirectNotFollowed" && toSelf?.nonRetryable == true)
            let toMetadata = await #expect(throws: ApplicationFailure.self) {
                try await http.run(input: .init(url: server.baseURL + "/to-metadata", body: "{}"))
            }
            #expect(toMetadata?.type == "HTTPRedirectNotFollowed")
            #expect(toMetadata?.message.contains("169.254.169.254") == true)
        }
    }

    @Test func aFailureKeepsTheStatusAndAShortMarkedExcerptOfTheBody() async throws {
        let long = String(repeating: "é", count: 4_000) + "END-OF-BODY"
        let server = StandInProvider(paths: ["/missing"]) { _, _ in .init(status: 404, body: .object(["error": .string(long)])) }
        try await server.run {
            let failure = await #expect(throws: ApplicationFailure.self) {
                try await HTTPRequest(egress: Self.loopback).run(input: .init(url: server.baseURL + "/missing", body: "{}"))
            }
            let message = try #require(failure?.message)
            #expect(failure?.type == "HTTPStatus404")
            #expect(!message.contains("END-OF-BODY"))
            #expect(message.contains("… [truncated: ") && message.hasSuffix(" bytes]"), "\(message)")
            guard case .int(let bytes)? = failure?.details?["bodyBytes"] else {
                Issue.record("no bodyBytes in \(String(describing: failure?.details))")
                return
            }
            #expect(bytes > 8_000)
            #expect(message.utf8.count < 256 + 200)
            #expect(failure?.details?["status"] == .int(404))
        }
    }
}
