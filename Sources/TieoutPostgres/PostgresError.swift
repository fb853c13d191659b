/// A five-character SQLSTATE code reported by the server, such as `23505` (unique violation).
///
/// Codes are grouped into classes by their first two characters; see ``SQLStateClass``.
/// The list of named constants is deliberately open: any code the server sends is representable.
public struct SQLState: RawRepresentable, Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The five-character code.
    public let rawValue: String

    /// Wraps a code as the server sent it.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Allows `let code: SQLState = "23505"`.
    public init(stringLiteral value: String) { self.rawValue = value }

    /// The class this code belongs to (its first two characters).
    public var `class`: SQLStateClass { SQLStateClass(rawValue: String(rawValue.prefix(2))) }

    public var description: String { rawValue }

    // Class 08: connection exception
    public static let connectionException: SQLState = "08000"
    public static let connectionDoesNotExist: SQLState = "08003"
    public static let connectionFailure: SQLState = "08006"
    // Class 22: data exception
    public static let numericValueOutOfRange: SQLState = "22003"
    public static let invalidDatetimeFormat: SQLState = "22007"
    public static let divisionByZero: SQLState = "22012"
    public static let invalidTextRepresentation: SQLState = "22P02"
    // Class 23: integrity constraint violation
    public static let notNullViolation: SQLState = "23502"
    public static let foreignKeyViolation: SQLState = "23503"
    public static let uniqueViolation: SQLState = "23505"
    public static let checkViolation: SQLState = "23514"
    public static let exclusionViolation: SQLState = "23P01"
    // Class 25: invalid transaction state
    public static let activeSQLTransaction: SQLState = "25001"
    public static let noActiveSQLTransaction: SQLState = "25P01"
    public static let inFailedSQLTransaction: SQLState = "25P02"
    public static let readOnlySQLTransaction: SQLState = "25006"
    // Class 3D/3F: invalid catalog / schema name
    public static let invalidCatalogName: SQLState = "3D000"
    // Class 40: transaction rollback
    public static let serializationFailure: SQLState = "40001"
    public static let deadlockDetected: SQLState = "40P01"
    // Class 42: syntax error or access rule violation
    public static let syntaxError: SQLState = "42601"
    public static let insufficientPrivilege: SQLState = "42501"
    public static let undefinedColumn: SQLState = "42703"
    public static let undefinedFunction: SQLState = "42883"
    public static let undefinedTable: SQLState = "42P01"
    public static let duplicateTable: SQLState = "42P07"
    // Class 55 / 57: object state, operator intervention
    public static let lockNotAvailable: SQLState = "55P03"
    public static let queryCanceled: SQLState = "57014"
    public static let adminShutdown: SQLState = "57P01"
    public static let crashShutdown: SQLState = "57P02"
    public static let cannotConnectNow: SQLState = "57P03"
    // Class P0: PL/pgSQL
    public static let raiseException: SQLState = "P0001"
}

/// The class of a SQLSTATE: its first two characters.
public struct SQLStateClass: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The two-character class code.
    public let rawValue: String

    /// Wraps a class code.
    public init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    public static let connectionException = SQLStateClass(rawValue: "08")
    public static let dataException = SQLStateClass(rawValue: "22")
    public static let integrityConstraintViolation = SQLStateClass(rawValue: "23")
    public static let invalidTransactionState = SQLStateClass(rawValue: "25")
    public static let transactionRollback = SQLStateClass(rawValue: "40")
    public static let syntaxErrorOrAccessRuleViolation = SQLStateClass(rawValue: "42")
    public static let insufficientResources = SQLStateClass(rawValue: "53")
    public static let objectNotInPrerequisiteState = SQLStateClass(rawValue: "55")
    public static let operatorIntervention = SQLStateClass(rawValue: "57")
    public static let raiseException = SQLStateClass(rawValue: "P0")
}

/// The one error type of the libpq wrapper.
///
/// It carries the server's diagnostic fields when the server sent them. Its ``description`` is
/// safe to log: it never contains bound parameter values or passwords. The server's ``detail``
/// field can quote row values (for example the duplicated key), so it is kept out of the
/// description and only available as a property.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, broadly.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The connection could not be opened, or was lost.
        public static let connection = Kind(name: "connection")
        /// The server rejected a statement.
        public static let server = Kind(name: "server")
        /// A value could not be decoded into the requested Swift type.
        public static let decoding = Kind(name: "decoding")
        /// The wrapper was used in a way it does not allow (for example `COPY` with bound values).
        public static let usage = Kind(name: "usage")
        /// libpq reported a failure that is not a server error (for example a broken COPY stream).
        public static let client = Kind(name: "client")
        public var description: String { name }
    }

    /// What went wrong, broadly.
    public var kind: Kind
    /// The SQLSTATE, when the server (or libpq) reported one.
    public var code: SQLState?
    /// The primary message, with bound values and passwords removed.
    public var message: String
    /// The server's detail field. It may quote row values: do not log it blindly.
    public var detail: String?
    /// The server's hint, if any.
    public var hint: String?
    /// The server's severity (`ERROR`, `FATAL`, `PANIC`), not localized.
    public var severity: String?
    /// The schema of the object involved, if reported.
    public var schema: String?
    /// The table involved, if reported.
    public var table: String?
    /// The column involved, if reported.
    public var column: String?
    /// The constraint involved, if reported.
    public var constraint: String?
    /// The SQL text that failed, with `$n` placeholders and never the values bound to them.
    public var query: String?
    /// The server's context field: where the error happened (`COPY stage, line 7, column amount: "12.5.3"`,
    /// a function's line). It may quote row values: do not log it blindly.
    public var context: String?

    /// Creates an error; mostly used by the wrapper itself.
    public init(
        kind: Kind,
        code: SQLState? = nil,
        message: String,
        detail: String? = nil,
        hint: String? = nil,
        severity: String? = nil,
        schema: String? = nil,
        table: String? = nil,
        column: String? = nil,
        constraint: String? = nil,
        query: String? = nil,
        context: String? = nil
    ) {
        self.kind = kind
        self.code = code
        self.message = message
        self.detail = detail
        self.hint = hint
        self.severity = severity
        self.schema = schema
        self.table = table
        self.column = column
        self.constraint = constraint
        self.query = query
        self.context = context
    }

    /// One line: the message, then the SQLSTATE and the objects involved.
    public var description: String {
        var parts: [String] = []
        if let code { parts.append("SQLSTATE \(code)") }
        if let constraint { parts.append("constraint \(constraint)") }
        if let table { parts.append("table \(schema.map { "\($0)." } ?? "")\(table)") }
        if let column { parts.append("column \(column)") }
        let suffix = parts.isEmpty ? "" : " (\(parts.joined(separator: ", ")))"
        return oneLine(message) + suffix
    }

    /// Whether retrying the whole transaction may succeed: serialization failures, deadlocks,
    /// lost connections and server shutdowns.
    public var isTransient: Bool { isConflict || isConnectionLost }

    /// The transaction lost a conflict with a concurrent one (serialization failure `40001`, deadlock
    /// `40P01`) and was rolled back: running it again on the same connection may succeed.
    public var isConflict: Bool { code == .serializationFailure || code == .deadlockDetected }

    /// The connection is gone or about to go: lost, refused, or the server shutting down, crashing or
    /// still starting (`08…`, `57P01`–`57P03`). Only a new connection can go on.
    public var isConnectionLost: Bool {
        if kind == .connection { return true }
        guard let code else { return false }
        return code.class == .connectionException || code == .adminShutdown || code == .crashShutdown
            || code == .cannotConnectNow
    }
}

/// Matches an error by SQLSTATE class: `catch SQLStateClass.integrityConstraintViolation { … }`.
public func ~= (pattern: SQLStateClass, error: any Error) -> Bool {
    (error as? PostgresError)?.code?.class == pattern
}

/// Matches an error by exact SQLSTATE: `catch SQLState.uniqueViolation { … }`.
public func ~= (pattern: SQLState, error: any Error) -> Bool {
    (error as? PostgresError)?.code == pattern
}

/// A transaction body failed and so did the rollback that followed.
///
/// Both errors are kept: `error` is what the body (or `COMMIT`) threw, `rollbackError` is why the
/// rollback failed. The connection should be considered unusable.
public struct TransactionRollbackError: Error, Sendable, CustomStringConvertible {
    /// The error that made the transaction roll back.
    public var error: any Error
    /// The error the `ROLLBACK` itself raised.
    public var rollbackError: PostgresError

    public var description: String {
        "\(error); the rollback then failed too: \(rollbackError)"
    }
}

/// Collapses a possibly multi-line libpq message into one trimmed line.
func oneLine(_ text: String) -> String {
    var result = ""
    var pendingSpace = false
    for character in text {
        if character.isWhitespace {
            pendingSpace = !result.isEmpty
        } else {
            if pendingSpace { result.append(" ") }
            pendingSpace = false
            result.append(character)
        }
    }
    return result
}
