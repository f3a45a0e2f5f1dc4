import CreditModel
import Foundation
import Logging
import Pipeline
import PostgresClient
@testable import Sanctions
import ServiceSupport
import TestSupport

/// A private sanctions schema over the default rulebook, with an engine and a manual clock.
struct Fixtures {
    static let logger = Logger(label: "sanctions-tests")
    static let person = try! SubjectCode(validating: "11010519491231002X")
    static let otherPerson = try! SubjectCode(validating: "110101199003074514")
    static let company = try! SubjectCode(validating: "91350100M000100Y43")
    static let start = Date(timeIntervalSince1970: 1_795_000_000)
    static let day: TimeInterval = 86_400

    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static let rulebook: Rulebook = try! Rulebook.load(contentsOf: repository.appendingPathComponent("deploy/rulebooks/default.yaml"))

    let pool: PostgresPool
    let schema: String
    let engine: CaseEngine
    let clock: ManualWallClock

    static func make() async throws -> Fixtures {
        let pool = PostgresPool(configuration: PostgresConfiguration(url: try TestEnvironment.databaseURL(), poolSize: 2), logger: logger)
        let schema = TestEnvironment.uniqueName("sanctions").replacingOccurrences(of: "-", with: "_")
        try await SanctionsService.migrate(schema: schema, pool: pool)
        return Fixtures(pool: pool, schema: schema, engine: engine(schema: schema), clock: ManualWallClock(start))
    }

    static func engine(schema: String) -> CaseEngine {
        CaseEngine(policies: PolicyEvaluator(rulebook: rulebook), store: CaseStore(schema: schema), messages: CaseMessages())
    }

    /// Runs `body` in a transaction and enqueues the messages it returns, as the consumer does.
    @discardableResult
    func run(_ body: @Sendable (CaseEngine, Date, isolated PostgresConnection) throws -> [OutboxMessage]) async throws -> [OutboxMessage] {
        let engine = engine, now = clock.now(), outbox = Outbox(schema: schema)
        return try await pool.withTransaction { connection in
            let messages = try body(engine, now, connection)
            try outbox.enqueue(messages, on: connection)
            return messages
        }
    }

    @discardableResult
    func apply(_ change: ScoreChange) async throws -> [OutboxMessage] {
        try await run { engine, now, connection in try engine.apply(change, now: now, on: connection) }
    }

    @discardableResult
    func apply(_ event: AcceptedEvent) async throws -> [OutboxMessage] {
        try await run { engine, now, connection in try engine.apply(event, now: now, on: connection) }
    }

    @discardableResult
    func apply(_ receipt: NoticeReceipt) async throws -> [OutboxMessage] {
        try await run { engine, now, connection in try engine.apply(receipt, now: now, on: connection) }
    }

    /// Every case of `subject`.
    func cases(of subject: SubjectCode = Fixtures.person) async throws -> [SanctionCase] {
        let store = engine.store
        return try await pool.withTransaction { try store.cases(of: subject, on: $0) }
    }

    /// The transitions of `caseID`.
    func transitions(_ caseID: String) async throws -> [CaseTransition] {
        let store = engine.store
        return try await pool.withTransaction { try store.transitions(of: [caseID], on: $0)[caseID] ?? [] }
    }

    /// Delivers the sanction notice of `caseID` at the clock's time.
    @discardableResult
    func deliver(_ notice: NoticeRequest) async throws -> [OutboxMessage] {
        try await apply(NoticeReceipt(request: notice, status: .delivered, deliveredAt: clock.now(), channel: .mailbox))
    }

    func shutdown() async { await pool.shutdown() }

    // MARK: - Messages

    static func event(_ kind: String, id: String, subject: SubjectCode = person, agency: String = "court",
                      retracts: String? = nil) -> AcceptedEvent {
        AcceptedEvent(event: AgencyEvent(eventID: id, subject: subject, kind: EventKind(rawValue: kind), occurredAt: start,
                                         retracts: retracts),
                      agency: agency, receivedAt: start, source: EventSource(transport: .kafka, topic: "t", partition: 0, offset: 0))
    }

    static func change(scheme: String = "citizen", eventID: String, subject: SubjectCode = person, kind: String = "loan.default",
                       delta: Int, pointsAfter: Int, cause: ScoreChange.Cause = .event) -> ScoreChange {
        let grade = rulebook.scheme(scheme)?.grade(for: pointsAfter)
        return ScoreChange(agency: "pboc", eventID: eventID, subject: subject, kind: EventKind(rawValue: kind), scheme: scheme,
                           ruleID: "test.rule", ruleVersion: 1, delta: delta, pointsAfter: pointsAfter, gradeAfter: grade,
                           reason: "test reason", occurredAt: start, cause: cause)
    }

    static func decisions(_ messages: [OutboxMessage]) throws -> [Decision] {
        try messages.filter { $0.topic == Topics.sanctionsDecisions }.map { try MessageCoding.decode(Decision.self, from: Data($0.payload)) }
    }

    static func notices(_ messages: [OutboxMessage]) throws -> [NoticeRequest] {
        try messages.filter { $0.topic == Topics.notificationsRequested }
            .map { try MessageCoding.decode(NoticeRequest.self, from: Data($0.payload)) }
    }
}
