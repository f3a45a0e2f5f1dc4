import CreditModel
import Foundation

/// What a story plays with: the client, the shared clock, the decision feed, the mailbox, and
/// narration helpers that record every step and answer in the transcript.
public struct DemoContext: Sendable {
    /// The stack's HTTP client.
    public let client: StackClient
    /// The shared dev clock.
    public let clock: DevClock
    /// Decisions as enforcers read them.
    public let feed: DecisionFeed
    /// The transcript.
    public let transcript: DemoTranscript
    /// How long a wait for the stack may take.
    public let timeout: Duration
    /// The story being played (tags the transcript).
    public let story: String?

    /// Creates a context.
    public init(client: StackClient, clock: DevClock, feed: DecisionFeed, transcript: DemoTranscript,
                timeout: Duration = .seconds(60), story: String? = nil) {
        self.client = client
        self.clock = clock
        self.feed = feed
        self.transcript = transcript
        self.timeout = timeout
        self.story = story
    }

    /// The same context for `story`.
    public func playing(_ story: String) -> DemoContext {
        DemoContext(client: client, clock: clock, feed: feed, transcript: transcript, timeout: timeout, story: story)
    }

    // MARK: - Narration

    /// Records narration.
    public func say(_ text: String) async { await record(.say, text) }
    /// Records an action.
    public func step(_ text: String) async { await record(.step, text) }
    /// Records an expected outcome that was seen.
    public func check(_ text: String) async { await record(.check, text) }

    /// Records a service answer as a table with its JSON.
    public func show(_ table: TextTable, body: Data) async {
        await transcript.record(.init(story: story, kind: .output, text: table.render(), data: try? JSONValue.parse(body)))
    }

    /// Records a text the stack produced (a letter) as an output.
    public func showText(_ text: String) async {
        await transcript.record(.init(story: story, kind: .output, text: text, data: .string(text)))
    }

    /// Fails the story unless `condition` holds; records `text` as seen when it does.
    public func expect(_ condition: Bool, _ text: String, otherwise: @autoclosure () -> String) async throws {
        guard condition else { throw StoryFailure(otherwise()) }
        await check(text)
    }

    private func record(_ kind: DemoTranscript.Kind, _ text: String) async {
        await transcript.record(.init(story: story, kind: kind, text: text, data: nil))
    }

    // MARK: - Events

    /// An `agency-event/1` object dated `at` (business time).
    public func event(_ id: String, subject: SubjectCode, kind: String, at: Date, attributes: [String: JSONValue] = [:],
                      evidence: String? = nil, retracts: String? = nil) -> JSONValue {
        var object: [String: JSONValue] = [
            "schema": "agency-event/1", "event_id": .string(id), "subject": .string(subject.rawValue),
            "kind": .string(kind), "occurred_at": .string(RFC3339.format(at)), "attributes": .object(attributes),
        ]
        if let evidence { object["evidence"] = .string(evidence) }
        if let retracts { object["retracts"] = .string(retracts) }
        return .object(object)
    }

    /// Posts `events` as `agency` (its dev token) and fails unless every one is accepted.
    @discardableResult
    public func post(_ agency: String, _ events: [JSONValue]) async throws -> SubmissionAnswer {
        let kinds = Dictionary(grouping: events.compactMap { $0["kind"]?.stringValue }, by: { $0 })
            .sorted { $0.key < $1.key }.map { "\($0.value.count)× \($0.key)" }.joined(separator: ", ")
        await step("\(agency) posts \(events.count) event\(events.count == 1 ? "" : "s") (\(kinds)) to ingest: POST /v1/events")
        let reply = try await client.submit(events, agency: agency)
        let refused = reply.value.results.filter { $0.status != "accepted" }
        guard refused.isEmpty else {
            throw StoryFailure("ingest did not accept every event: "
                + refused.map { "\($0.eventID ?? "?") \($0.status) \($0.reason ?? ""): \($0.message ?? "")" }.joined(separator: "; "))
        }
        await check(reply.value.results.count == 1 ? "ingest accepted it" : "ingest accepted all \(reply.value.results.count)")
        return reply.value
    }

    // MARK: - Waiting

    /// Polls `probe` until it returns a value or the timeout passes; says what it waits for and
    /// how long it took. Errors from the probe count as "not yet" until the deadline.
    public func wait<T: Sendable>(for what: String, _ probe: @Sendable () async throws -> T?) async throws -> T {
        let start = ContinuousClock.now
        var last: String?
        while ContinuousClock.now - start < timeout {
            do {
                if let value = try await probe() {
                    let seconds = (ContinuousClock.now - start).timeInterval
                    await record(.wait, "waited \(String(format: "%.1f", seconds))s for \(what)")
                    return value
                }
                last = nil
            } catch {
                last = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw StoryFailure("timed out after \(timeout) waiting for \(what)\(last.map { " (last error: \($0))" } ?? "")")
    }

    // MARK: - Looking

    /// Waits until `subject` has `points` on `scheme`, then shows the scores.
    @discardableResult
    public func waitForScore(_ subject: SubjectCode, scheme: String, points: Int) async throws -> ScoresAnswer {
        let client = client
        let reply = try await wait(for: "\(scheme) score \(points) of \(subject)") {
            let reply = try await client.scores(subject.rawValue)
            return reply.value.scheme(scheme)?.points == points ? reply : nil
        }
        await step("scoring: GET /v1/subjects/\(subject)/scores")
        await show(reply.value.table(), body: reply.body)
        return reply.value
    }

    /// Waits until `subject`'s latest case of `policy` is in `state`, and returns it.
    @discardableResult
    public func waitForCase(_ subject: SubjectCode, policy: String, state: String) async throws -> CasesAnswer.Case {
        let client = client
        return try await wait(for: "the \(policy) case of \(subject) to be \(state)") {
            let cases = try await client.cases(subject.rawValue).value.cases(of: policy)
            return cases.last.flatMap { $0.state == state ? $0 : nil }
        }
    }

    /// Shows `subject`'s cases, and their transitions.
    @discardableResult
    public func showCases(_ subject: SubjectCode, transitions: Bool = true) async throws -> CasesAnswer {
        let reply = try await client.cases(subject.rawValue)
        await step("sanctions: GET /v1/subjects/\(subject)/cases")
        await show(reply.value.table(), body: reply.body)
        if transitions { await show(reply.value.transitionTable(), body: Data()) }
        return reply.value
    }

    /// Shows `subject`'s ledger (newest first).
    @discardableResult
    public func showLedger(_ subject: SubjectCode) async throws -> LedgerAnswer {
        let reply = try await client.ledger(subject.rawValue)
        await step("scoring: GET /v1/subjects/\(subject)/ledger")
        await show(reply.value.table(), body: reply.body)
        return reply.value
    }

    /// Waits until `subject` has a notice of `kind` about `caseID` with `status`, then shows the notices.
    @discardableResult
    public func waitForNotice(_ subject: SubjectCode, caseID: String, kind: String, status: String = "delivered") async throws
        -> NoticesAnswer
    {
        let client = client
        let reply = try await wait(for: "a \(status) \(kind) to \(subject)") {
            let reply = try await client.notices(subject.rawValue)
            return reply.value.notices.contains { $0.caseID == caseID && $0.kind == kind && $0.status == status } ? reply : nil
        }
        await step("notification: GET /v1/subjects/\(subject)/notices")
        await show(reply.value.table(), body: reply.body)
        return reply.value
    }

    /// An enforcer looks `subject` up on `list` for `purpose` (logged and shown to the subject).
    @discardableResult
    public func lookUp(_ subject: SubjectCode, on list: PublicList, purpose: String) async throws -> ListAnswer {
        let reply = try await client.list(list, subject: subject.rawValue, purpose: purpose)
        await step("an enforcer asks: GET /v1/lists/\(list.rawValue)/\(subject)?purpose=\(purpose)")
        let listed = reply.value.listed == true
        await say("→ \(listed ? "listed" : "not listed") on the \(list.rawValue)")
        if listed { await show(reply.value.table(), body: reply.body) }
        return reply.value
    }

    /// Waits until enforcers have read a decision `action` for each of `measures` about `subject`, then shows them.
    @discardableResult
    public func waitForDecisions(_ subject: SubjectCode, _ action: String, _ measures: [String]) async throws -> [DecisionView] {
        let feed = feed
        let wanted = Set(measures)
        let found = try await wait(for: "sanctions.decisions: \(action) \(measures.joined(separator: ", "))") {
            let seen = await feed.decisions(about: subject.rawValue)
            let matching = seen.filter { $0.action == action && wanted.contains($0.measure) }
            return Set(matching.map(\.measure)) == wanted ? matching : nil
        }
        await step("an enforcer reads sanctions.decisions (key \(subject))")
        await show(TextTable(headers: ["effective", "action", "measure", "policy", "reason"],
                             rows: found.map { [TimeText.short($0.effectiveAt), $0.action, $0.measure, $0.policy, $0.reason] }),
                   body: (try? JSONEncoder().encode(found)) ?? Data())
        return found
    }

    /// The sanction notice about `caseID` in `subject`'s mailbox, once it is there.
    public func letter(_ subject: SubjectCode, caseID: String) async throws -> String {
        guard let directory = client.stack.mailbox else {
            throw StoryFailure("the stack file names no mailbox directory, where notices (and their appeal codes) are delivered")
        }
        let file = AppealLetters.file(subject: subject.rawValue, directory: directory)
        return try await wait(for: "the notice letter in \(file.path)") {
            guard let data = try? Data(contentsOf: file) else { return nil }
            return AppealLetters.notice(for: caseID, in: AppealLetters.letters(in: String(decoding: data, as: UTF8.self)))
        }
    }
}
