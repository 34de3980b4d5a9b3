import Gateway
import Workflow

/// The activities Reprise ships, registered by `reprise dev` and `reprise worker`.
public enum BuiltInActivities {
    /// Every built-in activity: `llm.complete` calls through the given gateway; the media
    /// activities read and write under `media`'s roots only.
    public static func all(gateway: Gateway, media: MediaConfiguration) -> [any Activity] {
        [MediaProbe(media: media), TranscodeHLS(media: media), LLMComplete(gateway: gateway)]
    }
}
