import Foundation
import Logging
import RepriseCommands
import Synchronization
import Testing

/// `LOG_FORMAT=json`: one object per line, with the active span's ids lifted to the top level.
@Suite("JSON log lines")
struct JSONLogTests {
    /// Captures what the handler writes.
    final class Lines: Sendable {
        let written = Mutex<[Data]>([])
        var objects: [[String: Any]] {
            written.withLock { $0 }.compactMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        }
    }

    func logger(_ lines: Lines, provider: Logger.MetadataProvider? = nil) -> Logger {
        Logger(label: "reprise.test") { label in
            JSONLogHandler(label: label, level: .info, metadataProvider: provider) { line in lines.written.withLock { $0.append(line) } }
        }
    }

    @Test func aRecordIsOneLineOfJSONWithItsFieldsAndMetadata() throws {
        let lines = Lines()
        var logger = logger(lines)
        logger[metadataKey: "workflow.id"] = "order-1"
        logger.info("Activity attempt failed\nwith a newline", metadata: ["attempt": "2", "tags": ["a", "b"], "nested": ["k": "v"]])
        logger.debug("below the level")
        let written = lines.written.withLock { $0 }
        #expect(written.count == 1)
        let line = try #require(written.first)
        #expect(line.last == UInt8(ascii: "\n") && line.dropLast().firstIndex(of: UInt8(ascii: "\n")) == nil, "one line, whatever the message holds")
        let object = try #require(lines.objects.first)
        #expect(object["level"] as? String == "info" && object["label"] as? String == "reprise.test")
        #expect(object["message"] as? String == "Activity attempt failed\nwith a newline")
        #expect((object["time"] as? String).flatMap { try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse($0) } != nil)
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["workflow.id"] as? String == "order-1" && metadata["attempt"] as? String == "2")
        #expect(metadata["tags"] as? [String] == ["a", "b"] && (metadata["nested"] as? [String: String]) == ["k": "v"])
        #expect(object["trace_id"] == nil && object["span_id"] == nil, "no span, no ids")
    }

    @Test func theActiveSpansIdsAreTopLevelFields() throws {
        let lines = Lines()
        // What swift-otel's metadata provider gives while a span is active.
        let provider = Logger.MetadataProvider { ["trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7"] }
        logger(lines, provider: provider).info("Calling the provider")
        let object = try #require(lines.objects.first)
        #expect(object["trace_id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(object["span_id"] as? String == "00f067aa0ba902b7")
        #expect((object["metadata"] as? [String: Any])?.isEmpty == true, "the ids are not repeated in the metadata")
    }
}
