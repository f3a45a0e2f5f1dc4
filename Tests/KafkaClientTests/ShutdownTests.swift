import KafkaClient
import Testing
import TestSupport

/// What a service does with its consumer at shutdown must not hang, whatever the state of its
/// group membership or of the brokers.
@Suite(.timeLimit(.minutes(2))) struct ConsumerShutdownTests {
    /// The assignment hook failed (the database was unreachable), so the assignment waits in
    /// the consumer for the next `poll`, and librdkafka waits for it to be applied. A shutdown
    /// at that moment closes the consumer without another poll.
    @Test func closeWithAnAssignmentStillWaitingForItsHook() async throws {
        let bootstrap = try TestEnvironment.kafkaBootstrap()
        let topic = try await Kafka.seededTopic("close-assign", partitions: 2, messages: 10)
        let consumer = try await Kafka.consumer(bootstrap, topics: [topic], onAssign: { _ in
            throw TimeoutError(what: "database")
        })
        var failed = false
        try await eventually("the assignment hook fails") {
            do { _ = try await consumer.poll(timeout: .milliseconds(100)) } catch { failed = true }
            return failed
        }
        let start = ContinuousClock.now
        let closed = await finishes(within: .seconds(15)) { await consumer.close() }
        #expect(closed, "close() did not return within 15 s")
        #expect(ContinuousClock.now - start < .seconds(15))
    }

    /// The pipeline measures lag every few seconds inside its consumer loop. With the brokers
    /// gone, a watermark query per partition blocked for the request timeout (60 s) each and
    /// could not be cancelled, so a SIGTERM arriving meanwhile crashed the service (ingest reads
    /// 44 partitions). The lag comes from cached watermarks now and answers at once.
    @Test func lagAnswersAtOnceWhenTheBrokerIsGone() async throws {
        let control = try BrokerControl.fromEnvironment()
        let cluster = try await control.createCluster(brokers: 1)
        let topic = try await Kafka.topic("lag-down", partitions: 4, cluster: cluster.id)
        let producer = try Kafka.producer(cluster.bootstrap)
        _ = try await producer.send(Kafka.numbered(topic, 0..<40))
        await producer.shutdown()
        let consumer = try await Kafka.consumer(cluster.bootstrap, topics: [topic])
        _ = try await Kafka.collect(consumer, atLeast: 40)
        #expect(try await consumer.lag().values.reduce(0, +) == 0)

        try await control.setBroker(1, down: true, cluster: cluster.id)
        try await Task.sleep(for: .milliseconds(200))
        let answered = await finishes(within: .seconds(2)) { _ = try? await consumer.lag() }
        #expect(answered, "lag() waited for the brokers that are gone")
        _ = await finishes(within: .seconds(5)) { await consumer.close() }
        try? await control.destroyCluster(cluster.id)
    }
}
