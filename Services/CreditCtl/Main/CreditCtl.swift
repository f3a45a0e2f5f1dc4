import ArgumentParser

/// `creditctl`: the operator's tool for SocialCredit and its embedded stack.
@main
struct CreditCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "creditctl",
        abstract: "Operate SocialCredit: the embedded stack, the dev broker, clients of its services, the demo, simulation, benchmarks.",
        subcommands: [UpCommand.self, DownCommand.self, StatusCommand.self, Broker.self, ClockCommand.self,
                      PublishCommand.self, PostCommand.self, ScoreCommand.self, LedgerCommand.self, CasesCommand.self,
                      AppealCommand.self, ReviewCommand.self, ListsCommand.self, NoticesCommand.self, DemoCommand.self,
                      Simulate.self, Bench.self]
    )
}
