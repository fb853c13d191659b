/// Transaction isolation levels.
public enum IsolationLevel: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

extension PostgresConnection {
    /// Runs `body` inside `BEGIN … COMMIT`.
    ///
    /// Any error thrown by `body` (or by `COMMIT`) rolls the transaction back and is rethrown.
    /// If the rollback fails too, a ``TransactionRollbackError`` carries both errors. A transaction
    /// that the server already aborted (a statement failed and `body` caught the error) is rolled
    /// back and reported, never silently committed.
    public func withTransaction<Result>(
        isolation: IsolationLevel = .readCommitted,
        readOnly: Bool = false,
        _ body: (PostgresConnection) throws -> Result
    ) throws -> Result {
        guard transactionStatus == .idle else {
            throw PostgresError(
                kind: .usage,
                code: .activeSQLTransaction,
                message: "a transaction is already open on this connection; use withSavepoint to nest"
            )
        }
        try query("BEGIN ISOLATION LEVEL \(unescaped: isolation.rawValue)\(unescaped: readOnly ? " READ ONLY" : "")")
        let result: Result
        do {
            result = try body(self)
            if transactionStatus == .failedTransaction {
                throw PostgresError(
                    kind: .usage,
                    code: .inFailedSQLTransaction,
                    message: "the transaction was aborted by an earlier failed statement; it was rolled back"
                )
            }
            let commit = try query("COMMIT")
            if commit.commandTag != "COMMIT" {
                throw PostgresError(
                    kind: .server, message: "the server rolled the transaction back instead of committing")
            }
        } catch {
            try rollbackAfter(error)
            throw error
        }
        return result
    }

    /// Runs `body` inside a savepoint of the current transaction: an error rolls back to the
    /// savepoint only (and is rethrown), leaving the rest of the transaction usable.
    public func withSavepoint<Result>(_ body: (PostgresConnection) throws -> Result) throws -> Result {
        guard transactionStatus == .inTransaction else {
            throw PostgresError(
                kind: .usage,
                code: .noActiveSQLTransaction,
                message: "a savepoint needs an open, healthy transaction"
            )
        }
        let name = nextSavepointName()
        try query("SAVEPOINT \(identifier: name)")
        do {
            let result = try body(self)
            try query("RELEASE SAVEPOINT \(identifier: name)")
            return result
        } catch {
            do {
                try query("ROLLBACK TO SAVEPOINT \(identifier: name)")
                try query("RELEASE SAVEPOINT \(identifier: name)")
            } catch let rollbackError {
                throw TransactionRollbackError(error: error, rollbackError: rollbackError)
            }
            throw error
        }
    }

    private func rollbackAfter(_ error: any Error) throws {
        // Nothing to roll back when the server already ended the transaction, or the connection is
        // gone (the server rolls back a lost session's transaction itself): the first error says it all.
        guard transactionStatus != .idle, isConnected else { return }
        do {
            try query("ROLLBACK")
        } catch let rollbackError {
            throw TransactionRollbackError(error: error, rollbackError: rollbackError)
        }
    }
}

extension PostgresConnection {
    /// Refreshes the planner statistics of tables (`schema.table`) after a bulk change of `changedRows` rows,
    /// when that is at least `threshold`. Autovacuum catches up eventually, but a statement planned before it
    /// does (the next sync batch, say) can pick a plan for the old table size that takes minutes instead of
    /// seconds.
    public func analyze(_ tables: [String], afterChanging changedRows: Int, threshold: Int = 10_000) throws {
        guard changedRows >= threshold else { return }
        for table in tables {
            let parts = table.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw RequestError("'\(table)' is not a schema-qualified table name") }
            try query("ANALYZE \(identifier: parts[0], parts[1])")
        }
    }
}

extension PostgresConnection {
    /// The server pid of the session that holds the advisory lock `(hashtext(namespace), hashtext(key))` in this
    /// database, if any: for messages that say whom a lock waits for.
    public func advisoryLockHolder(namespace: String, key: String) throws(PostgresError) -> Int? {
        let rows = try query(
            """
            SELECT pid FROM pg_locks
             WHERE locktype = 'advisory' AND granted AND objsubid = 2
               AND classid::bigint = (hashtext(\(namespace))::bigint & 4294967295)
               AND objid::bigint = (hashtext(\(key))::bigint & 4294967295)
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
             LIMIT 1
            """)
        return try rows.first.map { row throws(PostgresError) in try row.decode(0, as: Int.self) }
    }
}
