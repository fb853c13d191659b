internal import CLibPQ
import Foundation

/// Where to connect, and how to name this client on the server.
///
/// Connections are opened with `PQconnectdbParams`, so libpq's usual sources still apply: the
/// `PG*` environment variables (`PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE`, `PGPASSWORD`, …),
/// `~/.pgpass`, `PGSERVICE` and `sslmode`.
public struct ConnectionConfiguration: Sendable {
    enum Source: Sendable {
        case conninfo(String)
        case parameters([(String, String)])
        case environment
    }

    var source: Source
    /// Settings applied after the source's (later ones win), e.g. another database name.
    var overrides: [(String, String)] = []

    /// The same server and settings, but database `name`.
    public func database(_ name: String) -> ConnectionConfiguration {
        var copy = self
        copy.overrides.append(("dbname", name))
        return copy
    }

    /// The `application_name` the server shows in `pg_stat_activity` unless the connection
    /// settings name one.
    public var applicationName: String = "tieout"

    /// A conninfo string (`host=/tmp port=5432 dbname=x`) or a URI (`postgresql://user@host/db`).
    /// Settings it leaves out come from the `PG*` environment variables and libpq's defaults.
    public static func conninfo(_ conninfo: String) -> ConnectionConfiguration {
        ConnectionConfiguration(source: .conninfo(conninfo))
    }

    /// Explicit keyword/value settings, in order (later ones win), e.g. `[("host", "/run/pg"), ("dbname", "x")]`.
    public static func parameters(_ parameters: [(String, String)]) -> ConnectionConfiguration {
        ConnectionConfiguration(source: .parameters(parameters))
    }

    /// Everything from the `PG*` environment variables and libpq's defaults.
    public static var environment: ConnectionConfiguration { ConnectionConfiguration(source: .environment) }

    /// Checks that a conninfo string or URI parses, without connecting. The error never quotes
    /// the string (it may hold a password).
    public static func validate(conninfo: String) throws(PostgresError) {
        try checkURIUserInfo(conninfo)
        _ = try parseConninfo(conninfo)
    }

    /// The scheme prefixes libpq reads as a URI.
    static let uriSchemes = ["postgresql://", "postgres://"]

    /// A URI's `user:password@` must have its `@`, `/` (and `:` in the user) percent-encoded. libpq splits a
    /// raw one in the wrong place and then names the pieces (part of the password) as host or database in
    /// its errors. Such a URI is refused before libpq sees it, with a message that quotes nothing of it.
    static func checkURIUserInfo(_ conninfo: String) throws(PostgresError) {
        guard let scheme = uriSchemes.first(where: { conninfo.hasPrefix($0) }) else { return }
        let rest = conninfo.dropFirst(scheme.count)
        // libpq reads user info up to the first '@', unless a '/' comes first; the query string is separate.
        let beforeQuery = rest.prefix { $0 != "?" }
        let ats = beforeQuery.filter { $0 == "@" }.count
        guard ats > 0 else { return }
        let firstAt = beforeQuery.firstIndex(of: "@")!
        if ats > 1 || beforeQuery[..<firstAt].contains("/") {
            throw PostgresError(
                kind: .connection,
                message:
                    "invalid connection URI: its user or password has a raw '@' or '/'; percent-encode them (%40, %2F), or pass the password in PGPASSWORD or ~/.pgpass"
            )
        }
    }

    /// The password of a URI's `user:password@` as written (still percent-encoded), if any.
    static func rawURIPassword(_ conninfo: String) -> String? {
        guard let scheme = uriSchemes.first(where: { conninfo.hasPrefix($0) }) else { return nil }
        let rest = conninfo.dropFirst(scheme.count)
        guard let at = rest.firstIndex(of: "@") else { return nil }
        let userInfo = rest[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return nil }
        let password = userInfo[userInfo.index(after: colon)...]
        return password.isEmpty ? nil : String(password)
    }

    /// The keyword/value pairs handed to `PQconnectdbParams`, in order.
    func keywordValues() -> (pairs: [(String, String)], expandDatabaseName: Bool) {
        var pairs: [(String, String)] = [("fallback_application_name", applicationName)]
        switch source {
        case .conninfo(let conninfo):
            // Only the first dbname is expanded as a conninfo; a later one is a plain database name.
            pairs.append(("dbname", conninfo))
            return (pairs + overrides, true)
        case .parameters(let parameters):
            pairs.append(contentsOf: parameters)
            return (pairs + overrides, false)
        case .environment:
            return (pairs + overrides, false)
        }
    }

    /// Secrets to scrub from any message: the password given in the settings and `PGPASSWORD`.
    func secrets() -> [String] {
        var result: [String] = []
        switch source {
        case .conninfo(let conninfo):
            if let options = try? Self.parseConninfo(conninfo), let password = options["password"] {
                result.append(password)
            }
            if let raw = Self.rawURIPassword(conninfo) { result.append(raw) }
        case .parameters(let parameters):
            result.append(contentsOf: parameters.filter { $0.0 == "password" }.map(\.1))
        case .environment:
            break
        }
        if let password = ProcessInfo.processInfo.environment["PGPASSWORD"] { result.append(password) }
        return result.filter { !$0.isEmpty }
    }

    /// Parses a conninfo string or URI with libpq. The error redacts every quoted fragment of
    /// libpq's message, because libpq quotes pieces of the string, which may include a password.
    static func parseConninfo(_ conninfo: String) throws(PostgresError) -> [String: String] {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &errorMessage) else {
            var message = "invalid connection string"
            if let errorMessage {
                message += ": " + redactQuoted(String(cString: errorMessage))
                PQfreemem(errorMessage)
            }
            throw PostgresError(kind: .connection, message: message)
        }
        defer { PQconninfoFree(options) }
        var result: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { result[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        return result
    }
}

/// Replaces every `"…"` fragment of a libpq message with `"…"` (redacted).
func redactQuoted(_ message: String) -> String {
    var result = ""
    var inQuotes = false
    for character in message {
        if character == "\"" {
            if inQuotes { result += "…\"" } else { result += "\"" }
            inQuotes.toggle()
        } else if !inQuotes {
            result.append(character)
        }
    }
    return oneLine(result)
}

/// Removes each secret from a message.
func scrub(_ message: String, secrets: [String]) -> String {
    secrets.reduce(message) { $0.replacingOccurrences(of: $1, with: "********") }
}
