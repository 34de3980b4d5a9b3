import Gateway
import Workflow

/// The built-in activities. Filled by the gateway and media issues.
public enum BuiltInActivities {}
