import DevBrokerClient

/// The tests' name for the dev broker's control client (`DevBrokerClient`).
public typealias BrokerControl = DevBrokerControl

extension DevBrokerControl {
    /// The client of the broker `scripts/test` started (`CREDIT_TEST_BROKER_CONTROL`).
    public static func fromEnvironment() throws -> DevBrokerControl {
        try DevBrokerControl(baseURL: TestEnvironment.brokerControl())
    }
}
