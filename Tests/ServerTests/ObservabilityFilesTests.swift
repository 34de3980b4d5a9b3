import Foundation
import Testing

/// The shipped Grafana dashboard and alert rules (deploy/observability/) read only metrics that
/// Reprise exports. promtool checks the rules' syntax in scripts/test.sh.
@Suite("Dashboard and alert rules")
struct ObservabilityFilesTests {
    static let directory = ObservabilityProcessTests.root.appendingPathComponent("deploy/observability")

    /// The `reprise_` series names an expression reads, histogram suffixes removed.
    static func metrics(in text: String) -> Set<String> {
        Set(text.matches(of: /reprise_[a-z_]+/).map { match in
            var name = String(match.output)
            for suffix in ["_bucket", "_count", "_sum"] where name.hasSuffix(suffix) { name.removeLast(suffix.count) }
            return name
        })
    }

    @Test func theDashboardIsGrafanaJSONOverExportedMetrics() throws {
        let data = try Data(contentsOf: Self.directory.appendingPathComponent("grafana-dashboard.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(dashboard["title"] as? String == "Reprise" && dashboard["uid"] as? String != nil)
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        #expect(panels.count >= 10)
        var read: Set<String> = []
        for panel in panels {
            let targets = try #require(panel["targets"] as? [[String: Any]], "\(panel["title"] ?? "a panel") has no queries")
            for target in targets {
                let expression = try #require(target["expr"] as? String)
                read.formUnion(Self.metrics(in: expression))
            }
        }
        #expect(read.isSubset(of: Set(ObservabilityProcessTests.promised)), "\(read.subtracting(ObservabilityProcessTests.promised))")
        #expect(read.count >= 12)
    }

    @Test func theAlertRulesReadExportedMetrics() throws {
        let rules = try String(contentsOf: Self.directory.appendingPathComponent("alerts.yml"), encoding: .utf8)
        let read = Self.metrics(in: rules)
        #expect(!read.isEmpty && read.isSubset(of: Set(ObservabilityProcessTests.promised)), "\(read.subtracting(ObservabilityProcessTests.promised))")
        for slo in ["availability", "start-latency", "timer-lateness", "recovery", "stuck-runs"] {
            #expect(rules.contains("slo: \(slo)"), "no alert for the \(slo) SLO")
        }
    }
}
