/// What kind of destination an address is, as far as egress is concerned.
public enum AddressClass: String, Sendable, Hashable, CaseIterable {
    case loopback
    /// 169.254/16 and fe80::/10, where cloud metadata services answer (169.254.169.254).
    case linkLocal
    /// 10/8, 172.16/12, 192.168/16, 100.64/10 (carrier-grade NAT), fc00::/7 and fec0::/10.
    case `private`
    case multicast
    /// 0.0.0.0/8 and `::`.
    case unspecified
    /// 240/4 (with 255.255.255.255) and the IPv4-compatible `::/96` block: nothing routes there.
    case reserved
    /// Anything else: an address on the internet.
    case global

    /// The special networks, most specific first where they overlap.
    static let table: [(IPNetwork, AddressClass)] = ([
        ("0.0.0.0/8", .unspecified), ("127.0.0.0/8", .loopback), ("10.0.0.0/8", .private), ("172.16.0.0/12", .private),
        ("192.168.0.0/16", .private), ("100.64.0.0/10", .private), ("169.254.0.0/16", .linkLocal), ("224.0.0.0/4", .multicast),
        ("240.0.0.0/4", .reserved),
        ("::/128", .unspecified), ("::1/128", .loopback), ("::/96", .reserved), ("fc00::/7", .private), ("fec0::/10", .private),
        ("fe80::/10", .linkLocal), ("ff00::/8", .multicast),
    ] as [(String, AddressClass)]).map { (IPNetwork($0.0)!, $0.1) }

    /// The class of an address; IPv4-mapped and NAT64 IPv6 addresses are judged by the IPv4 address they carry.
    public init(_ address: IPAddress) {
        let address = address.unwrappingIPv4
        self = Self.table.first { $0.0.contains(address) }?.1 ?? .global
    }
}
