import Gateway
import Testing
import Workflow

/// The egress policy on its own: address classes, the allow-list, and refusals of IP literals and
/// names from `/etc/hosts`, which need no DNS and make no connection.
@Suite("Egress policy")
struct EgressPolicyTests {
    @Test(arguments: [
        ("127.0.0.1", AddressClass.loopback), ("127.255.0.9", .loopback), ("::1", .loopback), ("::ffff:127.0.0.1", .loopback),
        ("169.254.169.254", .linkLocal), ("::ffff:169.254.169.254", .linkLocal), ("fe80::1", .linkLocal),
        ("10.0.0.1", .private), ("172.16.5.4", .private), ("172.31.255.255", .private), ("192.168.1.1", .private),
        ("100.64.0.1", .private), ("fc00::1", .private), ("fd12:3456::1", .private), ("64:ff9b::10.0.0.1", .private),
        ("224.0.0.1", .multicast), ("ff02::1", .multicast), ("0.0.0.0", .unspecified), ("::", .unspecified),
        ("255.255.255.255", .reserved), ("172.32.0.1", .global), ("8.8.8.8", .global), ("2606:4700::1111", .global),
    ])
    func addressesAreClassified(_ text: String, _ expected: AddressClass) throws {
        let address = try #require(IPAddress(text))
        #expect(AddressClass(address) == expected, "\(text)")
    }

    @Test func theAllowListTakesNetworksAddressesAndHostNames() throws {
        let policy = try EgressPolicy(allowList: " 10.1.0.0/16, 127.0.0.1 ,ollama.internal., ")
        #expect(policy.allowedNetworks.map(\.description) == ["10.1.0.0/16", "127.0.0.1/32"])
        #expect(policy.allowedHosts == ["ollama.internal"])
        for bad in ["10.0.0.0/33", "not a host", "ftp://x", "a/b"] {
            #expect(throws: EgressConfigurationError.self, "\(bad)") { try EgressPolicy(allowList: bad) }
        }
    }

    @Test func specialAddressesAreRefusedByDefaultWithTheirClass() async throws {
        let policy = EgressPolicy()
        for (url, expected) in [
            ("http://169.254.169.254/latest/meta-data/", AddressClass.linkLocal), ("http://10.0.0.1/", .private), ("http://127.0.0.1:9/", .loopback),
            ("http://[::1]:9/", .loopback), ("http://localhost:9/", .loopback), ("http://2130706433/", .loopback),
            ("http://[::ffff:a9fe:a9fe]/", .linkLocal), ("http://0.0.0.0:9/", .unspecified), ("http://224.0.0.1/", .multicast),
        ] {
            let refusal = await #expect(throws: EgressRefusal.self, "\(url)") { try await policy.check(url: url) }
            guard case .address(_, let addressClass)? = refusal?.reason else {
                Issue.record("\(url): \(String(describing: refusal))")
                continue
            }
            #expect(addressClass == expected, "\(url)")
            let failure = try #require(refusal?.applicationFailure)
            #expect(failure.type == "EgressRefused" && failure.nonRetryable)
            #expect(failure.message.contains(expected.rawValue))
            #expect(failure.details?["addressClass"] == .string(expected.rawValue))
        }
        for url in ["file:///etc/passwd", "gopher://127.0.0.1/", "http:///nohost", "not a url"] {
            let refusal = await #expect(throws: EgressRefusal.self, "\(url)") { try await policy.check(url: url) }
            #expect(refusal?.reason == .invalidURL, "\(url)")
        }
    }

    @Test func anAllowListOpensWhatItNamesAndNothingElse() async throws {
        let policy = try EgressPolicy(allowList: "127.0.0.1,fd00::/8")
        try await policy.check(url: "http://127.0.0.1:8080/v1")
        try await policy.check(url: "http://[fd00::5]/")
        await #expect(throws: EgressRefusal.self) { try await policy.check(url: "http://127.0.0.2/") }
        await #expect(throws: EgressRefusal.self) { try await policy.check(url: "http://169.254.169.254/") }
        let byName = try EgressPolicy(allowList: "LOCALHOST")
        try await byName.check(url: "http://localhost:9/")
        await #expect(throws: EgressRefusal.self) { try await byName.check(url: "http://127.0.0.1:9/") }
        let dev = EgressPolicy().allowingLoopback()
        try await dev.check(url: "http://127.0.0.1:9/")
        try await dev.check(url: "http://[::1]:9/")
        await #expect(throws: EgressRefusal.self) { try await dev.check(url: "http://10.0.0.1/") }
    }
}
