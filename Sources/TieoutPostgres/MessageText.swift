/// Text from a file, an option or the server, made fit for a one-line message: the one place where values are
/// quoted, escaped and cut, for the loader's messages and the command line's alike.
public enum MessageText {
    /// How many characters of a value ``quoted(_:quote:limit:)`` shows by default.
    public static let quotedLength = 60

    /// `value` between `quote`s (single by default), control characters escaped (`\n`, `\r`, `\t`, `\u{1B}`), and a
    /// value longer than `limit` characters cut to its first `limit`, then `…` and its length:
    /// `'aaaa…' (10485760 characters)`. A bad 10 MB value never makes a 10 MB error line.
    public static func quoted(_ value: some StringProtocol, quote: String = "'", limit: Int = quotedLength) -> String {
        let (text, cut) = escaped(value, limit: limit)
        guard cut else { return quote + text + quote }
        return "\(quote)\(text)…\(quote) (\(value.count) characters)"
    }

    /// The first `limit` characters of `value` with control characters escaped, and whether it was cut.
    public static func escaped(_ value: some StringProtocol, limit: Int) -> (text: String, cut: Bool) {
        var text = ""
        var count = 0
        for character in value {
            if count == limit { return (text, true) }
            count += 1
            text += escapedControls(character)
        }
        return (text, false)
    }

    /// One character, with a line break, tab or other control character written as an escape.
    public static func escapedControls(_ character: Character) -> String {
        guard character.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            return String(character)
        }
        return character.unicodeScalars.map { scalar in
            switch scalar {
            case "\n": return "\\n"
            case "\r": return "\\r"
            case "\t": return "\\t"
            default:
                return scalar.properties.generalCategory == .control
                    ? "\\u{\(String(scalar.value, radix: 16, uppercase: true))}" : String(scalar)
            }
        }.joined()
    }
}
