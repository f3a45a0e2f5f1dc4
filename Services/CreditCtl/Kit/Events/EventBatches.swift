/// Splits routed events into batches to send: one agency per batch (a topic, or a token),
/// agencies in order of first appearance, input order kept within an agency.
public enum EventBatches {
    /// Batches of at most `size` events, each of one agency.
    public static func make(_ events: [RoutedEvent], size: Int) -> [[RoutedEvent]] {
        var order: [String] = []
        var byAgency: [String: [RoutedEvent]] = [:]
        for event in events {
            if byAgency[event.agency] == nil { order.append(event.agency) }
            byAgency[event.agency, default: []].append(event)
        }
        let size = max(1, size)
        return order.flatMap { agency -> [[RoutedEvent]] in
            let group = byAgency[agency] ?? []
            return stride(from: 0, to: group.count, by: size).map { Array(group[$0..<min($0 + size, group.count)]) }
        }
    }
}
