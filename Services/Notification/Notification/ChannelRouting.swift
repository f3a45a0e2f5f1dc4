import CreditModel
import Foundation

/// A subject's webhook: where notices are POSTed and the secret that signs them.
public struct WebhookEndpoint: Codable, Sendable, Hashable {
    /// The URL notices are POSTed to.
    public var url: URL
    /// The per-endpoint secret of the `X-Signature` HMAC-SHA256.
    public var secret: String

    /// An endpoint at `url` signed with `secret`.
    public init(url: URL, secret: String) {
        self.url = url
        self.secret = secret
    }
}

/// How a deployment reaches subjects: a webhook per subject, a default webhook, and the
/// mailbox directory. A subject with a webhook (its own or the default) gets it; otherwise
/// the mailbox; with neither, delivery fails permanently.
public struct ChannelRouting: Sendable {
    /// Webhooks by subject code.
    public var webhooks: [String: WebhookEndpoint]
    /// The webhook of subjects without their own.
    public var defaultWebhook: WebhookEndpoint?
    /// The mailbox directory (one `<subject>.txt` per subject), if the deployment has one.
    public var mailboxDirectory: URL?

    /// A routing; by default nothing is configured.
    public init(webhooks: [String: WebhookEndpoint] = [:], defaultWebhook: WebhookEndpoint? = nil,
                mailboxDirectory: URL? = nil) {
        self.webhooks = webhooks
        self.defaultWebhook = defaultWebhook
        self.mailboxDirectory = mailboxDirectory
    }

    /// Where a notice for one subject goes.
    public enum Route: Sendable, Hashable {
        /// POST to this webhook.
        case webhook(WebhookEndpoint)
        /// Append to the subject's file in this directory.
        case mailbox(URL)

        /// The receipt's name of the channel.
        public var channel: NoticeReceipt.Channel {
            switch self {
            case .webhook: .webhook
            case .mailbox: .mailbox
            }
        }
    }

    /// The route for `subject`, or nil when the deployment has no channel for it.
    public func route(for subject: SubjectCode) -> Route? {
        if let endpoint = webhooks[subject.rawValue] ?? defaultWebhook { return .webhook(endpoint) }
        return mailboxDirectory.map(Route.mailbox)
    }
}
