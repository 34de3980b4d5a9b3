import RepriseTesting
import Workflow

/// The runtime's tests drive runs one workflow task at a time with RepriseTesting's in-memory harness.
typealias Harness = WorkflowHarness

extension Command {
    var activityType: String? {
        if case .scheduleActivity(let command) = self { return command.activityType }
        return nil
    }
}
