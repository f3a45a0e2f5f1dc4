import Testing
@testable import ServiceSupport

@Suite struct EnvironmentReaderTests {
    @Test func defaultsApplyWhenUnsetOrEmpty() throws {
        let env = EnvironmentReader(["EMPTY": ""])
        #expect(env.string("MISSING", default: "x") == "x")
        #expect(env.string("EMPTY", default: "y") == "y")
        #expect(try env.int("MISSING", default: 7) == 7)
        #expect(try env.bool("MISSING", default: true))
    }

    @Test func malformedValuesNameTheVariable() {
        let env = EnvironmentReader(["PORT": "80a", "FLAG": "maybe", "LEVEL": "loud", "WAIT": "soon", "BIG": "70000"])
        #expect(throws: ConfigurationError.self) { try env.int("PORT", default: 1) }
        do {
            _ = try env.int("BIG", default: 1, in: 0...65535)
            Issue.record("out-of-range value accepted")
        } catch {
            #expect(error.variable == "BIG")
            #expect(error.description.contains("0...65535"))
        }
        #expect(throws: ConfigurationError.self) { try env.bool("FLAG", default: false) }
        #expect(throws: ConfigurationError.self) { try env.duration("WAIT", default: .seconds(1)) }
        #expect(throws: ConfigurationError.self) { try env.requiredString("NOPE") }
        #expect(throws: ConfigurationError.self) { try Observability.logLevel(EnvironmentReader(["LOG_LEVEL": "loud"])) }
    }

    @Test(arguments: [("500ms", Duration.milliseconds(500)), ("5s", .seconds(5)), ("2m", .seconds(120)),
                      ("1h", .seconds(3600)), ("11d", .seconds(950_400)), ("1.5", .milliseconds(1500))])
    func durationsParse(text: String, expected: Duration) {
        #expect(DurationText.parse(text) == expected)
    }

    @Test(arguments: ["", "d", "-1s", "abc", "5 weeks"])
    func badDurationsAreRefused(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test func httpConfigurationPrefersServiceVariable() throws {
        let env = EnvironmentReader(["INGEST_HTTP_PORT": "9001", "HTTP_PORT": "9000", "HTTP_HOST": "0.0.0.0"])
        #expect(try HTTPConfiguration.fromEnvironment(prefix: "INGEST", defaultPort: 8081, env) == .init(host: "0.0.0.0", port: 9001))
        #expect(try HTTPConfiguration.fromEnvironment(prefix: "SCORING", defaultPort: 8082, env).port == 9000)
        #expect(try HTTPConfiguration.fromEnvironment(prefix: "SCORING", defaultPort: 8082, .init([:])).port == 8082)
    }
}
