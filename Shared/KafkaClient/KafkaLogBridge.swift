import CRdKafka
import Logging

/// Routes librdkafka's log lines (`log_cb`) and error events (`error_cb`) of one
/// configuration into the client's swift-log `Logger`. librdkafka calls these on its own
/// threads; `Logger` is thread-safe.
func installLogBridge(_ conf: OpaquePointer) {
    rd_kafka_conf_set_log_cb(conf) { rk, level, facility, line in
        guard let context = ClientContext.of(rk) else { return }
        context.logger.log(level: loggerLevel(syslog: level),
                           "\(line.map { String(cString: $0) } ?? "")",
                           metadata: ["kafka.facility": "\(facility.map { String(cString: $0) } ?? "")",
                                      "kafka.client": "\(rk.map { String(cString: rd_kafka_name($0)) } ?? "")"])
    }
    rd_kafka_conf_set_error_cb(conf) { rk, err, reason, opaque in
        guard let context = ClientContext.from(opaque) else { return }
        let code = rd_kafka_resp_err_t(rawValue: err)
        let text = reason.map { String(cString: $0) } ?? ""
        if code == RD_KAFKA_RESP_ERR__FATAL, let rk {
            var buffer = [CChar](repeating: 0, count: 512)
            let underlying = rd_kafka_fatal_error(rk, &buffer, buffer.count)
            var error = KafkaError.fromBuffer(underlying, buffer)
            error = KafkaError(code: error.code, message: error.message, isRetriable: false, isFatal: true)
            context.fatalError.withLock { if $0 == nil { $0 = error } }
            context.logger.critical("kafka fatal error: \(error)")
        } else {
            let error = KafkaError(code, message: text)
            // Broker connection trouble is expected while brokers restart; the client retries.
            let level: Logger.Level = error.isRetriable ? .warning : .error
            context.logger.log(level: level, "kafka error: \(error)")
        }
    }
}

/// Maps a syslog level (0 emergency ... 7 debug), as librdkafka uses, to a swift-log level.
func loggerLevel(syslog level: Int32) -> Logger.Level {
    switch level {
    case ...2: .critical
    case 3: .error
    case 4: .warning
    case 5: .notice
    case 6: .info
    default: .debug
    }
}
