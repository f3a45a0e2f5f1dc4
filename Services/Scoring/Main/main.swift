import Scoring
// Replaced when the service lands.
print("scoring: not built yet")
