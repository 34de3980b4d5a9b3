import Foundation

/// Which destinations a worker's outbound HTTP calls (`http.request`, the LLM gateway's
/// providers) may reach.
///
/// Addresses on the internet are allowed. Loopback, link-local (cloud metadata at
/// 169.254.169.254), private, multicast, unspecified and reserved addresses are refused unless
/// the allow-list names them, by network (`10.1.0.0/16`, `127.0.0.1`) or by host name
/// (`ollama.internal`). The host is resolved and *every* address it resolves to is checked
/// before any connection is made.
///
/// The HTTP client resolves the name again when it connects, so a DNS server that answers a
/// public address to the check and a private one to the connection (DNS rebinding) is not
/// stopped; an IP literal in the URL has no such window. See `docs/security-media.md`.
///
/// ## Usage
/// ```swift
/// let policy = try EgressPolicy(allowList: "10.1.0.0/16, ollama.internal")
/// try await policy.check(url: "http://169.254.169.254/latest/meta-data/")  // throws EgressRefusal
/// ```
public struct EgressPolicy: Sendable, Hashable {
    /// Networks that are allowed whatever their class.
    public var allowedNetworks: [IPNetwork]
    /// Host names (lowercased, without a trailing dot) that are allowed whatever they resolve to.
    public var allowedHosts: Set<String>

    /// Internet addresses only: what `reprise worker` and `reprise server` start with.
    public init(allowedNetworks: [IPNetwork] = [], allowedHosts: Set<String> = []) {
        self.allowedNetworks = allowedNetworks
        self.allowedHosts = Set(allowedHosts.map(Self.normalized))
    }

    /// Parses an allow-list: a comma-separated list of CIDRs, addresses and host names, as
    /// `REPRISE_EGRESS_ALLOW` holds it.
    ///
    /// - Throws: ``EgressConfigurationError`` naming an entry that is neither.
    public init(allowList: String) throws {
        self.init()
        for entry in allowList.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            if let network = IPNetwork(entry) {
                allowedNetworks.append(network)
            } else if entry.contains("/") || !Self.isHostName(entry) {
                throw EgressConfigurationError(entry: entry)
            } else {
                allowedHosts.insert(Self.normalized(entry))
            }
        }
    }

    /// This policy, also allowing the loopback networks and `localhost`: `reprise dev`'s.
    public func allowingLoopback() -> EgressPolicy {
        var policy = self
        policy.allowedNetworks += [IPNetwork("127.0.0.0/8")!, IPNetwork("::1/128")!]
        policy.allowedHosts.insert("localhost")
        return policy
    }

    /// Checks a URL before a call: an `http`/`https` URL whose host is allowed by name or whose
    /// every address is a global one or in an allowed network.
    ///
    /// - Throws: ``EgressRefusal``.
    public func check(url: String) async throws {
        // Parsed as the HTTP client parses it (Foundation's URL), so both see the same host.
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = parsed.host, !host.isEmpty
        else { throw EgressRefusal(host: url, reason: .invalidURL) }
        try await check(host: host)
    }

    /// Checks a host name or IP literal.
    ///
    /// - Throws: ``EgressRefusal``.
    public func check(host: String) async throws {
        let host = Self.normalized(host)
        if allowedHosts.contains(host) { return }
        let addresses = try await HostResolver.addresses(of: host)
        guard !addresses.isEmpty else { throw EgressRefusal(host: host, reason: .unresolvable) }
        for address in addresses {
            let addressClass = AddressClass(address)
            if addressClass != .global && !allowedNetworks.contains(where: { $0.contains(address) }) {
                throw EgressRefusal(host: host, reason: .address(address, addressClass))
            }
        }
    }

    private static func normalized(_ host: String) -> String {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.hasSuffix(".") ? String(host.dropLast()) : host
    }

    private static func isHostName(_ entry: String) -> Bool {
        entry.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d || $0 == 0x2e }
    }
}

/// An allow-list entry that is neither a network nor a host name.
public struct EgressConfigurationError: Error, Sendable, CustomStringConvertible {
    public var entry: String
    public var description: String { "REPRISE_EGRESS_ALLOW: \"\(entry)\" is neither a CIDR, an IP address nor a host name" }
}
