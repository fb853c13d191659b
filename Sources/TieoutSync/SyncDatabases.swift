public import TieoutPostgres

/// The databases that hold the `dataverse` and `fno` schemas: one database for both, or two
/// (possibly on different servers).
///
/// Every map reads from the database of its source schema and writes to the database of its
/// target schema. Change capture lives with the source; the map state (with the ids of the log rows a
/// batch applied) and the error queue live with the target, in the same transaction as the rows each
/// batch writes.
public final class SyncDatabases {
    public private(set) var dataverse: PostgresConnection
    public private(set) var fno: PostgresConnection

    /// Both schemas in one database.
    public init(single connection: PostgresConnection) {
        dataverse = connection
        fno = connection
    }

    /// Each schema in its own database.
    public init(dataverse: PostgresConnection, fno: PostgresConnection) {
        self.dataverse = dataverse
        self.fno = fno
    }

    /// True when both schemas share one connection.
    public var isSingle: Bool { dataverse === fno }

    /// The connection per schema name, for the map validator.
    public var bySchema: [String: PostgresConnection] { ["dataverse": dataverse, "fno": fno] }

    /// The connection that holds `schema`.
    public func connection(for schema: String) throws -> PostgresConnection {
        switch schema {
        case "dataverse": return dataverse
        case "fno": return fno
        default: throw SyncError("no database is configured for schema '\(schema)'")
        }
    }

    /// Replaces the connections with new ones to the same databases, with the same settings: after a
    /// connection was lost (a server restart, a network cut). Throws when a server cannot be reached yet;
    /// the old connections are then kept, closed, for the next attempt.
    public func reconnect() throws(PostgresError) {
        let single = isSingle
        dataverse.close()
        fno.close()
        let newDataverse = try dataverse.reopened()
        let newFno = single ? newDataverse : try fno.reopened()
        dataverse = newDataverse
        fno = newFno
    }

    /// The distinct connections (one or two).
    var all: [PostgresConnection] { isSingle ? [dataverse] : [dataverse, fno] }
}

/// A sync failure that is not a database error: a message for the user.
public struct SyncError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
