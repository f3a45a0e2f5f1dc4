import Ingest
// Replaced when the service lands.
print("ingest: not built yet")
