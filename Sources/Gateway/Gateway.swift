import Store

/// The LLM model-routing gateway. Filled by the gateway issue.
public enum GatewayModule {}
