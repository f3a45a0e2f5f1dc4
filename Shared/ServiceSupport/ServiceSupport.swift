/// Configuration, logging, metrics, HTTP health and graceful shutdown for every service.
public enum ServiceSupport {}
