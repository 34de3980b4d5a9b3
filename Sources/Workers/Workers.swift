import ServiceLifecycle
import Store
import Workflow

/// The worker runtime. Filled by the durable-engine issue.
public enum WorkersModule {}
