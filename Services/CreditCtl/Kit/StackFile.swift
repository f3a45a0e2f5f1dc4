import Foundation

/// The embedded stack's address book, `.run/stack.json` (DESIGN §10): where the broker, the
/// database and the four services listen, and the dev tokens. Written by `creditctl up`, read
/// by every client command so that none of them needs flags on a dev machine.
public struct StackFile: Codable, Sendable, Equatable {
    /// The dev broker's bootstrap servers and, when it is the embedded one, its control API.
    public struct Kafka: Codable, Sendable, Equatable {
        /// Comma-separated `host:port` list.
        public var bootstrap: String
        /// Base URL of the dev broker's control API; absent for a real Kafka.
        public var control: String?
        /// Creates the Kafka section.
        public init(bootstrap: String, control: String? = nil) {
            self.bootstrap = bootstrap
            self.control = control
        }
    }

    /// The PostgreSQL server the services share (each owns its own schema).
    public struct Database: Codable, Sendable, Equatable {
        /// libpq connection URL.
        public var url: String
        /// Creates the database section.
        public init(url: String) { self.url = url }
    }

    /// The dev credentials: one bearer token per agency, the officer's and the enforcer's.
    public struct Tokens: Codable, Sendable, Equatable {
        /// Agency id → bearer token for `POST /v1/events`.
        public var agencies: [String: String]
        /// Token for `POST /v1/cases/{id}/review`.
        public var officer: String
        /// Token for `GET /v1/lists/...`.
        public var enforcer: String
        /// Creates the token section.
        public init(agencies: [String: String], officer: String, enforcer: String) {
            self.agencies = agencies
            self.officer = officer
            self.enforcer = enforcer
        }
    }

    /// Broker addresses.
    public var kafka: Kafka
    /// Database address.
    public var database: Database
    /// Service name (`ingest`, `scoring`, `sanctions`, `notification`) → base URL.
    public var services: [String: String]
    /// Dev tokens.
    public var tokens: Tokens
    /// Directory where the notification service writes letters, one file per subject.
    public var mailbox: String?
    /// The shared dev clock's offset file (`CREDIT_DEV_CLOCK_FILE`).
    public var clock: String?

    /// Creates a stack file.
    public init(kafka: Kafka, database: Database, services: [String: String], tokens: Tokens,
                mailbox: String? = nil, clock: String? = nil) {
        self.kafka = kafka
        self.database = database
        self.services = services
        self.tokens = tokens
        self.mailbox = mailbox
        self.clock = clock
    }

    /// The default location, relative to the checkout.
    public static let defaultPath = ".run/stack.json"

    /// Reads the stack file, or explains that the stack is not up.
    public static func load(from path: String = defaultPath) throws -> StackFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw StackFileError.missing(path: path)
        }
        do {
            return try JSONDecoder().decode(StackFile.self, from: data)
        } catch {
            throw StackFileError.unreadable(path: path, reason: "\(error)")
        }
    }

    /// Writes the file atomically (temporary file + rename), so readers never see half of it.
    public func write(to path: String = defaultPath) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The base URL of a service, or an error naming it.
    public func serviceURL(_ name: String) throws -> String {
        guard let url = services[name] else { throw StackFileError.noService(name) }
        return url
    }
}

/// Why the stack file could not be used.
public enum StackFileError: Error, CustomStringConvertible, Equatable {
    /// No file: the stack is not up.
    case missing(path: String)
    /// The file is not a stack file.
    case unreadable(path: String, reason: String)
    /// The file names no such service.
    case noService(String)

    public var description: String {
        switch self {
        case .missing(let path): "no \(path): start the stack first with `creditctl up` (or `scripts/stack up`)"
        case .unreadable(let path, let reason): "\(path) is not a stack file: \(reason)"
        case .noService(let name): "the stack file names no service `\(name)`"
        }
    }
}
