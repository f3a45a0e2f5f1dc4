import ArgumentParser
import UnixSignals

/// Runs a command's work until it ends or SIGINT/SIGTERM arrives. The processes a benchmark
/// starts run in process groups of their own, so a terminal's Ctrl-C reaches only `creditctl`:
/// without this, SIGINT's default action ended it at once and left them running.
enum Interruption {
    /// Runs `body` until it ends or a signal arrives. On a signal it says `stopping`, cancels
    /// `body` and waits while it stops what it started (its cleanup must run on cancellation),
    /// then says `afterwards` and exits with 128 + the signal's number (130 for SIGINT, 143 for
    /// SIGTERM).
    static func run<T: Sendable>(command: String, stopping: String, afterwards: String,
                                 _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        let outcome = await withTaskGroup(of: Outcome<T>?.self) { group -> Outcome<T> in
            group.addTask {
                do { return .finished(.success(try await body())) } catch { return .finished(.failure(error)) }
            }
            group.addTask {
                for await signal in signals { return .interrupted(signal) }
                return nil
            }
            while let next = await group.next() {
                guard let first = next else { continue }
                group.cancelAll()
                if case .interrupted(let signal) = first {
                    complain("\(command): \(signal) received; \(stopping)")
                    while await group.next() != nil {}  // the work's cleanup
                }
                return first
            }
            preconditionFailure("the work always reports")
        }
        switch outcome {
        case .finished(let result):
            return try result.get()
        case .interrupted(let signal):
            complain("\(command): interrupted; \(afterwards)")
            throw ExitCode(128 + signal.rawValue)
        }
    }

    /// How the work ended: by itself, or by a signal.
    private enum Outcome<T: Sendable>: Sendable {
        case finished(Result<T, any Error>)
        case interrupted(UnixSignal)
    }
}
