import Foundation
import PostgresClient
import Testing

@Suite("Pool")
struct PoolTests {
    @Test func concurrentLoadStaysWithinPoolSize() async throws {
        let pool = PostgresPool(configuration: try TestDB.configuration(poolSize: 3), logger: TestDB.logger)
        let table = TestDB.uniqueName("pool")
        try await pool.execute("CREATE TABLE \(identifier: table) (task int, pid int)")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<60 {
                group.addTask {
                    _ = try await pool.withTransaction { tx in
                        try tx.execute("INSERT INTO \(identifier: table) SELECT \(task), pg_backend_pid() FROM pg_sleep(0.005)")
                    }
                }
            }
            try await group.waitForAll()
        }
        let row = try await pool.query("SELECT count(*), count(DISTINCT pid) FROM \(identifier: table)")[0]
        #expect(try row.decode(Int.self, at: 0) == 60)
        // All three connections were used (60 overlapping 5 ms transactions), and no more.
        #expect(try row.decode(Int.self, at: 1) == 3)
        await pool.shutdown()
        await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
    }

    @Test func waitersAreServedInArrivalOrder() async throws {
        let pool = PostgresPool(configuration: try TestDB.configuration(poolSize: 1), logger: TestDB.logger)
        let order = OrderRecorder()
        let gate = OrderRecorder()
        let holder = Task {
            try await pool.withConnection { _ in
                while await gate.values.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
            }
        }
        while await pool.leasedCount < 1 { try await Task.sleep(for: .milliseconds(5)) }
        var waiters: [Task<Void, Error>] = []
        for index in 0..<5 {
            waiters.append(Task { try await pool.withConnection { _ in await order.record(index) } })
            while await pool.waitingCount < index + 1 { try await Task.sleep(for: .milliseconds(2)) }
        }
        await gate.record(0)
        try await holder.value
        for waiter in waiters { try await waiter.value }
        #expect(await order.values == [0, 1, 2, 3, 4])
        await pool.shutdown()
    }
}

/// Collects the order in which tasks got a connection.
actor OrderRecorder {
    var values: [Int] = []
    func record(_ value: Int) { values.append(value) }
}
