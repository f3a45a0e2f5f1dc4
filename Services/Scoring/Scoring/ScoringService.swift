/// The `scoring` service's logic; its executable (Services/Scoring/Main) is a thin `main`.
public enum ScoringService {}
