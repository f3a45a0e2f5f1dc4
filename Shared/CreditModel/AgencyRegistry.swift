import Foundation
import Yams

/// A source agency and the event kinds it may report (its mandate, DESIGN §5).
public struct Agency: Hashable, Sendable {
    /// The id: lowercase letters, digits and `-` (it names the topic `agency.<id>.events`).
    public let id: String
    /// A human-readable name.
    public let name: String
    /// The kinds the agency may report; anything else is `kind_not_permitted`.
    public let kinds: Set<EventKind>

    /// Creates an agency.
    public init(id: String, name: String, kinds: Set<EventKind>) {
        self.id = id
        self.name = name
        self.kinds = kinds
    }
}

/// The agency registry (`deploy/agencies.yaml`): which agencies exist and what each may report.
/// Loading validates ids, duplicates and kinds, naming the line and agency of each problem.
public struct AgencyRegistry: Hashable, Sendable {
    /// The agencies in file order.
    public let agencies: [Agency]
    private let byID: [String: Agency]

    /// A registry of `agencies` (ids assumed unique and valid; use `init(yaml:)` for input).
    public init(agencies: [Agency]) {
        self.agencies = agencies
        self.byID = Dictionary(agencies.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The agency with `id`, if registered.
    public func agency(_ id: String) -> Agency? { byID[id] }

    /// Whether `agency` is registered and may report `kind`.
    public func permits(agency: String, kind: EventKind) -> Bool { byID[agency]?.kinds.contains(kind) ?? false }

    /// Throws `kind_not_permitted` unless `agency` is registered and may report `kind`.
    public func check(agency: String, mayReport kind: EventKind) throws(MessageError) {
        guard let entry = byID[agency] else {
            throw MessageError(.kindNotPermitted, "agency '\(agency)' is not registered", field: "kind")
        }
        guard entry.kinds.contains(kind) else {
            throw MessageError(.kindNotPermitted, "agency '\(agency)' may not report kind '\(kind)'", field: "kind")
        }
    }

    /// Whether `id` is a valid agency id: 1–63 of lowercase letters, digits and `-`, starting
    /// with a letter or digit.
    public static func isValidID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard (1...63).contains(bytes.count), bytes[0] != UInt8(ascii: "-") else { return false }
        return bytes.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == UInt8(ascii: "-") }
    }

    /// Loads the registry file at `url`.
    public static func load(contentsOf url: URL) throws(AgencyRegistryError) -> AgencyRegistry {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw AgencyRegistryError(line: nil, agency: nil, problem: "cannot read \(url.path): \(error)")
        }
        return try AgencyRegistry(yaml: text)
    }

    /// Parses and validates a registry document:
    /// ```yaml
    /// agencies:
    ///   - id: court
    ///     name: People's courts
    ///     kinds: [court.order_ignored, court.order_complied]
    /// ```
    public init(yaml: String) throws(AgencyRegistryError) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw AgencyRegistryError(line: nil, agency: nil, problem: "not valid YAML: \(error)")
        }
        guard let list = root?["agencies"], case .sequence(let entries) = list else {
            throw AgencyRegistryError(line: root?.mark?.line, agency: nil, problem: "expected a list 'agencies'")
        }
        var agencies: [Agency] = []
        var firstLine: [String: Int] = [:]
        for entry in entries {
            let agency = try AgencyRegistry.agency(from: entry)
            let line = entry.mark?.line ?? 0
            if let previous = firstLine[agency.id] {
                throw AgencyRegistryError(line: line, agency: agency.id,
                                          problem: "duplicate agency id (first defined on line \(previous))")
            }
            firstLine[agency.id] = line
            agencies.append(agency)
        }
        self.init(agencies: agencies)
    }

    private static func agency(from node: Node) throws(AgencyRegistryError) -> Agency {
        func fail(_ problem: String, at place: Node? = nil, agency: String? = nil) -> AgencyRegistryError {
            AgencyRegistryError(line: (place ?? node).mark?.line, agency: agency, problem: problem)
        }
        guard case .mapping = node else { throw fail("each agency must be a mapping with id, name and kinds") }
        guard let idNode = node["id"], let id = idNode.string else { throw fail("agency without 'id'") }
        guard isValidID(id) else {
            throw fail("invalid agency id (use lowercase letters, digits and '-')", at: idNode, agency: id)
        }
        guard let kindsNode = node["kinds"], case .sequence(let kindNodes) = kindsNode else {
            throw fail("agency needs a list 'kinds'", agency: id)
        }
        var kinds = Set<EventKind>()
        for kindNode in kindNodes {
            guard let name = kindNode.string else { throw fail("kind must be a string", at: kindNode, agency: id) }
            let kind = EventKind(rawValue: name)
            guard kind.isKnown else { throw fail("unknown kind '\(name)'", at: kindNode, agency: id) }
            kinds.insert(kind)
        }
        return Agency(id: id, name: node["name"]?.string ?? id, kinds: kinds)
    }
}

/// A problem in an agency registry document, with the line (1-based) and agency it concerns.
public struct AgencyRegistryError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The line of the problem, if known.
    public let line: Int?
    /// The agency concerned, if known.
    public let agency: String?
    /// What is wrong.
    public let problem: String

    /// `line 12: agency 'court': unknown kind 'x'`.
    public var description: String {
        var parts: [String] = []
        if let line { parts.append("line \(line)") }
        if let agency { parts.append("agency '\(agency)'") }
        parts.append(problem)
        return parts.joined(separator: ": ")
    }
}
