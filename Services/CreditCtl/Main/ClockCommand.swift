import ArgumentParser
import CreditCtlKit
import CreditModel
import Foundation
import ServiceSupport

/// `creditctl clock`: the embedded stack's shared dev clock (DESIGN §7). Every service of the
/// stack reads the offset file (`CREDIT_DEV_CLOCK_FILE`), so advancing it moves business time
/// for all of them at once, e.g. across a 10-day appeal window. Dev and test stacks only.
struct ClockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clock",
        abstract: "Show or advance the dev stack's shared clock.",
        subcommands: [Show.self, Advance.self],
        defaultSubcommand: Show.self
    )

    /// Where the offset file is: `--file`, else `CREDIT_DEV_CLOCK_FILE`, else `.run/clock`.
    struct FileOption: ParsableArguments {
        @Option(name: .long, help: "The shared clock's offset file (default: $CREDIT_DEV_CLOCK_FILE or .run/clock).")
        var file: String?

        var url: URL {
            URL(fileURLWithPath: file ?? EnvironmentReader().string("CREDIT_DEV_CLOCK_FILE", default: ".run/clock"))
        }
    }

    /// `creditctl clock show`: the stack's current business time and offset.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the shared clock's time and offset.")
        @OptionGroup var options: FileOption
        @Flag(name: .long, help: "Print {\"now\", \"offset_seconds\"} as JSON.") var json = false

        func run() throws {
            let offset = SharedOffsetClock.readOffset(options.url)
            if json { return print(Self.json(offset)) }
            print("dev clock: \(ISO8601DateFormatter().string(from: Date().addingTimeInterval(offset))) (offset \(Self.describe(offset)))")
        }

        /// `{"now": <business time>, "offset_seconds": <offset>}`.
        static func json(_ offset: TimeInterval) -> String {
            "{\"now\":\"\(RFC3339.format(Date().addingTimeInterval(offset)))\",\"offset_seconds\":\(offset)}"
        }

        static func describe(_ seconds: TimeInterval) -> String { DevClock.describe(seconds) }
    }

    /// `creditctl clock advance 11d`: moves the shared clock forward.
    struct Advance: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move the shared clock forward, e.g. `11d`, `36h`, `90m`.")
        @Argument(help: "How far: a number with ms, s, m, h or d.") var duration: String
        @OptionGroup var options: FileOption
        @Flag(name: .long, help: "Print {\"now\", \"offset_seconds\"} as JSON.") var json = false

        func validate() throws {
            guard DurationText.parse(duration) != nil else {
                throw ValidationError("'\(duration)' is not a duration: use a number with ms, s, m, h or d, e.g. 11d")
            }
        }

        func run() throws {
            let interval = DurationText.parse(duration)!
            let offset = try SharedOffsetClock.advance(options.url, by: interval.timeInterval)
            if json { return print(Show.json(offset)) }
            print("dev clock advanced by \(duration): now \(ISO8601DateFormatter().string(from: Date().addingTimeInterval(offset))) (offset \(Show.describe(offset)))")
        }
    }
}
