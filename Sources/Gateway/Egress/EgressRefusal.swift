import Workflow

/// Why a worker did not make an outbound HTTP call.
public struct EgressRefusal: Error, Sendable, CustomStringConvertible {
    /// What was wrong; `unresolvable` may pass, the others never do.
    public enum Reason: Sendable, Hashable {
        /// Not an absolute `http` or `https` URL with a host.
        case invalidURL
        /// The host resolved to an address of this class, which the allow-list does not name.
        case address(IPAddress, AddressClass)
        /// The host has no address (yet): DNS may answer on a retry.
        case unresolvable
    }

    public var host: String
    public var reason: Reason

    public var description: String {
        switch reason {
        case .invalidURL:
            "egress refused: \(host) is not an absolute http(s) URL with a host"
        case .address(let address, let addressClass):
            "egress refused: \(host) resolves to \(address), a \(addressClass.rawValue) address; "
                + "name it in REPRISE_EGRESS_ALLOW (a CIDR or the host name) to allow it"
        case .unresolvable:
            "\(host) does not resolve to any address"
        }
    }

    /// The failure an activity reports: `EgressRefused` (non-retryable) naming the address and its
    /// class in the message and the details, or a retryable `HostUnresolvable`.
    public var applicationFailure: ApplicationFailure {
        switch reason {
        case .invalidURL:
            return ApplicationFailure(description, type: EgressRefusal.failureType, nonRetryable: true, details: .object(["host": .string(host)]))
        case .address(let address, let addressClass):
            return ApplicationFailure(
                description, type: EgressRefusal.failureType, nonRetryable: true,
                details: .object(["host": .string(host), "address": .string(address.description), "addressClass": .string(addressClass.rawValue)]))
        case .unresolvable:
            return ApplicationFailure(description, type: "HostUnresolvable")
        }
    }

    /// The failure type of a refused call.
    public static let failureType = "EgressRefused"
}
