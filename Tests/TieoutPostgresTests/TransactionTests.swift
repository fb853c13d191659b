import Foundation
import Testing
import TieoutPostgres
import TieoutTestSupport

struct Boom: Error, Equatable {}

@Suite("transactions and savepoints")
struct TransactionTests {
    @Test func aThrowingTransactionLeavesNoRows() throws {
        let conn = try TestDatabase.connect()
        try conn.query("CREATE TEMP TABLE t (id int)")
        #expect(throws: Boom.self) {
            try conn.withTransaction { tx in
                try tx.query("INSERT INTO t SELECT generate_series(1, 10)")
                #expect(try tx.query("SELECT count(*) FROM t").scalar(Int.self) == 10)
                throw Boom()
            }
        }
        #expect(conn.transactionStatus == .idle)
        #expect(try conn.query("SELECT count(*) FROM t").scalar(Int.self) == 0)
    }

    @Test func aSuccessfulTransactionCommitsAndReturnsItsValue() throws {
        let conn = try TestDatabase.connect()
        try conn.query("CREATE TEMP TABLE t (id int)")
        let count = try conn.withTransaction { tx in
            try tx.query("INSERT INTO t VALUES (1), (2)")
            return try tx.query("SELECT count(*) FROM t").scalar(Int.self)
        }
        #expect(count == 2)
        #expect(try conn.query("SELECT count(*) FROM t").scalar(Int.self) == 2)
    }

    @Test func isolationLevelAndReadOnlyAreApplied() throws {
        let conn = try TestDatabase.connect()
        let level = try conn.withTransaction(isolation: .repeatableRead, readOnly: true) { tx in
            try tx.query(
                "SELECT current_setting('transaction_isolation') || '/' || current_setting('transaction_read_only')"
            )
            .scalar(String.self)
        }
        #expect(level == "repeatable read/on")
        let error = #expect(throws: PostgresError.self) {
            try conn.withTransaction(isolation: .serializable, readOnly: true) { tx in
                try tx.query("CREATE TEMP TABLE nope (a int)")
            }
        }
        #expect(error?.code == .readOnlySQLTransaction)
    }

    @Test func aCaughtStatementFailureIsNeverCommitted() throws {
        let conn = try TestDatabase.connect()
        try conn.query("CREATE TEMP TABLE t (id int PRIMARY KEY)")
        let error = #expect(throws: PostgresError.self) {
            try conn.withTransaction { tx in
                try tx.query("INSERT INTO t VALUES (1)")
                _ = try? tx.query("INSERT INTO t VALUES (1)")  // fails; the transaction is now aborted
            }
        }
        #expect(error?.code == .inFailedSQLTransaction)
        #expect(try conn.query("SELECT count(*) FROM t").scalar(Int.self) == 0)
    }

    @Test func aLostConnectionIsOneErrorWithNoRollbackAttempted() throws {
        let conn = try TestDatabase.connect()
        let error = #expect(throws: PostgresError.self) {
            try conn.withTransaction { tx in
                // The server ends this very session: the statement fails, and there is nothing left to roll back.
                try tx.query("SELECT pg_terminate_backend(pg_backend_pid())")
            }
        }
        let failure = try #require(error)
        #expect(failure.kind == .connection)
        #expect(failure.isConnectionLost)
        #expect(!failure.isConflict)
        #expect(!conn.isConnected)
        #expect(!failure.description.contains("rollback"))
        // The same settings open a working connection again.
        let again = try conn.reopened()
        #expect(try again.query("SELECT 1").scalar(Int.self) == 1)
    }

    @Test func nestedTransactionsAreRefused() throws {
        let conn = try TestDatabase.connect()
        let error = #expect(throws: PostgresError.self) {
            try conn.withTransaction { tx in try tx.withTransaction { _ in } }
        }
        #expect(error?.kind == .usage)
        #expect(conn.transactionStatus == .idle)
    }

    @Test func aFailingSavepointRollsBackOnlyItsOwnWork() throws {
        let conn = try TestDatabase.connect()
        try conn.query("CREATE TEMP TABLE t (id int PRIMARY KEY)")
        try conn.withTransaction { tx in
            try tx.query("INSERT INTO t VALUES (1)")
            let error = #expect(throws: PostgresError.self) {
                try tx.withSavepoint { sp in
                    try sp.query("INSERT INTO t VALUES (2)")
                    try sp.query("INSERT INTO t VALUES (1)")  // duplicate key
                }
            }
            #expect(error?.code == .uniqueViolation)
            #expect(tx.transactionStatus == .inTransaction)
            _ = try tx.withSavepoint { sp in try sp.query("INSERT INTO t VALUES (3)") }
        }
        #expect(try conn.query("SELECT array_agg(id ORDER BY id)::text FROM t").scalar(String.self) == "{1,3}")
    }

    @Test func savepointsNeedATransaction() throws {
        let conn = try TestDatabase.connect()
        let error = #expect(throws: PostgresError.self) { try conn.withSavepoint { _ in } }
        #expect(error?.code == .noActiveSQLTransaction)
    }
}
