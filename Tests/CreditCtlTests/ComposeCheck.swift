import CreditCtlKit
import Foundation

/// The environment variables each service reads, collected from the Swift sources, and the
/// checks `docker-compose.yml` must pass against them.
struct ServiceVariables {
    /// Every variable the service reads (its own sources and `Shared/ServiceSupport`).
    var read: Set<String> = []
    /// Read with `requiredString`.
    var required: Set<String> = []
    /// Whose default is a dev path under `.run/` (unusable in production).
    var devDefaults: Set<String> = []

    /// Token variables grouped by what they configure (`SANCTIONS_OFFICER_TOKEN` and
    /// `SANCTIONS_OFFICER_TOKENS` are one group): one of each group must be set.
    var tokenGroups: [String: Set<String>] {
        Dictionary(grouping: read.filter { $0.contains("TOKEN") }) { name in
            var stem = name
            if stem.hasSuffix("_FILE") { stem.removeLast(5) }
            if stem.hasSuffix("S") { stem.removeLast() }
            return stem
        }.mapValues(Set.init)
    }

    /// The reader calls (`env.string("X", default: ...)`, `requiredString("X")`, ...), the
    /// `HTTPConfiguration.fromEnvironment(prefix: "X"` calls and `"..\(name).."` names whose
    /// `name: "VALUE"` is passed in the same file.
    static func scan(_ text: String, into variables: inout ServiceVariables) {
        let reader = #/(requiredString|optionalString|string|int|bool|duration)\("([A-Z][A-Z0-9_]*)"(, default: "([^"]*)")?/#
        for match in text.matches(of: reader) {
            let name = String(match.output.2)
            variables.read.insert(name)
            if match.output.1 == "requiredString" { variables.required.insert(name) }
            if let value = match.output.4, value.hasPrefix(".run/") { variables.devDefaults.insert(name) }
        }
        for match in text.matches(of: #/HTTPConfiguration\.fromEnvironment\(prefix: "([A-Z]+)"/#) {
            variables.read.formUnion(["\(match.output.1)_HTTP_HOST", "\(match.output.1)_HTTP_PORT"])
        }
        for match in text.matches(of: #/"([A-Z][A-Z0-9_]*)\\\((\w+)\)([A-Z0-9_]*)"/#) {
            let parameter = String(match.output.2)
            for argument in text.matches(of: try! Regex("\\b\(parameter): \"([A-Z]+)\"")) {
                guard let value = argument.output[1].substring else { continue }
                variables.read.insert("\(match.output.1)\(value)\(match.output.3)")
            }
        }
    }

    /// Scans every `.swift` file under `directories` (relative to `root`).
    static func collect(root: String, directories: [String]) throws -> ServiceVariables {
        var variables = ServiceVariables()
        for directory in directories {
            let base = "\(root)/\(directory)"
            guard let files = FileManager.default.enumerator(atPath: base) else { throw ComposeProblem("no directory \(base)") }
            for case let file as String in files where file.hasSuffix(".swift") {
                scan(try String(contentsOfFile: "\(base)/\(file)", encoding: .utf8), into: &variables)
            }
        }
        return variables
    }

    /// What `service` reads: its sources under `Services/<Name>/` and the shared support library.
    static func of(_ service: StackService, root: String) throws -> ServiceVariables {
        let directory = "Services/\(service.rawValue.prefix(1).uppercased())\(service.rawValue.dropFirst())"
        return try collect(root: root, directories: [directory, "Shared/ServiceSupport"])
    }
}

/// A problem found in `docker-compose.yml`.
struct ComposeProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Checks a parsed `docker-compose.yml` against what the services read.
enum ComposeCheck {
    /// Every problem found; empty when the file is right.
    static func problems(compose: [String: Any], variables: [StackService: ServiceVariables]) -> [String] {
        guard let services = compose["services"] as? [String: Any] else { return ["no `services` mapping"] }
        var problems: [String] = []
        let images = services.compactMapValues { ($0 as? [String: Any])?["image"] as? String }

        let kafka = services.filter { images[$0.key]?.contains("kafka") == true && environment(of: $0.value)["KAFKA_PROCESS_ROLES"] != nil }
        if kafka.isEmpty { problems.append("no Kafka service in KRaft mode (an image with `kafka` and KAFKA_PROCESS_ROLES)") }
        for (name, service) in kafka where environment(of: service)["KAFKA_PROCESS_ROLES"]?.contains("controller") != true {
            problems.append("\(name): KAFKA_PROCESS_ROLES must include `controller` (KRaft, no ZooKeeper)")
        }
        if images.values.contains(where: { $0.contains("zookeeper") }) { problems.append("a ZooKeeper service: use KRaft") }
        let postgres = images.filter { $0.value.hasPrefix("postgres") }.keys
        if postgres.isEmpty { problems.append("no PostgreSQL service (an image `postgres:...`)") }

        for service in StackService.allCases {
            guard let definition = services[service.rawValue] else {
                problems.append("no service `\(service.rawValue)`")
                continue
            }
            let set = environment(of: definition)
            let reads = variables[service] ?? ServiceVariables()
            let needed = reads.required
                .union(["DATABASE_URL", "KAFKA_BOOTSTRAP", "\(service.environmentPrefix)_HTTP_HOST"])
                .union(reads.devDefaults)
            for name in needed.sorted() where set[name]?.isEmpty != false {
                problems.append("\(service.rawValue): \(name) is not set (it has no safe production default)")
            }
            for (group, names) in reads.tokenGroups.sorted(by: { $0.key < $1.key }) where !names.contains(where: { set[$0] != nil }) {
                problems.append("\(service.rawValue): no token configured for \(group) (set one of \(names.sorted().joined(separator: ", ")))")
            }
            for name in set.keys.sorted() where !reads.read.contains(name) {
                problems.append("\(service.rawValue): sets \(name), which the service does not read")
            }
            if set["CREDIT_DEV_CLOCK_FILE"] != nil {
                problems.append("\(service.rawValue): CREDIT_DEV_CLOCK_FILE is for dev and test stacks only")
            }
            if let url = set["DATABASE_URL"], let host = URLComponents(string: url)?.host, !postgres.contains(host) {
                problems.append("\(service.rawValue): DATABASE_URL names host `\(host)`, not the PostgreSQL service")
            }
            if let bootstrap = set["KAFKA_BOOTSTRAP"],
               !bootstrap.split(separator: ",").allSatisfy({ kafka.keys.contains(String($0.split(separator: ":")[0])) }) {
                problems.append("\(service.rawValue): KAFKA_BOOTSTRAP `\(bootstrap)` does not name the Kafka service")
            }
        }
        return problems
    }

    /// A service's `environment`, as a mapping or a `KEY=value` list, values as text.
    static func environment(of service: Any) -> [String: String] {
        guard let definition = service as? [String: Any] else { return [:] }
        if let mapping = definition["environment"] as? [String: Any] {
            return mapping.mapValues { "\($0)" }
        }
        if let list = definition["environment"] as? [String] {
            return Dictionary(list.map { entry in
                let parts = entry.split(separator: "=", maxSplits: 1)
                return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
            }, uniquingKeysWith: { _, last in last })
        }
        return [:]
    }
}
