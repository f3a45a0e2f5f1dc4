/// The `notification` service's logic; its executable (Services/Notification/Main) is a thin `main`.
public enum NotificationService {}
