internal import CLibPQ
import Foundation
public import Logging

/// One libpq connection. Synchronous: every call blocks its thread until the server answers.
///
/// A connection is not `Sendable`: use it from one thread at a time. From Swift concurrency, reach
/// it through ``PostgresClient``, which runs it on its own serial queue so that blocking calls never
/// occupy the cooperative thread pool.
public final class PostgresConnection {
    let conn: OpaquePointer
    /// Messages logged by the server (`NOTICE`, `WARNING`, …) and the wrapper's own debug lines.
    public let logger: Logger
    let secrets: [String]
    /// The settings this connection was opened with, for ``reopened()``.
    public let configuration: ConnectionConfiguration
    private let noticeSink: NoticeSink
    private var savepointCounter = 0
    private var closed = false

    /// Opens a connection. A failure throws a one-line ``PostgresError`` of kind `.connection`
    /// that names the target (database, host, port, user) and never the password.
    public init(
        configuration: ConnectionConfiguration = .environment, logger: Logger = Logger(label: "tieout.postgres")
    )
        throws(PostgresError)
    {
        if case .conninfo(let conninfo) = configuration.source {
            try ConnectionConfiguration.validate(conninfo: conninfo)
        }
        let secrets = configuration.secrets()
        let (pairs, expand) = configuration.keywordValues()
        let connection: OpaquePointer? = withCStringArray(pairs.map(\.0)) { keywords in
            withCStringArray(pairs.map(\.1)) { values in
                PQconnectdbParams(keywords, values, expand ? 1 : 0)
            }
        }
        guard let connection else {
            throw PostgresError(kind: .connection, message: "cannot connect: libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let target = Self.describeTarget(connection)
            let reason = scrub(oneLine(String(cString: PQerrorMessage(connection))), secrets: secrets)
            PQfinish(connection)
            throw PostgresError(
                kind: .connection, code: .connectionFailure, message: "cannot connect to \(target): \(reason)")
        }
        self.conn = connection
        self.logger = logger
        self.secrets = secrets
        self.configuration = configuration
        self.noticeSink = NoticeSink(logger: logger)
        PQsetNoticeReceiver(
            connection,
            { argument, result in
                guard let argument, let result else { return }
                Unmanaged<NoticeSink>.fromOpaque(argument).takeUnretainedValue().receive(result)
            },
            Unmanaged.passUnretained(noticeSink).toOpaque()
        )
        // Fixed session settings so that text values always parse the same way.
        try executeScript("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'")
        // A client killed in the middle of a long statement (kill -9, a lost container) would keep its session,
        // its locks and its statement running until the statement ends. With this the server checks the socket
        // every few seconds while it works and ends the session of a client that is gone (PostgreSQL 14+).
        if PQserverVersion(connection) >= 140_000 {
            try executeScript("SET client_connection_check_interval = '\(Self.clientCheckInterval)'")
        }
    }

    deinit { close() }

    /// How often the server checks, during a statement, that this client is still there.
    public static let clientCheckInterval = "2s"

    /// A new connection with the same settings and logger, e.g. after this one was lost.
    public func reopened() throws(PostgresError) -> PostgresConnection {
        try PostgresConnection(configuration: configuration, logger: logger)
    }

    /// Whether the connection to the server is still up, as far as libpq knows (it learns of a loss
    /// when a call fails).
    public var isConnected: Bool { !closed && PQstatus(conn) == CONNECTION_OK }

    /// Closes the connection. Safe to call twice.
    public func close() {
        guard !closed else { return }
        closed = true
        PQfinish(conn)
    }

    /// `database "x" on host:port as user "y"`: the target, for messages. Never the password.
    public var target: String { Self.describeTarget(conn) }

    static func describeTarget(_ conn: OpaquePointer) -> String {
        func text(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
            pointer.map { String(cString: $0) } ?? ""
        }
        let database = text(PQdb(conn))
        let host = text(PQhost(conn))
        let port = text(PQport(conn))
        let user = text(PQuser(conn))
        return
            "database \"\(database)\" on \(host.isEmpty ? "localhost" : host):\(port.isEmpty ? "5432" : port) as user \"\(user)\""
    }

    /// The server's version, e.g. 150018.
    public var serverVersion: Int { Int(PQserverVersion(conn)) }

    /// The backend process id, as `pg_backend_pid()` reports it.
    public var backendPID: Int32 { PQbackendPID(conn) }

    /// Whether the connection is idle, inside a transaction, or inside a failed one.
    public var transactionStatus: TransactionStatus {
        switch PQtransactionStatus(conn) {
        case PQTRANS_IDLE: .idle
        case PQTRANS_ACTIVE: .active
        case PQTRANS_INTRANS: .inTransaction
        case PQTRANS_INERROR: .failedTransaction
        default: .unknown
        }
    }

    // MARK: - Statements

    /// Runs one statement with its interpolated values as bind parameters and returns its rows.
    @discardableResult
    public func query(_ query: PostgresQuery) throws(PostgresError) -> PostgresResult {
        let binds = query.binds
        let text = try render(query)
        let values = binds.map(\.text)
        let result: OpaquePointer? = withOptionalCStringArray(values) { valuePointers in
            binds.map(\.typeOID).withUnsafeBufferPointer { types in
                PQexecParams(conn, text, Int32(binds.count), types.baseAddress, valuePointers, nil, nil, 0)
            }
        }
        return try consume(result, query: text, binds: values)
    }

    /// Runs several `;`-separated statements without parameters, such as a migration file.
    /// libpq runs them as one implicit transaction when no transaction is open.
    public func executeScript(_ sql: String) throws(PostgresError) {
        // PQexec hands back the last statement's result, or the first error.
        _ = try consume(PQexec(conn, sql), query: nil, binds: [])
    }

    /// Quotes an identifier with `PQescapeIdentifier`: `order` → `"order"`.
    public func quoteIdentifier(_ identifier: String) throws(PostgresError) -> String {
        try escape(identifier, as: "identifier", with: PQescapeIdentifier)
    }

    /// Runs one of libpq's escaping functions (`PQescapeIdentifier`, `PQescapeLiteral`) on `text`.
    private func escape(
        _ text: String, as what: String,
        with escaper: (OpaquePointer?, UnsafePointer<CChar>?, Int) -> UnsafeMutablePointer<CChar>?
    ) throws(PostgresError) -> String {
        let utf8 = Array(text.utf8)
        guard !utf8.contains(0) else { throw PostgresError(kind: .usage, message: "\(what) contains a NUL byte") }
        let escaped = utf8.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { escaper(conn, $0.baseAddress, utf8.count) }
        }
        guard let escaped else { throw lastError(kind: .client, prefix: "cannot quote \(what)") }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }

    /// Limits how long each later statement may run (`SET statement_timeout`); nil removes the limit.
    /// A statement that runs longer fails with SQLSTATE 57014 (`SQLState.queryCanceled`).
    public func setStatementTimeout(_ timeout: Duration?) throws(PostgresError) {
        let milliseconds = timeout.map { max(1, $0.wholeMilliseconds) } ?? 0
        try query("SELECT set_config('statement_timeout', \(String(milliseconds)), false)")
    }

    /// The statement's text with every bound value written in as a quoted literal (`PQescapeLiteral`) cast to its
    /// type, for statements that cannot take parameters: `CREATE VIEW`, `COPY (SELECT …)`. Identifiers are quoted as
    /// usual. Never log the result: unlike ``PostgresQuery/description`` it contains the values.
    public func inlineText(_ query: PostgresQuery) throws(PostgresError) -> String {
        var text = ""
        for segment in query.segments {
            switch segment {
            case .sql(let sql): text += sql
            case .identifier(let name): text += try quoteIdentifier(name)
            case .bind(let bind):
                guard let value = bind.text else {
                    text += "NULL"
                    continue
                }
                let literal = try quoteLiteral(value)
                if let type = Self.typeNames[bind.typeOID] {
                    text += "CAST(\(literal) AS \(type))"
                } else {
                    text += literal
                }
            }
        }
        return text
    }

    /// Quotes a string as an SQL literal with `PQescapeLiteral`: `it's` → `'it''s'`.
    public func quoteLiteral(_ value: String) throws(PostgresError) -> String {
        try escape(value, as: "literal", with: PQescapeLiteral)
    }

    /// Type names of the OIDs ``PostgresEncodable`` values bind with (0, unknown, gets no cast).
    static let typeNames: [UInt32: String] = [
        16: "boolean", 20: "bigint", 23: "integer", 25: "text", 1009: "text[]", 1082: "date", 1184: "timestamptz",
        1700: "numeric", 2950: "uuid",
    ]

    // MARK: - Internals

    func render(_ query: PostgresQuery) throws(PostgresError) -> String {
        do {
            return try query.render { name throws(PostgresError) in try quoteIdentifier(name) }
        } catch let error as PostgresError {
            throw error
        } catch {
            throw PostgresError(kind: .client, message: "cannot render query")
        }
    }

    /// Turns a libpq result into a ``PostgresResult`` or a ``PostgresError``, and clears it.
    func consume(_ result: OpaquePointer?, query: String?, binds: [String?]) throws(PostgresError) -> PostgresResult {
        guard let result else { throw lastError(kind: .connection, prefix: "the connection failed", query: query) }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PostgresResult(copying: result)
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            throw PostgresError(
                kind: .usage, message: "COPY statements must run through copyIn or copyOut", query: query)
        default:
            throw error(from: result, query: query, binds: binds)
        }
    }

    /// Builds an error from a failed result's diagnostic fields. Bound values are removed from
    /// the primary message (some messages quote the offending input), except from the messages our own
    /// SQL functions raise (SQLSTATE P0001): those name the record on purpose ("invoice INV-000012 is
    /// Confirmed: …"), and the record is often the value the caller bound.
    func error(from result: OpaquePointer, query: String?, binds: [String?]) -> PostgresError {
        func field(_ code: Int32) -> String? {
            PQresultErrorField(result, code).map { String(cString: $0) }
        }
        var message = field(tieout_pg_diag_message_primary) ?? oneLine(String(cString: PQresultErrorMessage(result)))
        if message.isEmpty { message = oneLine(String(cString: PQerrorMessage(conn))) }
        let raisedByTieout = field(tieout_pg_diag_sqlstate) == SQLState.raiseException.rawValue
        message = raisedByTieout ? scrub(message, secrets: secrets) : redact(message, binds: binds)
        let connectionLost = PQstatus(conn) != CONNECTION_OK
        return PostgresError(
            kind: connectionLost ? .connection : .server,
            code: field(tieout_pg_diag_sqlstate).map(SQLState.init(rawValue:)),
            message: message,
            detail: field(tieout_pg_diag_message_detail),
            hint: field(tieout_pg_diag_message_hint),
            severity: field(tieout_pg_diag_severity_nonlocalized),
            schema: field(tieout_pg_diag_schema_name),
            table: field(tieout_pg_diag_table_name),
            column: field(tieout_pg_diag_column_name),
            constraint: field(tieout_pg_diag_constraint_name),
            query: query,
            context: field(tieout_pg_diag_context)
        )
    }

    /// An error from `PQerrorMessage`, for failures that have no result.
    func lastError(kind: PostgresError.Kind, prefix: String, query: String? = nil) -> PostgresError {
        let text = scrub(oneLine(String(cString: PQerrorMessage(conn))), secrets: secrets)
        let lost = PQstatus(conn) != CONNECTION_OK
        return PostgresError(
            kind: lost ? .connection : kind,
            code: lost ? .connectionFailure : nil,
            message: text.isEmpty ? prefix : "\(prefix): \(text)",
            query: query
        )
    }

    func redact(_ message: String, binds: [String?]) -> String {
        let scrubbed = scrub(message, secrets: secrets)
        // Longest first, so that a value containing another is removed whole.
        let values = binds.compactMap { $0 }.filter { $0.count >= 2 }.sorted { $0.count > $1.count }
        return values.reduce(scrubbed) { $0.replacingOccurrences(of: $1, with: "<redacted>") }
    }

    func nextSavepointName() -> String {
        savepointCounter += 1
        return "tieout_savepoint_\(savepointCounter)"
    }
}

@available(*, unavailable)
extension PostgresConnection: Sendable {}

/// The transaction state libpq reports for a connection.
public enum TransactionStatus: Sendable, Equatable {
    /// No transaction is open.
    case idle
    /// A command is in progress.
    case active
    /// Inside a transaction block that has not failed.
    case inTransaction
    /// Inside a failed transaction block: only `ROLLBACK` (or rollback to a savepoint) is accepted.
    case failedTransaction
    /// The connection is broken.
    case unknown
}

/// Receives server notices and forwards them to the connection's logger.
final class NoticeSink {
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func receive(_ result: OpaquePointer) {
        func field(_ code: Int32) -> String? {
            PQresultErrorField(result, code).map { String(cString: $0) }
        }
        let severity = field(tieout_pg_diag_severity_nonlocalized) ?? "NOTICE"
        let message = field(tieout_pg_diag_message_primary) ?? oneLine(String(cString: PQresultErrorMessage(result)))
        let level: Logger.Level =
            switch severity {
            case "WARNING": .warning
            case "NOTICE": .notice
            case "INFO", "LOG": .info
            default: .debug
            }
        var metadata: Logger.Metadata = ["severity": .string(severity)]
        if let code = field(tieout_pg_diag_sqlstate) { metadata["sqlstate"] = .string(code) }
        if let hint = field(tieout_pg_diag_message_hint) { metadata["hint"] = .string(hint) }
        logger.log(level: level, "\(message)", metadata: metadata)
    }
}

// MARK: - C string arrays

/// Calls `body` with a NULL-terminated array of C strings that lives for the call only.
func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    withOptionalCStringArray(strings.map { Optional($0) }) { body($0!) }
}

/// Like ``withCStringArray`` but with NULL entries for nil, plus a terminating NULL.
func withOptionalCStringArray<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let duplicates: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0)! } }
    defer { duplicates.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = duplicates.map { $0.map { UnsafePointer($0) } } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}

extension Duration {
    /// The duration in whole milliseconds, rounded down.
    var wholeMilliseconds: Int {
        Int(components.seconds) * 1000 + Int(components.attoseconds / 1_000_000_000_000_000)
    }
}
