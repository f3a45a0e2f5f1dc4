import Sanctions
// Replaced when the service lands.
print("sanctions: not built yet")
