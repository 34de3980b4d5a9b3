import Gateway
import Hummingbird
import Store
import Workflow

/// The HTTP API. Filled by the API issue.
public enum ServerModule {}
