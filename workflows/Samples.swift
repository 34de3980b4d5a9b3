import Activities
import Workflow

/// The sample workflows. Filled by the samples issue.
public enum Samples {}
