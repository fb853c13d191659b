import Foundation

/// Text helpers of the report: HTML escaping, amounts with thousands separators, and the exact ratio of two
/// amounts that chart geometry is drawn from.
enum Text {
    /// `text` safe inside an element or a double- or single-quoted attribute.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// An exact decimal amount with a comma between thousands: `1234567.89` → `1,234,567.89`. Only commas are
    /// inserted into the integer digits; every digit, the sign and the decimals stay as they were (`0.10` stays
    /// `0.10`). Text that is not a plain decimal is returned unchanged.
    static func grouped(_ amount: String) -> String {
        var sign = ""
        var rest = Substring(amount)
        if let first = rest.first, first == "-" || first == "+" {
            sign = String(first)
            rest = rest.dropFirst()
        }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let integer = parts.first, !integer.isEmpty, integer.allSatisfy(\.isASCIIDigit),
            parts.count == 1 || parts[1].allSatisfy(\.isASCIIDigit)
        else { return amount }
        var digits = ""
        for (index, digit) in integer.enumerated() {
            if index > 0, (integer.count - index) % 3 == 0 { digits.append(",") }
            digits.append(digit)
        }
        return sign + digits + (parts.count == 2 ? "." + parts[1] : "")
    }

    /// `part / whole` of two exact decimal amounts, between 0 and 1, for the length of a bar or the height of a
    /// point. Computed with `Decimal` (exact decimal arithmetic); only the resulting proportion becomes a `Double`,
    /// for pixels. Amounts are always printed from their text, never from this.
    static func ratio(_ part: String, of whole: String) -> Double {
        guard let part = Decimal(string: part, locale: posix), let whole = Decimal(string: whole, locale: posix),
            whole > 0, part > 0
        else { return 0 }
        let quotient = part / whole
        return min(1, NSDecimalNumber(decimal: quotient).doubleValue)
    }

    /// The largest of some exact decimal amounts (compared exactly); "0" for none.
    static func largest(_ amounts: [String]) -> String {
        var best = "0"
        var bestValue = Decimal(0)
        for amount in amounts {
            if let value = Decimal(string: amount, locale: posix), value > bestValue {
                best = amount
                bestValue = value
            }
        }
        return best
    }

    static let posix = Locale(identifier: "en_US_POSIX")

    /// A pixel coordinate with at most one decimal, as SVG takes it.
    static func px(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let magnitude = abs(tenths)
        return magnitude % 10 == 0 ? "\(sign)\(magnitude / 10)" : "\(sign)\(magnitude / 10).\(magnitude % 10)"
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
