import Foundation
import Tracing

/// A run's trace context as it is kept with the run (``StartWorkflowRequest/traceContext``): the
/// propagation fields the bootstrapped instrument injects (with OpenTelemetry, W3C `traceparent`
/// and `tracestate`), as a JSON object. Whatever tracer is bootstrapped reads back what it wrote;
/// with none (the no-op tracer) nothing is kept.
public enum RunTraceContext {
    /// The propagation fields of `context` as stored text, or nil when the instrument injects none.
    public static func encode(_ context: ServiceContext) -> String? {
        var fields: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &fields, using: FieldsInjector())
        guard !fields.isEmpty, let data = try? JSONEncoder.sorted.encode(fields) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The context stored `text` continues: a top-level context when there is none, or when it
    /// does not decode (a trace is never worth failing a task for).
    public static func decode(_ text: String?) -> ServiceContext {
        var context = ServiceContext.topLevel
        guard let text, let fields = try? JSONDecoder().decode([String: String].self, from: Data(text.utf8)) else { return context }
        InstrumentationSystem.instrument.extract(fields, into: &context, using: FieldsExtractor())
        return context
    }

    struct FieldsInjector: Injector {
        func inject(_ value: String, forKey key: String, into fields: inout [String: String]) { fields[key] = value }
    }

    struct FieldsExtractor: Extractor {
        func extract(key: String, from fields: [String: String]) -> String? { fields[key] }
    }
}

extension JSONEncoder {
    fileprivate static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }
}
