import Activities
import Workflow

/// The sample workflows and their activities, as `reprise dev` and `reprise worker` register them.
public enum Samples {
    /// Every sample workflow type.
    public static let workflows: [any Workflow.Type] = [CardCheckout.self]

    /// Every sample activity.
    public static let activities: [any Activity] = [DemoCharge()]
}
