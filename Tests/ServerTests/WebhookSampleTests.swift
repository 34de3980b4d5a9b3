import Foundation
import HTTPTypes
import RepriseTesting
import Testing
import Workflow

@testable import Server

/// Waits for the sample mapping's `paymentSucceeded` signal and returns the invoice id.
struct InvoiceWaiter: Workflow {
    func run(context: WorkflowContext, input: String) async throws -> String {
        let invoice = try await context.waitForSignal("paymentSucceeded", as: JSONValue.self)
        guard case .string(let id)? = invoice?["id"] else { return "\(input): none" }
        return "\(input): \(id)"
    }
}

/// The shipped sample: its mapping file, its recorded signature and the signing script.
@Suite struct WebhookSampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let example = root.appendingPathComponent("workflows/examples/stripe-invoice-payment-succeeded.json").path
    static let secret = "whsec_reprise_demo"

    /// Runs scripts/sign-webhook.sh, as docs/samples.md does.
    static func sign(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = root.appendingPathComponent("scripts/sign-webhook.sh")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestEnvironmentError(message: "sign-webhook.sh exited \(process.terminationStatus)") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The recorded signature is what the script makes, and what the server checks, at its time.
    @Test func theRecordedSignatureIsReproducibleAndValid() throws {
        let recorded = try String(contentsOfFile: Self.root.appendingPathComponent("workflows/examples/stripe-invoice-payment-succeeded.sig").path, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try Self.sign(["stripe", Self.secret, Self.example, "1796601600"]) == recorded)
        let body = Array(try Data(contentsOf: URL(fileURLWithPath: Self.example)))
        let headers: HTTPFields = [HTTPField.Name("Stripe-Signature")!: recorded]
        let at = Date(timeIntervalSince1970: 1_796_601_600)
        #expect(WebhookSignature.check(.stripe, headers: headers, body: body, secret: Self.secret, now: at) == nil)
        #expect(WebhookSignature.check(.stripe, headers: headers, body: body, secret: Self.secret, now: at.addingTimeInterval(301)) == .staleTimestamp)
        #expect(WebhookSignature.check(.stripe, headers: headers, body: body + [0x20], secret: Self.secret, now: at) == .badSignature)
        let generic: HTTPFields = [HTTPField.Name("X-Reprise-Signature")!: try Self.sign(["hmac-sha256", Self.secret, Self.example])]
        #expect(WebhookSignature.check(.hmacSHA256(header: HTTPField.Name("X-Reprise-Signature")!), headers: generic, body: body, secret: Self.secret, now: at) == nil)
    }

    /// The sample mapping and delivery, signed afresh by the script, reach the subscription's workflow.
    @Test func theSampleDeliveryReachesItsWorkflow() async throws {
        let webhooks = WebhookConfiguration(
            mappings: try WebhookMappings.load(path: Self.root.appendingPathComponent("workflows/examples/webhook-mappings.json").path),
            environment: ["REPRISE_WEBHOOK_SECRET_STRIPE": Self.secret])
        try await APIHarness.run(workflows: [InvoiceWaiter.self], configure: { $0.webhooks = webhooks }) { api in
            let started = try await api.send(
                .post, "/api/v1/namespaces/default/workflows", body: #"{"workflowId":"subscription-sub_demo_1","type":"InvoiceWaiter","input":"s"}"#)
            #expect(started.status == 201)
            let body = try String(contentsOfFile: Self.example, encoding: .utf8)
            let signature = try Self.sign(["stripe", Self.secret, Self.example])
            let reply = try await api.send(
                .post, "/api/v1/namespaces/default/webhooks/stripe", token: .some(nil), body: body,
                headers: [HTTPField.Name("Stripe-Signature")!: signature])
            #expect(reply.status == 200, "\(reply.text)")
            try await api.env.waitUntil("the run completes") { try await api.env.describe("subscription-sub_demo_1").status == .completed }
            #expect(try await api.env.describe("subscription-sub_demo_1").result == .string("s: in_demo_1"))
        }
    }
}
