import ArgumentParser

/// `creditctl`: the operator's tool for SocialCredit and its embedded stack.
@main
struct CreditCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "creditctl",
        abstract: "Operate SocialCredit: the dev broker, the embedded stack, clients of its services, the demo, benchmarks.",
        subcommands: [Broker.self, ClockCommand.self, PublishCommand.self, PostCommand.self, ScoreCommand.self, LedgerCommand.self,
                      CasesCommand.self, AppealCommand.self, ReviewCommand.self, ListsCommand.self, NoticesCommand.self,
                      DemoCommand.self, Bench.self]
    )
}
