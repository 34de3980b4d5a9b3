import Crypto
import Foundation
import HTTPTypes

/// How a source signs its deliveries (docs/webhooks.md).
enum WebhookSignatureScheme: Sendable, Equatable {
    /// Stripe's: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, each `v1` an
    /// HMAC-SHA256 of `"<t>.<raw body>"` under the endpoint's secret; `t` within
    /// ``WebhookSignature/tolerance`` of the server's clock.
    case stripe
    /// A plain HMAC-SHA256 of the raw body under the secret, in a header:
    /// `<header>: sha256=<hex>`.
    case hmacSHA256(header: HTTPField.Name)

    static let stripeHeader = HTTPField.Name("Stripe-Signature")!
    static let defaultHMACHeader = "X-Reprise-Signature"
}

/// Why a delivery's signature was refused: the `reason` label of
/// `reprise_webhook_rejected_total`, a fixed set so no caller picks a label value.
enum WebhookRejection: String, Sendable, CaseIterable {
    case unknownSource = "unknown_source"
    case namespaceNotAllowed = "namespace_not_allowed"
    case missingSecret = "missing_secret"
    case missingSignature = "missing_signature"
    case malformedSignature = "malformed_signature"
    case staleTimestamp = "stale_timestamp"
    case badSignature = "bad_signature"
}

/// Checks a delivery's signature.
enum WebhookSignature {
    /// How far a Stripe timestamp may be from the server's clock, either way: Stripe's default.
    static let tolerance: TimeInterval = 300

    /// Checks `body` against the signature headers under `secret`.
    ///
    /// - Returns: nil when the signature holds, else why not.
    static func check(_ scheme: WebhookSignatureScheme, headers: HTTPFields, body: [UInt8], secret: String, now: Date) -> WebhookRejection? {
        let key = SymmetricKey(data: Array(secret.utf8))
        switch scheme {
        case .stripe:
            guard let header = headers[WebhookSignatureScheme.stripeHeader] else { return .missingSignature }
            var timestamp: Int64?
            var signatures: [[UInt8]] = []
            for element in header.split(separator: ",") {
                let pair = element.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2 else { return .malformedSignature }
                switch pair[0] {
                case "t":
                    guard timestamp == nil, let value = Int64(pair[1]) else { return .malformedSignature }
                    timestamp = value
                case "v1":
                    // A value that is not a SHA-256 in hex can never match: skipped, as Stripe's libraries do.
                    if let bytes = hexBytes(pair[1]), bytes.count == SHA256.byteCount { signatures.append(bytes) }
                default: continue  // v0 and schemes to come
                }
            }
            guard let timestamp else { return .malformedSignature }
            guard !signatures.isEmpty else { return .missingSignature }
            guard abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance else { return .staleTimestamp }
            let signed = Array("\(timestamp).".utf8) + body
            // Every value is checked, in constant time each, so the time taken does not say which matched.
            let matched = signatures.reduce(false) { $0 || HMAC<SHA256>.isValidAuthenticationCode($1, authenticating: signed, using: key) }
            return matched ? nil : .badSignature
        case .hmacSHA256(let name):
            guard let header = headers[name] else { return .missingSignature }
            guard header.hasPrefix("sha256="), let bytes = hexBytes(header.dropFirst("sha256=".count)), bytes.count == SHA256.byteCount else {
                return .malformedSignature
            }
            return HMAC<SHA256>.isValidAuthenticationCode(bytes, authenticating: body, using: key) ? nil : .badSignature
        }
    }

    /// Lowercase or uppercase hex as bytes; nil for anything else.
    static func hexBytes(_ text: some StringProtocol) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count.isMultiple(of: 2), digits.count <= 256 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
