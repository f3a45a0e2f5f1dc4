import Crypto
import Foundation

/// The `X-Signature` header of a webhook call: `sha256=<hex HMAC-SHA256 of the body>` keyed
/// with the endpoint's secret. Receivers recompute it over the raw body and compare in
/// constant time (`isValid`).
public enum WebhookSignature {
    /// The header's name.
    public static let headerName = "X-Signature"

    /// The header value for `body` signed with `secret`.
    public static func header(body: some DataProtocol, secret: String) -> String {
        let code = HMAC<Crypto.SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + code.withUnsafeBytes { bytes in bytes.map { String(format: "%02x", $0) }.joined() }
    }

    /// True when `header` is a valid signature of `body` under `secret` (constant-time check).
    public static func isValid(header: String, body: some DataProtocol, secret: String) -> Bool {
        guard header.hasPrefix("sha256="), let code = hexBytes(header.dropFirst("sha256=".count)) else { return false }
        return HMAC<Crypto.SHA256>.isValidAuthenticationCode(code, authenticating: body,
                                                             using: SymmetricKey(data: Data(secret.utf8)))
    }

    private static func hexBytes(_ text: Substring) -> [UInt8]? {
        guard text.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
