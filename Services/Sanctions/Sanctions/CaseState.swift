/// The states of a case (DESIGN §7, contract).
///
/// Sanctions: `proposed` → `noticed` (notice delivered; deadline = delivery + appeal days) →
/// `active` (deadline passed) or `under_appeal` → `active` (upheld) or `withdrawn`
/// (overturned); `active` → `lifted`; a case whose cause disappears before it is active →
/// `withdrawn`. Rewards are granted at once: opened `active`, closed `lifted` (decision `revoked`).
public enum CaseState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Opened; the notice is on its way.
    case proposed
    /// The notice was delivered; the appeal window runs.
    case noticed
    /// The subject appealed; an officer decides.
    case underAppeal = "under_appeal"
    /// The measures are in force (decisions published).
    case active
    /// The measures ended.
    case lifted
    /// Closed before taking effect; nothing was published.
    case withdrawn

    /// Whether the case still counts as the one open case of its (subject, policy).
    public var isOpen: Bool { self != .lifted && self != .withdrawn }

    /// Whether the measures have not taken effect yet (due process still running).
    public var isPending: Bool { self == .proposed || self == .noticed || self == .underAppeal }

    /// Whether `self` may move to `next` in a case of `kind`.
    public func allows(_ next: CaseState, kind: CaseKind) -> Bool {
        switch (kind, self, next) {
        case (.sanction, .proposed, .noticed), (.sanction, .proposed, .underAppeal), (.sanction, .proposed, .withdrawn),
             (.sanction, .noticed, .active), (.sanction, .noticed, .underAppeal), (.sanction, .noticed, .withdrawn),
             (.sanction, .underAppeal, .active), (.sanction, .underAppeal, .withdrawn),
             (_, .active, .lifted):
            true
        default:
            false
        }
    }
}

/// Whether a case carries sanctions (due process) or rewards (granted at once).
public enum CaseKind: String, Sendable, Hashable, Codable {
    /// Sanctions: notice, appeal window, then imposed.
    case sanction
    /// Rewards: granted at once with an informational notice.
    case reward
}
