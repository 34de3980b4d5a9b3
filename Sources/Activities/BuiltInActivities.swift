import Workflow

/// The activities Reprise ships, registered by `reprise dev` and `reprise worker`.
public enum BuiltInActivities {
    /// Every built-in activity.
    public static var all: [any Activity] { [MediaProbe(), TranscodeHLS()] }
}
