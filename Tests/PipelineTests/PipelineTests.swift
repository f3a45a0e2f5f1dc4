import Foundation
import KafkaClient
import Logging
import Pipeline
import PostgresClient
import ServiceLifecycle
import Synchronization
import Testing
import TestSupport

/// A handler that records every message it is given (no unique constraint, so double
/// processing would show) and forwards it to an output topic; it fails on demand.
final class RecordingHandler: BatchHandler {
    struct Poison: Error {}
    struct Flaky: TransientError {}

    let schema: String
    let outputTopic: String
    let transientFailures: Mutex<Int>
    let pauseMicroseconds: UInt32
    /// Whether the insert is marked `.genericPlan`, as the services' hot statements are.
    let generic: Bool
    /// Whether the insert skips rows already there (`ON CONFLICT DO NOTHING` on a unique index
    /// of the message's position, which the test creates), as every service's writes do.
    let idempotent: Bool
    /// The size of every batch handed over, in order.
    let batchSizes = Mutex<[Int]>([])
    /// Batches being handled now, and the most at once.
    let concurrency = Mutex<(now: Int, most: Int)>((0, 0))

    init(schema: String, outputTopic: String, transientFailures: Int = 0, pauseMicroseconds: UInt32 = 0, generic: Bool = false,
         idempotent: Bool = false) {
        self.schema = schema
        self.outputTopic = outputTopic
        self.transientFailures = Mutex(transientFailures)
        self.pauseMicroseconds = pauseMicroseconds
        self.generic = generic
        self.idempotent = idempotent
    }

    func handle(_ batch: [KafkaMessage], on connection: isolated PostgresConnection) throws -> [OutboxMessage] {
        let fail = transientFailures.withLock { remaining -> Bool in
            guard remaining > 0 else { return false }
            remaining -= 1
            return true
        }
        if fail { throw Flaky() }
        batchSizes.withLock { $0.append(batch.count) }
        concurrency.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
        defer { concurrency.withLock { $0.now -= 1 } }
        // Runs on the connection's own queue, never the cooperative pool: a pause is harmless.
        if pauseMicroseconds > 0 { usleep(pauseMicroseconds) }
        if batch.contains(where: { $0.valueString == "poison" }) { throw Poison() }
        let insert: PostgresQuery = idempotent ? """
            INSERT INTO \(identifier: schema).processed (topic, partition, "offset", value)
            SELECT * FROM unnest(\(batch.map(\.topic))::text[], \(batch.map { Int($0.partition) })::int[],
                                 \(batch.map(\.offset))::bigint[], \(batch.map(\.valueString))::text[])
            ON CONFLICT (topic, partition, "offset") DO NOTHING
            """ : """
            INSERT INTO \(identifier: schema).processed (topic, partition, "offset", value)
            SELECT * FROM unnest(\(batch.map(\.topic))::text[], \(batch.map { Int($0.partition) })::int[],
                                 \(batch.map(\.offset))::bigint[], \(batch.map(\.valueString))::text[])
            """
        try connection.execute(generic ? .genericPlan(insert) : insert)
        return batch.map { message in
            OutboxMessage(id: PipelineTests.messageID(message), topic: outputTopic, key: message.keyString ?? "",
                          payload: Array("out:\(message.valueString)".utf8))
        }
    }

    func deadLetter(_ message: KafkaMessage, error: any Error, on connection: isolated PostgresConnection) throws -> [OutboxMessage] {
        try connection.execute("""
            INSERT INTO \(identifier: schema).dead (topic, partition, "offset", error) VALUES (\(message.topic), \(Int(message.partition)), \(message.offset), \("\(error)"))
            """)
        return []
    }
}

@Suite(.serialized) struct PipelineTests {
    static let logger = Logger(label: "pipeline-tests")

    static func messageID(_ message: KafkaMessage) -> UUID {
        // Deterministic per input position, as a service derives ids from its input.
        let text = String(format: "%08x-0000-8000-8000-%012llx", UInt32(message.partition), UInt64(message.offset))
        return UUID(uuidString: text)!
    }

    struct Fixture {
        let pool: PostgresPool
        let schema: String
        let input: String
        let output: String
        let bootstrap: String
        let group: String

        /// Topics on the shared cluster, or on `cluster` (a private one, for fault injection).
        static func make(partitions: Int = 4, cluster: BrokerControl.Cluster? = nil) async throws -> Fixture {
            let url = try TestEnvironment.databaseURL()
            let bootstrap = try cluster?.bootstrap ?? TestEnvironment.kafkaBootstrap()
            let control = try BrokerControl.fromEnvironment()
            let schema = TestEnvironment.uniqueName("pipe").replacingOccurrences(of: "-", with: "_")
            let input = TestEnvironment.uniqueName("pipe-in"), output = TestEnvironment.uniqueName("pipe-out")
            for topic in [input, output] {
                if let cluster {
                    try await control.createTopic(topic, partitions: partitions, cluster: cluster.id)
                } else {
                    try await control.createTopic(topic, partitions: partitions)
                }
            }
            // Its own application name, so that a test can end exactly this pool's sessions.
            let pool = PostgresPool(configuration: PostgresConfiguration(url: url, poolSize: 4, applicationName: schema), logger: logger)
            try await pool.migrate(schema: schema, migrations: [
                PipelineSchema.migration,
                PostgresMigration(version: 2, name: "test", sql: """
                    CREATE TABLE processed (topic text, partition int, "offset" bigint,
                                            value text CHECK (value <> 'refused by the database'),
                                            seq bigint GENERATED ALWAYS AS IDENTITY);
                    CREATE TABLE dead (topic text, partition int, "offset" bigint, error text);
                    """),
            ] + PipelineSchema.laterMigrations)
            return Fixture(pool: pool, schema: schema, input: input, output: output, bootstrap: bootstrap,
                           group: TestEnvironment.uniqueName("pipe-group"))
        }

        /// Stores `offset` for partition 0 of the input as if consumed from another Kafka cluster
        /// ('a-previous-cluster'), as a broker reset leaves it.
        func storeOffsetOfAPreviousCluster(_ offset: Int64) async throws {
            try await pool.execute("""
                INSERT INTO \(identifier: schema).consumer_offsets (group_id, topic, partition, next_offset)
                VALUES (\(group), \(input), 0, \(offset))
                """)
            try await pool.execute("""
                INSERT INTO \(identifier: schema).consumer_clusters (group_id, cluster_id) VALUES (\(group), 'a-previous-cluster')
                """)
        }

        func produce(_ values: [String]) async throws {
            let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: bootstrap), logger: logger)
            _ = try await producer.send(values.enumerated().map { index, value in
                KafkaOutgoingMessage(topic: input, key: "subject-\(index % 16)", value: value)
            })
            await producer.shutdown()
        }

        /// Runs consumer and publisher until `done` holds, then stops them as a shutdown would;
        /// returns how many messages the publisher sent as the consumer handed them over.
        @discardableResult
        func run(handler: RecordingHandler, linger: Duration = .zero, lingerWhileBelow: Int = 64, lanes: Int = 1,
                 clusterIDTimeout: Duration = .seconds(5),
                 until done: @escaping @Sendable () async throws -> Bool) async throws -> Int {
            let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: bootstrap), logger: logger)
            let publisher = OutboxPublisher(pool: pool, producer: producer, schema: schema, logger: logger)
            var kafka = KafkaConsumerConfiguration(bootstrapServers: bootstrap, groupID: group)
            kafka.sessionTimeoutMs = 6000
            var configuration = PipelineConsumerConfiguration(topics: [input], schema: schema)
            configuration.maxBatch = 50
            configuration.batchLinger = linger
            configuration.lingerWhileBelow = lingerWhileBelow
            configuration.lanes = lanes
            configuration.messagesPerLane = 4
            configuration.clusterIDTimeout = clusterIDTimeout
            configuration.backoff = Backoff(initial: .milliseconds(10), maximum: .milliseconds(50))
            let consumer = PipelineConsumer(configuration: configuration, kafka: kafka, pool: pool, handler: handler,
                                            publisher: publisher, logger: logger)
            let group = ServiceGroup(services: [publisher, consumer], gracefulShutdownSignals: [], logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let deadline = ContinuousClock.now + .seconds(60)
                while try await !done() {
                    if ContinuousClock.now > deadline { Issue.record("pipeline did not finish in time"); break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            await producer.shutdown()
            return publisher.sentAsHandedOver
        }

        /// Makes the first `count` statements of `operation` ("INSERT", "DELETE") on `table` of
        /// the fixture's schema fail as a serialization failure would (SQLSTATE 40001,
        /// retriable). Returns the name of the sequence counting the attempts (a counter in a
        /// table would roll back with each failure).
        func failFirst(_ count: Int, _ operation: StatementKind, on table: String) async throws -> String {
            let counter = "\(table)_attempts", limit = "\(table)_failures", function = "fail_first_\(table)"
            try await pool.execute("CREATE SEQUENCE \(identifier: schema).\(identifier: counter)")
            try await pool.execute("CREATE TABLE \(identifier: schema).\(identifier: limit) (n int)")
            try await pool.execute("INSERT INTO \(identifier: schema).\(identifier: limit) VALUES (\(count))")
            try await pool.execute("""
                CREATE FUNCTION \(identifier: schema).\(identifier: function)() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF nextval(format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME || '_attempts'))
                       <= (SELECT n FROM \(identifier: schema).\(identifier: limit)) THEN
                        RAISE EXCEPTION 'injected failure' USING ERRCODE = '40001';
                    END IF;
                    RETURN NULL;
                END $$
                """)
            try await pool.execute("""
                CREATE TRIGGER \(identifier: function) BEFORE \(unsafeRaw: operation.rawValue) ON \(identifier: schema).\(identifier: table)
                FOR EACH STATEMENT EXECUTE FUNCTION \(identifier: schema).\(identifier: function)()
                """)
            return counter
        }

        /// The statements ``failFirst(_:_:on:)`` can make fail; the raw value is SQL's keyword.
        enum StatementKind: String { case insert = "INSERT", delete = "DELETE" }

        func count(_ sql: PostgresQuery) async throws -> Int {
            try await pool.query(sql).first?.decode(Int.self, at: 0) ?? -1
        }

        func processedCount() async throws -> Int { try await count("SELECT count(*)::int FROM \(identifier: schema).processed") }

        func distinctOutputIDs(expected: Int) async throws -> (total: Int, distinct: Set<String>) {
            let ids = try await outputIDsInOrder(expected: expected)
            return (ids.count, Set(ids))
        }

        /// The first copy of each message id on the output topic, in the order read: delivery is
        /// at least once, so a resent message may come again later, and only the first copies
        /// must keep the order.
        func firstCopiesOfOutputIDs(expected: Int) async throws -> [String] {
            var seen = Set<String>()
            return try await outputIDsInOrder(expected: expected).filter { seen.insert($0).inserted }
        }

        /// The message ids on the output topic, in the order read (one partition: publication order).
        func outputIDsInOrder(expected: Int) async throws -> [String] {
            var kafka = KafkaConsumerConfiguration(bootstrapServers: bootstrap, groupID: TestEnvironment.uniqueName("pipe-check"))
            kafka.autoOffsetReset = .earliest
            let consumer = try KafkaConsumer(configuration: kafka, logger: logger)
            try await consumer.subscribe(topics: [output])
            func poll(_ timeout: Duration) async throws -> [String] {
                try await consumer.poll(maxMessages: 1000, timeout: timeout).compactMap { message in
                    message.headers.first { $0.name == "message-id" }?.value.map { String(decoding: $0, as: UTF8.self) }
                }
            }
            var ids: [String] = []
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline && Set(ids).count < expected { ids += try await poll(.milliseconds(200)) }
            ids += try await poll(.milliseconds(300))  // a little longer, so duplicates would show
            await consumer.close()
            return ids
        }
    }

    @Test func aBatchThatLingersTakesTheMessagesArrivingMeanwhile() async throws {
        let fixture = try await Fixture.make(partitions: 1)
        let handler = RecordingHandler(schema: fixture.schema, outputTopic: fixture.output)
        let producing = Task {
            try await Task.sleep(for: .seconds(6))  // the consumer has joined (3 s was not always enough) and waits
            try await fixture.produce(["a"])
            try await Task.sleep(for: .milliseconds(100))
            try await fixture.produce(["b", "c"])
        }
        try await fixture.run(handler: handler, linger: .seconds(1)) { try await fixture.processedCount() >= 3 }
        try await producing.value
        // Without the linger: [1, 2] (the first message goes alone).
        #expect(handler.batchSizes.withLock { $0 } == [3])
    }

    @Test func aBatchLargeEnoughGoesWithoutLingering() async throws {
        let fixture = try await Fixture.make(partitions: 1)
        let handler = RecordingHandler(schema: fixture.schema, outputTopic: fixture.output)
        let producing = Task {
            try await Task.sleep(for: .seconds(6))  // the consumer has joined and waits
            try await fixture.produce(["a", "b"])  // one message set: one poll takes both
            try await Task.sleep(for: .milliseconds(100))
            try await fixture.produce(["c"])
        }
        try await fixture.run(handler: handler, linger: .seconds(1), lingerWhileBelow: 2) { try await fixture.processedCount() >= 3 }
        try await producing.value
        // Lingering, the first batch would have waited for "c": [3].
        #expect(handler.batchSizes.withLock { $0 } == [2, 1])
    }

    @Test func everyMessageProcessedOnceAcrossARestart() async throws {
        let fixture = try await Fixture.make()
        let values = (0..<1000).map { "m\($0)" }
        try await fixture.produce(values)

        // Slow enough that the first incarnation stops part-way.
        let handler = RecordingHandler(schema: fixture.schema, outputTopic: fixture.output, pauseMicroseconds: 30_000)
        try await fixture.run(handler: handler) { try await fixture.processedCount() >= 300 }
        let midway = try await fixture.processedCount()
        #expect(midway >= 300 && midway < 1000, "the first incarnation should stop part-way, processed \(midway)")

        // A second incarnation resumes from the offsets stored in PostgreSQL; its publisher
        // sends what its consumer hands over, after a pass for what the first one left.
        let handedOver = try await fixture.run(handler: handler) {
            let processed = try await fixture.processedCount()
            let waiting = try await fixture.count("SELECT count(*)::int FROM \(identifier: fixture.schema).outbox")
            return processed >= 1000 && waiting == 0
        }
        #expect(try await fixture.processedCount() == 1000)
        #expect(handedOver > 0, "commits are handed over, not only read back by passes")
        #expect(try await fixture.count("SELECT count(DISTINCT value)::int FROM \(identifier: fixture.schema).processed") == 1000)
        #expect(try await fixture.count("SELECT count(*)::int FROM \(identifier: fixture.schema).outbox") == 0)
        let output = try await fixture.distinctOutputIDs(expected: 1000)
        #expect(output.distinct.count == 1000)
        await fixture.pool.shutdown()
    }

    /// Lanes commit a batch's parts at once, and the offsets after all of them: a restart
    /// part-way neither repeats nor skips a message (the handler has no unique constraint, so a
    /// repeat would show), and each key's messages are handled in their order.
    @Test func lanesCommitAtOnceAndEveryMessageOnceAcrossARestart() async throws {
        let fixture = try await Fixture.make()
        let values = (0..<1000).map { "m\($0)" }
        try await fixture.produce(values)
        let handler = RecordingHandler(schema: fixture.schema, outputTopic: fixture.output, pauseMicroseconds: 30_000)
        try await fixture.run(handler: handler, lanes: 2) { try await fixture.processedCount() >= 300 }
        let midway = try await fixture.processedCount()
        #expect(midway >= 300 && midway < 1000, "the first incarnation should stop part-way, processed \(midway)")
        try await fixture.run(handler: handler, lanes: 2) {
            let processed = try await fixture.processedCount()
            let waiting = try await fixture.count("SELECT count(*)::int FROM \(identifier: fixture.schema).outbox")
            return processed >= 1000 && waiting == 0
        }
        #expect(handler.concurrency.withLock { $0.most } == 2, "two lanes should have been handled at once")
        #expect(try await fixture.processedCount() == 1000)
        #expect(try await fixture.count("SELECT count(DISTINCT value)::int FROM \(identifier: fixture.schema).processed") == 1000)
        // Each key's messages (value m<i> has key subject-<i % 16>) in offset order.
        var lastOffset: [Int: Int64] = [:]
        var outOfOrder = 0
        for row in try await fixture.pool.query("SELECT value, \"offset\" FROM \(identifier: fixture.schema).processed ORDER BY seq") {
            let key = Int(try row.decode(String.self, at: 0).dropFirst())! % 16
            let offset = try row.decode(Int64.self, at: 1)
            if let last = lastOffset[key], offset < last { outOfOrder += 1 }
            lastOffset[key] = offset
        }
        #expect(outOfOrder == 0)
        #expect(try await fixture.distinctOutputIDs(expected: 1000).distinct.count == 1000)
        await fixture.pool.shutdown()
    }

    /// The dev broker starts empty after a restart while PostgreSQL keeps the offsets: stored
    /// offsets then lie beyond the new log's end. The consumer must say so, read the new log
    /// from its start, and replace the stale offsets (or a later restart would skip messages).
    @Test func offsetsBeyondTheLogAfterABrokerResetAreReplaced() async throws {
        let fixture = try await Fixture.make(partitions: 2)
        try await fixture.pool.execute("""
            INSERT INTO \(identifier: fixture.schema).consumer_offsets (group_id, topic, partition, next_offset)
            VALUES (\(fixture.group), \(fixture.input), 0, 5000), (\(fixture.group), \(fixture.input), 1, 5000)
            """)
        try await fixture.produce((0..<100).map { "m\($0)" })
        let handler = RecordingHandler(schema: fixture.schema, outputTopic: fixture.output)
        try await fixture.run(handler: handler) { try await fixture.processedCount() >= 100 }
        #expect(try await fixture.processedCount() == 100)
        let stored = try await fixture.count("""
            SELECT sum(next_offset)::int FROM \(identifier: fixture.schema).consumer_offsets WHERE group_id = \(fixture.group)
            """)
        #expect(stored == 100, "offsets must be those of the new log, got a sum of \(stored)")
        await fixture.pool.shutdown()
    }

    /// After a broker reset the new log may be long enough that stale offsets fall inside it;
    /// only the cluster id tells them apart. Offsets of another cluster must not be used.
    @Test func offsetsOfAnotherClusterAreDiscarded() async throws {
        let fixture = try await Fixture.make(partitions: 1)
        try await fixture.storeOffsetOfAPreviousCluster(50)
        try await fixture.produce((0..<100).map { "m\($0)" })
        let handler = RecordingHandler(schema: fixture.schema, outputTopic: fixture.output)
        try await fixture.run(handler: handler) { try await fixture.processedCount() >= 100 }
        #expect(try await fixture.processedCount() == 100, "the 50 messages below the stale offset must be read too")
        #expect(try await fixture.count("""
            SELECT count(*)::int FROM \(identifier: fixture.schema).consumer_clusters WHERE cluster_id <> 'a-previous-cluster'
            """) == 1)
        await fixture.pool.shutdown()
    }

    /// The same when no broker answers at start for longer than one request for the cluster id
    /// waits (a reset broker still coming up): the consumer waits for the id instead of going on
    /// with the stale offsets, which would skip the first 50 messages of the new log. Before, it
    /// went on after 5 s with a warning, and this test failed with 50 messages handled.
    @Test func aConsumerWaitsForTheClusterIDBeforeUsingStoredOffsets() async throws {
        let control = try BrokerControl.fromEnvironment()
        let cluster = try await control.createCluster(brokers: 1)
        let fixture = try await Fixture.make(partitions: 1, cluster: cluster)
        try await fixture.storeOffsetOfAPreviousCluster(50)
        try await fixture.produce((0..<100).map { "m\($0)" })
        try await control.setBroker(1, down: true, cluster: cluster.id)
        let handler = RecordingHandler(schema: fixture.schema, outputTopic: fixture.output)
        let broughtUp = Task {
            // Past two requests for the cluster id (2 s each here).
            try await Task.sleep(for: .seconds(5))
            let handled = try await fixture.processedCount()
            try await control.setBroker(1, down: false, cluster: cluster.id)
            return handled
        }
        try await fixture.run(handler: handler, clusterIDTimeout: .seconds(2)) { try await fixture.processedCount() >= 100 }
        #expect(try await broughtUp.value == 0, "nothing can be consumed while the broker is down")
        #expect(try await fixture.processedCount() == 100, "the 50 messages below the stale offset must be read too")
        #expect(try await fixture.count("""
            SELECT count(*)::int FROM \(identifier: fixture.schema).consumer_clusters WHERE cluster_id <> 'a-previous-cluster'
            """) == 1)
        try? await control.destroyCluster(cluster.id)
        await fixture.pool.shutdown()
    }

    /// Recording which Kafka cluster the offsets belong to, at start, fails for a while (a
    /// transient error, as while PostgreSQL restarts): the consumer retries it, then consumes.
    /// Before, the error ended the consumer, and with it the service.
    @Test func recordingTheClusterAtStartIsRetried() async throws {
        let fixture = try await Fixture.make(partitions: 1)
        let schema = fixture.schema
        let attempts = try await fixture.failFirst(2, .insert, on: "consumer_clusters")
        try await fixture.produce((0..<20).map { "m\($0)" })
        let handler = RecordingHandler(schema: schema, outputTopic: fixture.output)
        try await fixture.run(handler: handler) { try await fixture.processedCount() >= 20 }
        #expect(try await fixture.processedCount() == 20)
        #expect(try await fixture.count("SELECT last_value::int FROM \(identifier: schema).\(identifier: attempts)") == 3)
        #expect(try await fixture.count("SELECT count(*)::int FROM \(identifier: schema).consumer_clusters") == 1)
        await fixture.pool.shutdown()
    }

    @Test func poisonMessageIsDeadLetteredAndThePartitionFlows() async throws {
        let fixture = try await Fixture.make(partitions: 1)
        var values = (0..<100).map { "m\($0)" }
        values[42] = "poison"
        try await fixture.produce(values)
        let handler = RecordingHandler(schema: fixture.schema, outputTopic: fixture.output)
        try await fixture.run(handler: handler) {
            let processed = try await fixture.processedCount()
            let dead = try await fixture.count("SELECT count(*)::int FROM \(identifier: fixture.schema).dead")
            return processed >= 99 && dead >= 1
        }
        #expect(try await fixture.processedCount() == 99)
        #expect(try await fixture.count("SELECT count(*)::int FROM \(identifier: fixture.schema).dead WHERE \"offset\" = 42") == 1)
        await fixture.pool.shutdown()
    }

    /// The same, when the database refuses the message (a CHECK violation, not retriable) in a
    /// statement marked `.genericPlan`: only that message is dead-lettered, and every failed
    /// transaction of the isolation rolls back on its session. Before, a `SET LOCAL` queued ahead
    /// of the ROLLBACK was refused and skipped it, and the pool discarded and reopened the session
    /// after each of the seven failed transactions.
    @Test func aMessageTheDatabaseRefusesInAMarkedStatementIsTheOnlyDeadLetter() async throws {
        let fixture = try await Fixture.make(partitions: 1)
        var values = (0..<100).map { "m\($0)" }
        values[42] = "refused by the database"
        try await fixture.produce(values)
        let handler = RecordingHandler(schema: fixture.schema, outputTopic: fixture.output, generic: true)
        try await fixture.run(handler: handler) {
            let processed = try await fixture.processedCount()
            let dead = try await fixture.count("SELECT count(*)::int FROM \(identifier: fixture.schema).dead")
            return processed + dead >= 100
        }
        #expect(try await fixture.processedCount() == 99)
        #expect(try await fixture.count("SELECT count(*)::int FROM \(identifier: fixture.schema).dead") == 1)
        #expect(try await fixture.count("SELECT count(*)::int FROM \(identifier: fixture.schema).dead WHERE \"offset\" = 42") == 1)
        #expect(await fixture.pool.discardedSessions == 0)
        await fixture.pool.shutdown()
    }

    /// With lanes, a message that fails for good is isolated inside its own lane while the other
    /// lane commits; the offsets stored after the batch cover the dead letter, so a restart
    /// neither handles a message again nor records the dead letter twice.
    @Test func aPoisonMessageInOneLaneIsTheOnlyDeadLetterAndSurvivesARestart() async throws {
        let fixture = try await Fixture.make(partitions: 1)
        var values = (0..<200).map { "m\($0)" }
        values[42] = "poison"
        values[143] = "refused by the database"
        try await fixture.produce(values)
        let handler = RecordingHandler(schema: fixture.schema, outputTopic: fixture.output, transientFailures: 2, generic: true)
        try await fixture.run(handler: handler, lanes: 2) {
            let processed = try await fixture.processedCount()
            let dead = try await fixture.count("SELECT count(*)::int FROM \(identifier: fixture.schema).dead")
            let waiting = try await fixture.count("SELECT count(*)::int FROM \(identifier: fixture.schema).outbox")
            return processed + dead >= 200 && waiting == 0
        }
        #expect(handler.concurrency.withLock { $0.most } == 2, "two lanes should have been handled at once")
        #expect(try await fixture.processedCount() == 198)
        // A second incarnation starts from the stored offsets: only the new message is handled
        // (one read again would come before it, in the partition's order, and show in the count).
        try await fixture.produce(["after the restart"])
        try await fixture.run(handler: handler, lanes: 2) { try await fixture.processedCount() >= 199 }
        #expect(try await fixture.processedCount() == 199)
        #expect(try await fixture.count("SELECT count(DISTINCT value)::int FROM \(identifier: fixture.schema).processed") == 199)
        let dead = try await fixture.pool.query("SELECT \"offset\" FROM \(identifier: fixture.schema).dead ORDER BY 1").map { try $0.decode(Int64.self, at: 0) }
        #expect(dead == [42, 143])
        #expect(await fixture.pool.discardedSessions == 0)
        #expect(try await fixture.distinctOutputIDs(expected: 199).distinct.count == 199)
        await fixture.pool.shutdown()
    }

    /// PostgreSQL ends the pipeline's sessions again and again while it works (as a server
    /// restart or an administrator would): consumer lanes, offset transactions and publisher
    /// passes fail mid-way, some after their COMMIT went out. Each is retried on a new session.
    /// A batch whose COMMIT's outcome was lost runs again, so the handler's writes must be
    /// idempotent, as every service's are: then every message is applied exactly once, none is
    /// lost or dead-lettered, and each is published.
    @Test func sessionsEndedByTheServerMidRunLoseNothingAndApplyEachOnce() async throws {
        let fixture = try await Fixture.make(partitions: 2)
        let schema = fixture.schema
        try await fixture.pool.execute("CREATE UNIQUE INDEX ON \(identifier: schema).processed (topic, partition, \"offset\")")
        let values = (0..<1500).map { "m\($0)" }
        try await fixture.produce(values)
        let handler = RecordingHandler(schema: schema, outputTopic: fixture.output, pauseMicroseconds: 20_000, idempotent: true)
        // Watched and checked through an admin pool: the fixture's own sessions are the ones ended.
        let admin = PostgresPool(configuration: PostgresConfiguration(url: try TestEnvironment.databaseURL(), poolSize: 1,
                                                                      applicationName: "pipeline-tests-admin"), logger: Self.logger)
        @Sendable func count(_ table: String) async throws -> Int {
            try await admin.query("SELECT count(*)::int FROM \(identifier: schema).\(identifier: table)")[0].decode(Int.self, at: 0)
        }
        let killer = Task {
            var ended = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(150))
                // The sessions are chosen first (a materialized CTE): in one WHERE clause the planner
                // may call pg_terminate_backend before it filters by name, ending every session.
                let rows = try? await admin.query("""
                    WITH targets AS MATERIALIZED (SELECT pid FROM pg_stat_activity WHERE application_name = \(schema))
                    SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int FROM targets
                    """)
                ended += (try? rows?.first?.decode(Int.self, at: 0)) ?? 0
            }
            return ended
        }
        try await fixture.run(handler: handler, lanes: 2) {
            let processed = try await count("processed"), waiting = try await count("outbox")
            return processed >= values.count && waiting == 0
        }
        killer.cancel()
        let ended = await killer.value
        #expect(ended >= 5, "sessions were ended mid-run (\(ended))")
        #expect(handler.batchSizes.withLock { $0.reduce(0, +) } >= values.count)
        #expect(await fixture.pool.discardedSessions == 0, "ended sessions are lost ones, none left open inside a transaction")
        #expect(try await count("processed") == values.count, "each message applied once, none lost")
        #expect(try await admin.query("SELECT count(DISTINCT value)::int FROM \(identifier: schema).processed")[0].decode(Int.self, at: 0)
                == values.count)
        #expect(try await count("dead") == 0)
        #expect(try await fixture.distinctOutputIDs(expected: values.count).distinct.count == values.count)
        await admin.shutdown()
        await fixture.pool.shutdown()
    }

    @Test func transientFailuresAreRetriedWithoutLoss() async throws {
        let fixture = try await Fixture.make(partitions: 2)
        try await fixture.produce((0..<200).map { "m\($0)" })
        let handler = RecordingHandler(schema: fixture.schema, outputTopic: fixture.output, transientFailures: 3)
        try await fixture.run(handler: handler) { try await fixture.processedCount() >= 200 }
        #expect(try await fixture.processedCount() == 200)
        #expect(try await fixture.count("SELECT count(*)::int FROM \(identifier: fixture.schema).dead") == 0)
        #expect(handler.transientFailures.withLock { $0 } == 0)
        await fixture.pool.shutdown()
    }

    /// A message the broker can never take (larger than the producer's `message.max.bytes`,
    /// refused locally with `MSG_SIZE_TOO_LARGE`) must not stop the publisher: it moves to
    /// `outbox_dead` with the reason and the messages around it are published, in order. The
    /// publisher keeps running and publishes what comes after.
    @Test func outboxRowTheBrokerRefusesIsMovedAsideAndTheRestFlowsInOrder() async throws {
        let fixture = try await Fixture.make(partitions: 1)
        let outbox = Outbox(schema: fixture.schema)
        func message(_ index: Int, bytes: Int = 16) -> OutboxMessage {
            OutboxMessage(id: UUID(uuidString: String(format: "00000000-0000-4000-8000-%012x", index))!, topic: fixture.output,
                          key: "one-subject", payload: Array(repeating: UInt8(ascii: "x"), count: bytes))
        }
        var first = (0..<40).map { message($0) }
        first[13] = message(13, bytes: 2_000_000)
        first[31] = message(31, bytes: 1_500_000)
        try await fixture.pool.withTransaction { _ = try outbox.enqueue(first, on: $0) }

        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: fixture.bootstrap), logger: Self.logger)
        let publisher = OutboxPublisher(pool: fixture.pool, producer: producer, schema: fixture.schema, logger: Self.logger)
        let group = ServiceGroup(services: [publisher], gracefulShutdownSignals: [], logger: Self.logger)
        let second = (40..<50).map { message($0) }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Self.waitUntil("the first rows leave the outbox") {
                try await fixture.count("SELECT count(*)::int FROM \(identifier: fixture.schema).outbox") == 0
            }
            // Still running: later rows are published too.
            try await fixture.pool.withTransaction { _ = try outbox.enqueue(second, on: $0) }
            publisher.wake()
            try await Self.waitUntil("the later rows leave the outbox") {
                try await fixture.count("SELECT count(*)::int FROM \(identifier: fixture.schema).outbox") == 0
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        await producer.shutdown()

        let dead = try await fixture.pool.query("""
            SELECT message_id, error, octet_length(payload) FROM \(identifier: fixture.schema).outbox_dead ORDER BY seq
            """)
        #expect(try dead.map { try $0.decode(UUID.self, at: 0) } == [first[13].id, first[31].id])
        #expect(try dead.allSatisfy { try $0.decode(String.self, at: 1).contains("MSG_SIZE_TOO_LARGE") })
        #expect(try dead.map { try $0.decode(Int.self, at: 2) } == [2_000_000, 1_500_000])

        let expected = (first + second).filter { $0.payload.count < 1_000_000 }.map { $0.id.uuidString.lowercased() }
        #expect(try await fixture.firstCopiesOfOutputIDs(expected: expected.count) == expected,
                "every other message published, in outbox order")
        await fixture.pool.shutdown()
    }

    /// A row that took a lower position but commits after a higher one was published is not
    /// lost: reading after the last published position passes it by, and the next read from the
    /// start publishes it.
    @Test func rowCommittedLateBelowThePublishedPositionIsPublishedByTheRescan() async throws {
        let fixture = try await Fixture.make(partitions: 1)
        let outbox = Outbox(schema: fixture.schema)
        func message(_ index: Int) -> OutboxMessage {
            OutboxMessage(id: UUID(uuidString: String(format: "00000000-0000-4000-8000-%012x", index))!, topic: fixture.output,
                          key: "subject-\(index)", payload: Array("message \(index)".utf8))
        }
        let lateCommitted = message(1), quick = message(2)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: fixture.bootstrap), logger: Self.logger)
        let publisher = OutboxPublisher(pool: fixture.pool, producer: producer, schema: fixture.schema, logger: Self.logger)

        let (inserted, insertedSignal) = AsyncStream<Void>.makeStream()
        let (release, releaseSignal) = AsyncStream<Void>.makeStream()
        let slow = Task {
            try await fixture.pool.withTransaction { connection in
                try outbox.enqueue([lateCommitted], on: connection)
                try connection.execute("SELECT 1")  // sends the deferred insert: it takes the lower position
                insertedSignal.yield()
                for await _ in release { break }
            }
        }
        for await _ in inserted { break }
        try await fixture.pool.withTransaction { _ = try outbox.enqueue([quick], on: $0) }
        #expect(try await publisher.publishBatch(fromStart: false) == 1, "only the committed row")
        releaseSignal.yield()
        try await slow.value
        #expect(try await publisher.publishBatch(fromStart: false) == 0, "below the cursor")
        #expect(try await publisher.publishBatch(fromStart: true) == 1, "found from the start")
        #expect(try await fixture.count("SELECT count(*)::int FROM \(identifier: fixture.schema).outbox") == 0)
        let output = try await fixture.outputIDsInOrder(expected: 2)
        #expect(Set(output) == [quick.id.uuidString.lowercased(), lateCommitted.id.uuidString.lowercased()])
        await producer.shutdown()
        await fixture.pool.shutdown()
    }

    /// Waits (up to 60 s) until `condition` holds.
    static func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while try await !condition() {
            if ContinuousClock.now > deadline {
                Issue.record("timed out waiting until \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
