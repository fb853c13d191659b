import Foundation

/// A SQL statement whose interpolated values become bind parameters.
///
/// ```swift
/// let query: PostgresQuery = "SELECT name FROM \(identifier: table) WHERE id = \(id) AND amount > \(limit)"
/// ```
/// `\(id)` and `\(limit)` are sent as parameters `$1` and `$2`, never spliced into the text.
/// `\(identifier:)` is quoted with libpq's `PQescapeIdentifier` when the statement runs, and
/// `\(unescaped:)` is the explicit escape hatch for trusted SQL text.
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    enum Segment: Sendable {
        case sql(String)
        case bind(PostgresBind)
        case identifier(String)
    }

    var segments: [Segment]

    /// A statement with no parameters.
    public init(stringLiteral value: String) { segments = [.sql(value)] }

    /// Plain SQL text: the caller vouches it holds no untrusted input.
    public init(unescaped sql: String) { segments = [.sql(sql)] }

    public init(stringInterpolation: StringInterpolation) { segments = stringInterpolation.segments }

    /// Builds a query in pieces.
    public struct StringInterpolation: StringInterpolationProtocol {
        var segments: [Segment] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            segments.reserveCapacity(interpolationCount * 2 + 1)
        }

        public mutating func appendLiteral(_ literal: String) {
            if !literal.isEmpty { segments.append(.sql(literal)) }
        }

        /// A bound value.
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            segments.append(.bind(PostgresBind(value)))
        }

        /// A bound value that may be NULL.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            segments.append(.bind(value.map { PostgresBind($0) } ?? PostgresBind.null))
        }

        /// An identifier (schema, table, column, channel), quoted by libpq when the query runs.
        public mutating func appendInterpolation(identifier: String) {
            segments.append(.identifier(identifier))
        }

        /// A qualified name `schema.name`, each part quoted.
        public mutating func appendInterpolation(identifier schema: String, _ name: String) {
            segments.append(.identifier(schema))
            segments.append(.sql("."))
            segments.append(.identifier(name))
        }

        /// Trusted SQL text inserted as is.
        public mutating func appendInterpolation(unescaped sql: String) {
            segments.append(.sql(sql))
        }

        /// Another query, with its own parameters renumbered.
        public mutating func appendInterpolation(fragment: PostgresQuery) {
            segments.append(contentsOf: fragment.segments)
        }
    }

    /// Appends another query's text and parameters.
    public mutating func append(_ other: PostgresQuery) {
        segments.append(contentsOf: other.segments)
    }

    /// The values bound to this query, in order.
    var binds: [PostgresBind] {
        segments.compactMap { if case .bind(let b) = $0 { b } else { nil } }
    }

    /// The SQL text with `$n` placeholders and identifiers shown with plain double quotes.
    /// Never contains bound values, so it is safe to log.
    public var description: String {
        render { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    }

    /// Renders the text, numbering parameters and quoting identifiers with `quote`.
    func render(quote: (String) throws -> String) rethrows -> String {
        var text = ""
        var index = 0
        for segment in segments {
            switch segment {
            case .sql(let s): text += s
            case .bind:
                index += 1
                text += "$\(index)"
            case .identifier(let name): text += try quote(name)
            }
        }
        return text
    }
}

/// One parameter value in PostgreSQL's text format, with its type OID (0 lets the server infer).
public struct PostgresBind: Sendable {
    /// The text form, or nil for SQL NULL.
    public var text: String?
    /// The PostgreSQL type OID, or 0 to let the server infer it from context.
    public var typeOID: UInt32

    /// SQL NULL of unspecified type.
    public static let null = PostgresBind(text: nil, typeOID: 0)

    /// A parameter from its text form.
    public init(text: String?, typeOID: UInt32) {
        self.text = text
        self.typeOID = typeOID
    }

    /// A parameter from an encodable value.
    public init(_ value: some PostgresEncodable) {
        self.text = value.postgresText
        self.typeOID = type(of: value).postgresTypeOID
    }
}
