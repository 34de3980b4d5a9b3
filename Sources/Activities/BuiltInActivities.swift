import Gateway
import Workflow

/// The activities Reprise ships, registered by `reprise dev` and `reprise worker`.
public enum BuiltInActivities {
    /// Every built-in activity; `llm.complete` calls through the given gateway.
    public static func all(gateway: Gateway) -> [any Activity] { [MediaProbe(), TranscodeHLS(), LLMComplete(gateway: gateway)] }
}
