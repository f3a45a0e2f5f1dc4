import ArgumentParser

/// `creditctl`: the operator's tool for SocialCredit and its embedded stack.
@main
struct CreditCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "creditctl",
        abstract: "Operate SocialCredit: the dev broker, the embedded stack, benchmarks.",
        subcommands: [UpCommand.self, DownCommand.self, StatusCommand.self, Broker.self, ClockCommand.self, Bench.self,
                      Simulate.self]
    )
}
