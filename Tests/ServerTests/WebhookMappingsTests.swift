import Foundation
import Testing
import Workflow

@testable import Server

/// The mapping file is checked whole at start-up; each error names the key at fault.
@Suite struct WebhookMappingsTests {
    static func error(_ json: String) -> String? {
        do {
            _ = try WebhookMappings(json: Data(json.utf8))
            return nil
        } catch let error as WebhookMappingError {
            return error.description
        } catch {
            return "unexpected \(error)"
        }
    }

    static func source(_ body: String) -> String { #"{"sources":{"stripe":{"scheme":"stripe","events":{"e":\#(body)}}}}"# }

    @Test func badFilesNameTheKeyAtFault() {
        let cases: [(String, String)] = [
            ("not json", "(file)"),
            (#"{"sorces":{}}"#, "(file).sorces"),
            (#"{"sources":{"Stripe":{"scheme":"stripe"}}}"#, "sources.Stripe"),
            (#"{"sources":{"s":{"scheme":"md5","events":{}}}}"#, "sources.s.scheme"),
            (#"{"sources":{"s":{"scheme":"stripe","signatureHeader":"X","events":{}}}}"#, "sources.s.signatureHeader"),
            (#"{"sources":{"s":{"scheme":"stripe"}}}"#, "sources.s.events"),
            (#"{"sources":{"s":{"scheme":"stripe","eventId":"a..b","events":{}}}}"#, "sources.s.eventId"),
            (Self.source(#"{"signal":"x"}"#), "sources.stripe.events.e.workflowId"),
            (Self.source(#"{"workflowId":"w-{a"}"#), "sources.stripe.events.e.signal"),
            (Self.source(#"{"workflowId":"w-{a","signal":"x"}"#), "sources.stripe.events.e.workflowId"),
            (Self.source(#"{"workflowId":"w-}","signal":"x"}"#), "sources.stripe.events.e.workflowId"),
            (Self.source(#"{"workflowId":"w-{}","signal":"x"}"#), "sources.stripe.events.e.workflowId"),
            (Self.source(#"{"workflowId":"w","signal":""}"#), "sources.stripe.events.e.signal"),
            (Self.source(#"{"workflowId":"w","signal":"x","extra":1}"#), "sources.stripe.events.e.extra"),
            (Self.source(#"{"workflowId":"w","signal":"x","signalInput":{"a":["{b."]}}"#), "sources.stripe.events.e.signalInput.a[0]"),
            (Self.source(#"{"workflowId":"w","signal":"x","start":{}}"#), "sources.stripe.events.e.start.type"),
            (Self.source(#"{"workflowId":"w","signal":"x","start":{"type":"T","idReusePolicy":"Never"}}"#), "sources.stripe.events.e.start.idReusePolicy"),
        ]
        for (json, key) in cases {
            let message = Self.error(json)
            #expect(message?.contains("webhook mappings: \(key):") == true, "\(json) → \(message ?? "accepted")")
        }
    }

    @Test func templatesFillFromThePayload() throws {
        let mappings = try WebhookMappings(
            json: Data(Self.source(#"{"workflowId":"w-{a.b}-{list.1}-{{x}}","signal":"s","signalInput":{"whole":"{a}","text":"n={n}"}}"#).utf8))
        let event = try #require(mappings.sources["stripe"]?.events["e"])
        let payload: Payload = .object(["a": .object(["b": .string("B")]), "list": .array([.int(1), .int(2)]), "n": .int(7)])
        #expect(try event.workflowId.render(payload).get() == "w-B-2-{x}")
        #expect(try event.signalInput.render(payload).get() == .object(["whole": .object(["b": .string("B")]), "text": .string("n=7")]))
        #expect((try? event.workflowId.render(.object([:])).get()) == nil)
        #expect((try? event.workflowId.render(.object(["a": .object(["b": .object([:])]), "list": .array([])])).get()) == nil)
    }

    @Test func secretsComeFromTheEnvironmentBySourceName() throws {
        let mappings = try WebhookMappings(json: Data(#"{"sources":{"my-crm":{"scheme":"hmac-sha256","events":{}},"stripe":{"scheme":"stripe","events":{}}}}"#.utf8))
        #expect(WebhookConfiguration.secretVariable(for: "my-crm") == "REPRISE_WEBHOOK_SECRET_MY_CRM")
        let configuration = WebhookConfiguration(mappings: mappings, environment: ["REPRISE_WEBHOOK_SECRET_STRIPE": "whsec_x"])
        #expect(configuration.sourcesWithoutSecret == ["my-crm"])
    }
}
