import Notification
// Replaced when the service lands.
print("notification: not built yet")
