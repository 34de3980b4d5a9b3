/// What `--print-config` prints: each key, its value (secrets redacted) and where it came from,
/// then the variables read from the environment only, outside this scheme.
struct ConfigurationReport {
    let resolved: [ConfigurationLayers.Resolved]
    let environment: [String: String]

    /// Variables other parts of Reprise read directly, and whether each is secret: logging and
    /// tracing are set up before any configuration is read, and the providers' keys belong to
    /// the gateway (docs/gateway.md).
    static let environmentOnly: [(name: String, secret: Bool)] = [
        ("LOG_LEVEL", false), ("LOG_FORMAT", false), ("OTEL_EXPORTER_OTLP_ENDPOINT", false),
        ("OPENAI_API_KEY", true), ("OPENAI_BASE_URL", false), ("ANTHROPIC_API_KEY", true), ("ANTHROPIC_BASE_URL", false),
    ]

    var text: String {
        let width = max(resolved.map(\.key.count).max() ?? 0, 3)
        let valueWidth = min(max(resolved.map(\.value.count).max() ?? 0, 5), 48)
        func row(_ key: String, _ value: String, _ source: String) -> String {
            key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value.padding(toLength: max(valueWidth, value.count), withPad: " ", startingAt: 0)
                + "  " + source
        }
        var lines = [row("KEY", "VALUE", "SOURCE")] + resolved.map { row($0.key, $0.value, $0.source) }
        let set = Self.environmentOnly.filter { environment[$0.name].map { !$0.isEmpty } ?? false }
        if !set.isEmpty {
            lines.append("")
            lines += set.map { row($0.name, $0.secret ? "<redacted>" : environment[$0.name] ?? "", "env (read directly)") }
        }
        return lines.joined(separator: "\n")
    }
}
