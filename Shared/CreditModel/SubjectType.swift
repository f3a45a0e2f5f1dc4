/// What kind of subject a code identifies (DESIGN §4); it follows from the code itself.
public enum SubjectType: String, Codable, Sendable, Hashable, CaseIterable {
    /// A natural person, identified by an 18-character resident identity number (GB 11643).
    case person
    /// A company registered with the market regulator: a Unified Social Credit Code starting with `9`.
    case company
    /// A government body, social organisation or other organisation: any other Unified Social Credit Code.
    case organisation
}

/// The registration category of an organisation's Unified Social Credit Code (its first
/// character, the registration authority). Policies may treat government bodies differently.
public enum OrganisationCategory: String, Codable, Sendable, Hashable, CaseIterable {
    /// First character `1`: registered by the establishment office (a government body).
    case governmentBody = "government_body"
    /// First character `5`: registered by civil affairs (a social organisation).
    case socialOrganisation = "social_organisation"
    /// Any other registration authority (e.g. `N` rural collectives, `Y` others).
    case other

    /// The category of a USCC whose first character is `first` (not `9`, which is a company).
    init(registrationAuthority first: UInt8) {
        switch first {
        case UInt8(ascii: "1"): self = .governmentBody
        case UInt8(ascii: "5"): self = .socialOrganisation
        default: self = .other
        }
    }
}
