import Foundation
import Logging
import Synchronization

/// Writes each log record to stderr as one JSON object on one line (`LOG_FORMAT=json`): `time`
/// (ISO 8601, UTC), `level`, `label`, `message`, `metadata`, and `trace_id` and `span_id` when a
/// span is active, for a log shipper to parse without a pattern.
package struct JSONLogHandler: LogHandler {
    package let label: String
    package var logLevel: Logger.Level
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?
    /// Where lines go; stderr unless a test captures them.
    let write: @Sendable (Data) -> Void

    /// The keys the tracing metadata provider fills, lifted out of `metadata` to the top level.
    static let traceKeys = ["trace_id", "span_id"]

    package init(
        label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider?,
        write: @escaping @Sendable (Data) -> Void = JSONLogHandler.standardError
    ) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
        self.write = write
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String, file: String, function: String,
        line: UInt
    ) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit { merged.merge(explicit) { _, new in new } }
        var record: [String: Any] = [
            "time": Self.timestamp(Date()), "level": level.rawValue, "label": label, "message": message.description,
        ]
        for key in Self.traceKeys {
            if let value = merged.removeValue(forKey: key) { record[key] = value.description }
        }
        record["metadata"] = merged.mapValues(Self.json)
        guard var line = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        line.append(UInt8(ascii: "\n"))
        write(line)
    }

    /// A metadata value as JSON: strings, arrays and objects as themselves.
    static func json(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(json)
        case .dictionary(let values): values.mapValues(json)
        }
    }

    static func timestamp(_ date: Date) -> String { iso8601.format(date) }
    static let iso8601 = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// One line per call, whole: records from concurrent tasks never interleave.
    package static let standardError: @Sendable (Data) -> Void = { line in
        lock.withLock { _ in FileHandle.standardError.write(line) }
    }
    private static let lock = Mutex(())
}
