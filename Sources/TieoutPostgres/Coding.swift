public import Foundation

/// A Swift value that can be sent as a bind parameter, in PostgreSQL's text format.
public protocol PostgresEncodable: Sendable {
    /// The PostgreSQL type OID of the parameter; 0 lets the server infer it from context.
    static var postgresTypeOID: UInt32 { get }
    /// The value in PostgreSQL's text input format.
    var postgresText: String { get }
}

/// A Swift value that can be decoded from a column in PostgreSQL's text output format.
public protocol PostgresDecodable: Sendable {
    /// Parses the server's text form; throws ``PostgresDecodingFailure`` when it does not fit.
    init(postgresText text: String) throws(PostgresDecodingFailure)
    /// Decodes a possibly NULL value. The default refuses NULL; `Optional` accepts it.
    static func decode(postgresText text: String?) throws(PostgresDecodingFailure) -> Self
}

/// Why a column value could not be decoded. It never quotes the value itself.
public struct PostgresDecodingFailure: Error, Sendable, CustomStringConvertible {
    /// A short reason, e.g. "NULL where a value is required".
    public var reason: String
    /// Creates a failure with a reason.
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

extension PostgresDecodable {
    public static func decode(postgresText text: String?) throws(PostgresDecodingFailure) -> Self {
        guard let text else { throw PostgresDecodingFailure("NULL where a value of type \(Self.self) is required") }
        return try Self(postgresText: text)
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init(postgresText text: String) throws(PostgresDecodingFailure) {
        self = .some(try Wrapped(postgresText: text))
    }

    public static func decode(postgresText text: String?) throws(PostgresDecodingFailure) -> Self {
        guard let text else { return nil }
        return try Wrapped(postgresText: text)
    }
}

// MARK: - Text

extension String: PostgresEncodable, PostgresDecodable {
    /// Unknown type: the server infers it from context, as it does for a quoted literal.
    public static var postgresTypeOID: UInt32 { 0 }
    public var postgresText: String { self }
    public init(postgresText text: String) { self = text }
}

// MARK: - Integers

extension Int: PostgresEncodable, PostgresDecodable {
    public static var postgresTypeOID: UInt32 { 20 }  // int8
    public var postgresText: String { String(self) }
    public init(postgresText text: String) throws(PostgresDecodingFailure) {
        guard let value = Int(text) else { throw PostgresDecodingFailure("not an integer that fits Int") }
        self = value
    }
}

extension Int64: PostgresEncodable, PostgresDecodable {
    public static var postgresTypeOID: UInt32 { 20 }  // int8
    public var postgresText: String { String(self) }
    public init(postgresText text: String) throws(PostgresDecodingFailure) {
        guard let value = Int64(text) else { throw PostgresDecodingFailure("not an integer that fits Int64") }
        self = value
    }
}

extension Int32: PostgresEncodable, PostgresDecodable {
    public static var postgresTypeOID: UInt32 { 23 }  // int4
    public var postgresText: String { String(self) }
    public init(postgresText text: String) throws(PostgresDecodingFailure) {
        guard let value = Int32(text) else { throw PostgresDecodingFailure("not an integer that fits Int32") }
        self = value
    }
}

// MARK: - Bool

extension Bool: PostgresEncodable, PostgresDecodable {
    public static var postgresTypeOID: UInt32 { 16 }  // bool
    public var postgresText: String { self ? "true" : "false" }
    public init(postgresText text: String) throws(PostgresDecodingFailure) {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw PostgresDecodingFailure("not a boolean")
        }
    }
}

// MARK: - UUID

extension UUID: PostgresEncodable, PostgresDecodable {
    public static var postgresTypeOID: UInt32 { 2950 }  // uuid
    public var postgresText: String { uuidString.lowercased() }
    public init(postgresText text: String) throws(PostgresDecodingFailure) {
        guard let value = UUID(uuidString: text) else { throw PostgresDecodingFailure("not a UUID") }
        self = value
    }
}

// MARK: - Exact decimal

extension Decimal: PostgresEncodable, PostgresDecodable {
    public static var postgresTypeOID: UInt32 { 1700 }  // numeric
    public var postgresText: String { description }

    /// Parses a `numeric` exactly. A value Foundation's `Decimal` cannot hold exactly (more than 38
    /// significant digits, NaN, infinity) is refused rather than rounded: decode it as `String`.
    public init(postgresText text: String) throws(PostgresDecodingFailure) {
        guard let canonical = canonicalDecimalText(text) else {
            throw PostgresDecodingFailure("not a finite decimal number")
        }
        guard let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), !value.isNaN,
            canonicalDecimalText(value.description) == canonical
        else {
            throw PostgresDecodingFailure("numeric value does not fit Decimal exactly (decode it as String)")
        }
        self = value
    }
}

/// `-0012.3400` → `-12.34`; `0.000` → `0`. Nil when the text is not a plain decimal number.
func canonicalDecimalText(_ text: String) -> String? {
    var utf8 = Substring(text).utf8[...]
    var negative = false
    if let first = utf8.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
        negative = first == UInt8(ascii: "-")
        utf8 = utf8.dropFirst()
    }
    let parts = utf8.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
    guard !utf8.isEmpty, parts.count <= 2 else { return nil }
    let digit: (UInt8) -> Bool = { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    guard parts.allSatisfy({ $0.allSatisfy(digit) }), parts.contains(where: { !$0.isEmpty }) else { return nil }
    let integer = String(decoding: parts[0].drop { $0 == UInt8(ascii: "0") }, as: UTF8.self)
    var fraction = parts.count == 2 ? Array(parts[1]) : []
    while fraction.last == UInt8(ascii: "0") { fraction.removeLast() }
    let fractionText = String(decoding: fraction, as: UTF8.self)
    if integer.isEmpty && fractionText.isEmpty { return "0" }
    return (negative ? "-" : "") + (integer.isEmpty ? "0" : integer) + (fractionText.isEmpty ? "" : "." + fractionText)
}

// MARK: - Dates and timestamps

/// A calendar date with no time zone: PostgreSQL's `date`.
public struct PostgresDate: Hashable, Comparable, Sendable, CustomStringConvertible, PostgresEncodable,
    PostgresDecodable
{
    public var year: Int
    public var month: Int
    public var day: Int

    /// A date; the caller provides a valid year, month and day.
    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`; nil unless it is a day of the calendar (no February 30, no year 0).
    public init?(_ text: String) {
        guard let parsed = try? PostgresDate(postgresText: text) else { return nil }
        self = parsed
    }

    public static var postgresTypeOID: UInt32 { 1082 }  // date
    public var postgresText: String { description }

    public init(postgresText text: String) throws(PostgresDecodingFailure) {
        var scanner = DigitScanner(text)
        guard let year = scanner.number(minDigits: 4, maxDigits: 7), scanner.skip("-"),
            let month = scanner.number(minDigits: 2, maxDigits: 2), scanner.skip("-"),
            let day = scanner.number(minDigits: 2, maxDigits: 2), scanner.atEnd,
            (1...12).contains(month), (1...31).contains(day)
        else { throw PostgresDecodingFailure("not a date in ISO form YYYY-MM-DD") }
        guard year >= 1 else { throw PostgresDecodingFailure("not a date: there is no year 0") }
        guard day <= Self.days(inMonth: month, of: year) else {
            throw PostgresDecodingFailure(
                "not a calendar date: \(Self.monthNames[month - 1]) \(year) has \(Self.days(inMonth: month, of: year)) days"
            )
        }
        self.init(year: year, month: month, day: day)
    }

    /// Whether `year`-`month`-`day` is a day of the (proleptic Gregorian) calendar from year 1 on.
    public static func isValid(year: Int, month: Int, day: Int) -> Bool {
        year >= 1 && (1...12).contains(month) && day >= 1 && day <= days(inMonth: month, of: year)
    }

    /// The number of days of `month` (1–12) in `year`: February has 29 in leap years (every fourth year, but not
    /// centuries unless divisible by 400).
    public static func days(inMonth month: Int, of year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
        "December",
    ]

    public var description: String {
        let y = String(year)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-" + twoDigits(month) + "-" + twoDigits(day)
    }

    public static func < (lhs: PostgresDate, rhs: PostgresDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// Days since 1970-01-01 (proleptic Gregorian calendar).
    var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// The date `days` after 1970-01-01.
    init(daysSinceEpoch days: Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }
}

/// Timestamps travel as `timestamptz` in UTC with microseconds. The wrapper sets each session's
/// `TimeZone` to UTC and `DateStyle` to ISO, so the text form is always `YYYY-MM-DD HH:MM:SS[.ffffff]+00`.
/// A `timestamp without time zone` decodes as if it were UTC; a `date` decodes as UTC midnight.
extension Date: PostgresEncodable, PostgresDecodable {
    public static var postgresTypeOID: UInt32 { 1184 }  // timestamptz

    public var postgresText: String {
        let micros = Int((timeIntervalSince1970 * 1_000_000).rounded())
        var days = micros / 86_400_000_000
        var rest = micros % 86_400_000_000
        if rest < 0 {
            rest += 86_400_000_000
            days -= 1
        }
        let date = PostgresDate(daysSinceEpoch: days)
        let seconds = rest / 1_000_000
        let fraction = rest % 1_000_000
        var text =
            date.description + " " + twoDigits(seconds / 3600) + ":" + twoDigits(seconds / 60 % 60) + ":"
            + twoDigits(seconds % 60)
        if fraction != 0 {
            let f = String(fraction)
            text += "." + String(repeating: "0", count: 6 - f.count) + f
        }
        return text + "+00"
    }

    public init(postgresText text: String) throws(PostgresDecodingFailure) {
        let failure = PostgresDecodingFailure("not a timestamp in ISO form")
        var scanner = DigitScanner(text)
        guard let year = scanner.number(minDigits: 4, maxDigits: 7), scanner.skip("-"),
            let month = scanner.number(minDigits: 2, maxDigits: 2), scanner.skip("-"),
            let day = scanner.number(minDigits: 2, maxDigits: 2)
        else { throw failure }
        var micros = 0
        if !scanner.atEnd {
            guard scanner.skip(" ") || scanner.skip("T"), let hour = scanner.number(minDigits: 2, maxDigits: 2),
                scanner.skip(":"), let minute = scanner.number(minDigits: 2, maxDigits: 2), scanner.skip(":"),
                let second = scanner.number(minDigits: 2, maxDigits: 2)
            else { throw failure }
            micros = ((hour * 60 + minute) * 60 + second) * 1_000_000
            if scanner.skip(".") {
                guard let (value, digits) = scanner.fraction(maxDigits: 6) else { throw failure }
                var scaled = value
                for _ in digits..<6 { scaled *= 10 }
                micros += scaled
            }
            if scanner.peek == "+" || scanner.peek == "-" {
                let sign = scanner.peek == "-" ? -1 : 1
                _ = scanner.skip(scanner.peek == "-" ? "-" : "+")
                guard let hours = scanner.number(minDigits: 2, maxDigits: 2) else { throw failure }
                var offsetSeconds = hours * 3600
                if scanner.skip(":") {
                    guard let minutes = scanner.number(minDigits: 2, maxDigits: 2) else { throw failure }
                    offsetSeconds += minutes * 60
                    if scanner.skip(":") {
                        guard let seconds = scanner.number(minDigits: 2, maxDigits: 2) else { throw failure }
                        offsetSeconds += seconds
                    }
                }
                micros -= sign * offsetSeconds * 1_000_000
            } else if scanner.skip("Z") {
                // UTC
            }
        }
        guard scanner.atEnd, (1...12).contains(month), (1...31).contains(day) else { throw failure }
        let days = PostgresDate(year: year, month: month, day: day).daysSinceEpoch
        let total = days * 86_400_000_000 + micros
        self = Date(timeIntervalSince1970: Double(total) / 1_000_000)
    }
}

private func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

/// A tiny scanner for the fixed ISO forms the server prints.
struct DigitScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    var atEnd: Bool { index == bytes.count }
    var peek: Character? { index < bytes.count ? Character(UnicodeScalar(bytes[index])) : nil }

    mutating func skip(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue, index < bytes.count, bytes[index] == ascii else { return false }
        index += 1
        return true
    }

    mutating func number(minDigits: Int, maxDigits: Int) -> Int? {
        var value = 0
        var count = 0
        while index < bytes.count, count < maxDigits, bytes[index] >= 48, bytes[index] <= 57 {
            value = value * 10 + Int(bytes[index] - 48)
            index += 1
            count += 1
        }
        return count >= minDigits ? value : nil
    }

    /// Reads up to `maxDigits` digits after a decimal point: (value, digits read).
    mutating func fraction(maxDigits: Int) -> (Int, Int)? {
        let start = index
        guard let value = number(minDigits: 1, maxDigits: maxDigits) else { return nil }
        return (value, index - start)
    }
}

// MARK: - Text arrays

extension Array: PostgresEncodable where Element == String {
    public static var postgresTypeOID: UInt32 { 1009 }  // text[]
    /// The array literal `{"a","b"}`, every element quoted (so commas, braces and NULL stay text).
    public var postgresText: String {
        "{"
            + map { element in
                var quoted = "\""
                for character in element {
                    if character == "\\" || character == "\"" { quoted.append("\\") }
                    quoted.append(character)
                }
                return quoted + "\""
            }.joined(separator: ",") + "}"
    }
}

extension Array: PostgresDecodable where Element == String {
    /// Parses a one-dimensional text[] in the server's output form. A NULL element is refused.
    public init(postgresText text: String) throws(PostgresDecodingFailure) {
        var characters = text[...]
        guard characters.first == "{", characters.last == "}" else {
            throw PostgresDecodingFailure("not a one-dimensional array")
        }
        characters = characters.dropFirst().dropLast()
        var result: [String] = []
        guard !characters.isEmpty else {
            self = result
            return
        }
        var current = ""
        var quoted = false
        var wasQuoted = false
        var escaped = false
        for character in characters {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
                wasQuoted = true
            } else if character == "," && !quoted {
                guard wasQuoted || current != "NULL" else { throw PostgresDecodingFailure("NULL array element") }
                result.append(current)
                current = ""
                wasQuoted = false
            } else if character == "{" && !quoted {
                throw PostgresDecodingFailure("multi-dimensional arrays are not supported")
            } else {
                current.append(character)
            }
        }
        guard wasQuoted || current != "NULL" else { throw PostgresDecodingFailure("NULL array element") }
        result.append(current)
        self = result
    }
}
