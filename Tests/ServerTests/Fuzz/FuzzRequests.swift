import Foundation

/// A seeded generator of hostile HTTP requests over every route of the API: random and malformed
/// JSON, wrong types, huge and deep values, invalid UTF-8, control characters, extreme numbers,
/// unknown fields, and SQL and path metacharacters in every string, path segment and query value.
/// The same seed gives the same requests, so a failure can be replayed.
struct FuzzRequests {
    struct Request: Sendable, CustomStringConvertible {
        var method: String
        var path: String
        var body: [UInt8]?
        var description: String {
            "\(method) \(path.prefix(120)) \(body.map { String(decoding: $0.prefix(120), as: UTF8.self) } ?? "")"
        }
    }

    var random: SplitMix64
    /// Names the generator never uses, so that the data under them must stay as it was.
    let protectedNamespace: String

    init(seed: UInt64, protectedNamespace: String) {
        random = SplitMix64(seed: seed)
        self.protectedNamespace = protectedNamespace
    }

    static let routes: [(method: String, template: String)] = [
        ("POST", "/api/v1/namespaces/{ns}/workflows"), ("GET", "/api/v1/namespaces/{ns}/workflows"),
        ("GET", "/api/v1/namespaces/{ns}/workflows/{id}"), ("GET", "/api/v1/namespaces/{ns}/workflows/{id}/history"),
        ("POST", "/api/v1/namespaces/{ns}/workflows/{id}/signals/{name}"), ("POST", "/api/v1/namespaces/{ns}/workflows/{id}/cancel"),
        ("POST", "/api/v1/namespaces/{ns}/workflows/{id}/terminate"), ("POST", "/api/v1/namespaces/{ns}/workflows/{id}/resume"),
        ("GET", "/api/v1/namespaces/{ns}/dead-letters"), ("GET", "/api/v1/namespaces/{ns}/dead-letters/{id}"),
        ("POST", "/api/v1/namespaces/{ns}/dead-letters/{id}/retry"), ("POST", "/api/v1/namespaces/{ns}/dead-letters/{id}/fail"),
        ("POST", "/api/v1/namespaces/{ns}/dead-letters/{id}/resolve"), ("POST", "/api/v1/namespaces"), ("GET", "/api/v1/namespaces"),
        ("POST", "/api/v1/namespaces/{ns}/tokens"), ("POST", "/api/v1/namespaces/{ns}/llm/complete"),
        ("GET", "/api/v1/namespaces/{ns}/llm/usage"), ("GET", "/api/v1/namespaces/{ns}/llm/budgets"), ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"),
        ("GET", "/openapi.json"), ("DELETE", "/api/v1/namespaces/{ns}/workflows/{id}"), ("PUT", "/api/v1/{name}"),
    ]

    static let fields = [
        "workflowId", "type", "taskQueue", "input", "idReusePolicy", "idConflictPolicy", "executionTimeout", "searchAttributes", "memo",
        "reason", "result", "message", "name", "retentionDays", "role", "taskClass", "messages", "maxTokens", "model", "tenant",
        "maxRunCalls", "maxRunCostUSD", "system", "content", "temperature", "runId", "requestId",
    ]
    static let queryKeys = [
        "status", "type", "limit", "pageToken", "runId", "afterEventId", "filter", "pageSize", "state", "groupBy", "wait", "requestId", "x", "query",
    ]
    static let hostileStrings = [
        "", "a", "default", "ghost", "Waiter", "main", "Running", "AllowDuplicate", "UseExisting", "TerminateExisting", "writer", "admin",
        "metrics", "30s", "1e300s", "inf", "-1", "'; DROP TABLE reprise.workflow_executions; --", "' OR '1'='1", "%", "_", "\\", "\"", "$1",
        "../../etc/passwd", "/", "..", "%00", "%2e%2e%2f", "\u{0}", "\u{1}\u{1f}\u{7f}", "\u{202e}gnp.exe", "😀", "null", "true",
        "00000000-0000-0000-0000-000000000000", "{", "[", "<script>alert(1)</script>", "${jndi:ldap://x}", "\r\nX-Injected: 1",
        "close", "model", "day", "run", "Pending", "All", "1", "0", "9223372036854775807", "-9223372036854775809",
        // List queries (`?query=`), well-formed and not.
        "WorkflowId = 'x'' OR 1=1 --'", "score > 1e400", "((((a = 1", "`x\u{0}` = \"y\"", "a IN ()", "StartTime > 'now'",
        "customer = 'acme' AND score >= 10 OR vip = true", "ExecutionStatus IN ('Running', 'Paused')",
    ]
    static let numbers = [
        "0", "-0", "1", "-1", "1.5", "1e308", "-1e308", "1e-400", "1e400", "9223372036854775807", "9223372036854775808",
        "-9223372036854775809", "18446744073709551616", "2147483648", "1e10", "0.000001", "123456789012345678901234567890",
    ]

    /// The next request.
    mutating func next() -> Request {
        let route = Self.routes[random.below(Self.routes.count)]
        var path = route.template
        for placeholder in ["{ns}", "{id}", "{name}"] where path.contains(placeholder) {
            path = path.replacingOccurrences(of: placeholder, with: pathSegment(placeholder))
        }
        if random.chance(0.5) { path += "?" + (0..<random.below(4)).map { _ in query() }.joined(separator: "&") }
        let method = random.chance(0.05) ? ["PATCH", "OPTIONS", "HEAD", "BREW"][random.below(4)] : route.method
        let body: [UInt8]?
        if method == "GET" || method == "HEAD" {
            body = nil
        } else if random.chance(0.6), let shape = Self.shapes.first(where: { route.template.hasSuffix($0.suffix) }) {
            body = nearlyValid(shape.fields)
        } else {
            body = self.body()
        }
        return Request(method: method, path: path, body: body)
    }

    /// The body fields each route takes, with a valid value for each: a nearly valid body keeps them
    /// all but one or two, which get hostile values, so that the request gets past decoding and
    /// its values reach the code behind.
    static let shapes: [(suffix: String, fields: [(String, String)])] = [
        ("/workflows", [
            ("workflowId", #""fuzz-1""#), ("type", #""Waiter""#), ("taskQueue", #""main""#), ("input", #"{"a":1}"#),
            ("idReusePolicy", #""AllowDuplicate""#), ("idConflictPolicy", #""UseExisting""#), ("executionTimeout", #""1h""#),
            ("searchAttributes", #"{"k":"v"}"#), ("memo", #"{"m":1}"#), ("requestId", #""fuzz-request""#),
        ]),
        ("/terminate", [("reason", #""fuzz""#)]),
        ("/retry", [("input", "1")]), ("/fail", [("message", #""no""#)]), ("/resolve", [("result", "1")]),
        ("/namespaces", [("name", #""fuzzns""#), ("retentionDays", "3")]),
        ("/tokens", [("role", #""reader""#)]),
        ("/llm/complete", [
            ("taskClass", #""icp_score""#), ("messages", #"[{"role":"user","content":"hi"}]"#), ("maxTokens", "100"),
            ("temperature", "0"), ("cachePrefix", "0"), ("cache", #""exact""#), ("tenant", #""default""#), ("userId", #""u""#),
            ("maxRunUSD", "1"), ("maxRunCalls", "3"), ("system", #""s""#),
        ]),
    ]

    private mutating func nearlyValid(_ fields: [(String, String)]) -> [UInt8] {
        var members = fields
        for _ in 0..<(1 + random.below(2)) {
            let index = random.below(members.count)
            members[index].1 = random.chance(0.5) ? Self.numbers[random.below(Self.numbers.count)] : value(depth: 2)
        }
        if random.chance(0.2) { members.append((hostileString(), value(depth: 1))) }
        return Array(("{" + members.map { jsonString($0.0) + ":" + $0.1 }.joined(separator: ",") + "}").utf8)
    }

    /// Mostly names that exist (so the request reaches the route's code), else hostile ones.
    private mutating func pathSegment(_ placeholder: String) -> String {
        let known = ["{ns}": "default", "{id}": "fuzz-1", "{name}": "approve"][placeholder] ?? "x"
        var text = random.chance(0.65) ? known : random.chance(0.6) ? hostileString() : ["ghost", "w1", "fuzz", "approve"][random.below(4)]
        if text == protectedNamespace { text = "not-" + text }
        return text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "x"
    }

    private mutating func query() -> String {
        let key = Self.queryKeys[random.below(Self.queryKeys.count)]
        var value = random.chance(0.3) ? Self.numbers[random.below(Self.numbers.count)] : hostileString()
        // A long-poll may hold for its whole wait by design; the fuzz asks for none.
        if key == "wait" && ["true", "1", ""].contains(value) { value = "maybe" }
        return key + "=" + (value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
    }

    private mutating func hostileString() -> String {
        switch random.below(6) {
        case 0: return String(repeating: "x", count: [1_001, 5_000, 70_000][random.below(3)])
        case 1: return String((0..<random.below(12)).map { _ in Character(Unicode.Scalar(UInt8(random.below(128)))) })
        default: return Self.hostileStrings[random.below(Self.hostileStrings.count)]
        }
    }

    /// A body: JSON with known and unknown fields of any type, or something that is not JSON at all.
    private mutating func body() -> [UInt8]? {
        switch random.below(12) {
        case 0: return nil
        case 1: return [0xff, 0xfe, 0xc3, 0x28, 0x7b, 0x22, 0xe2, 0x82]  // invalid UTF-8
        case 2: return Array(String(repeating: "[", count: 10_000).utf8)  // deep
        case 3: return Array((String(repeating: "{\"a\":", count: 600) + "1" + String(repeating: "}", count: 600)).utf8)
        case 4: return (0..<random.below(64)).map { _ in UInt8(random.below(256)) }
        case 5: return Array(("{\"workflowId\":\"" + String(repeating: "y", count: 3 << 20) + "\"}").utf8)  // over the body limit
        default:
            let count = random.below(6)
            var members: [String] = []
            for _ in 0..<count {
                let key = random.chance(0.8) ? Self.fields[random.below(Self.fields.count)] : hostileString()
                members.append(jsonString(key) + ":" + value(depth: 0))
            }
            return Array(("{" + members.joined(separator: ",") + "}").utf8)
        }
    }

    private mutating func value(depth: Int) -> String {
        switch random.below(depth > 3 ? 4 : 7) {
        case 0: return Self.numbers[random.below(Self.numbers.count)]
        case 1: return jsonString(hostileString())
        case 2: return ["null", "true", "false", "\"\\ud800\"", "\"\\u0000\""][random.below(5)]
        case 3: return jsonString(Self.hostileStrings[random.below(Self.hostileStrings.count)])
        case 4: return "[" + (0..<random.below(4)).map { _ in value(depth: depth + 1) }.joined(separator: ",") + "]"
        default:
            return "{" + (0..<random.below(4)).map { _ in jsonString(hostileString()) + ":" + value(depth: depth + 1) }.joined(separator: ",")
                + "}"
        }
    }

    /// A JSON string literal of `text`, every character escaped as JSON requires.
    private func jsonString(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// A small seeded PRNG (SplitMix64): the fuzz must be reproducible, which the system RNG is not.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func nextUInt64() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(nextUInt64() % UInt64(bound)) }
    mutating func chance(_ probability: Double) -> Bool { Double(nextUInt64() % 1_000_000) < probability * 1_000_000 }
}
