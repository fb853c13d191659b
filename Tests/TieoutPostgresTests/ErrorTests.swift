import Foundation
import Testing
import TieoutPostgres
import TieoutTestSupport

@Suite("errors")
struct ErrorTests {
    @Test func duplicateKeyCarriesSQLStateAndConstraint() throws {
        let conn = try TestDatabase.connect()
        try conn.query("CREATE TEMP TABLE invoices (invoicenumber text CONSTRAINT invoices_number_key UNIQUE)")
        try conn.query("INSERT INTO invoices VALUES (\("INV-SECRET-0001"))")
        let error = #expect(throws: PostgresError.self) {
            try conn.query("INSERT INTO invoices VALUES (\("INV-SECRET-0001"))")
        }
        let e = try #require(error)
        #expect(e.code == .uniqueViolation)
        #expect(e.code?.class == .integrityConstraintViolation)
        #expect(e.constraint == "invoices_number_key")
        #expect(e.table == "invoices")
        #expect(e.kind == .server)
        #expect(e.detail == "Key (invoicenumber)=(INV-SECRET-0001) already exists.")
        #expect(!e.description.contains("INV-SECRET-0001"))
        let schema = try #require(e.schema)
        #expect(schema.hasPrefix("pg_temp_"))
        #expect(
            e.description
                == "duplicate key value violates unique constraint \"invoices_number_key\" (SQLSTATE 23505, constraint invoices_number_key, table \(schema).invoices)"
        )
        #expect(e.query == "INSERT INTO invoices VALUES ($1)")
    }

    @Test func errorsMatchBySQLStateClassInCatchClauses() throws {
        let conn = try TestDatabase.connect()
        try conn.query("CREATE TEMP TABLE c (n int CHECK (n > 0))")
        try conn.query("CREATE TEMP TABLE u (n int PRIMARY KEY)")
        try conn.query("INSERT INTO u VALUES (1)")
        // A check violation matches its class but not the exact code listed before it.
        #expect(try classify { try conn.query("INSERT INTO c VALUES (\(-1))") } == "integrity")
        #expect(try classify { try conn.query("INSERT INTO u VALUES (1)") } == "unique")
        #expect(try classify { try conn.query("SELECT 1") } == "none")
    }

    private func classify(_ body: () throws -> Void) throws -> String {
        do {
            try body()
            return "none"
        } catch SQLState.uniqueViolation {
            return "unique"
        } catch SQLStateClass.transactionRollback {
            return "rollback"
        } catch SQLStateClass.integrityConstraintViolation {
            return "integrity"
        }
    }

    @Test func boundValuesNeverReachTheDescription() throws {
        let conn = try TestDatabase.connect()
        let secret = "card-4111111111111111"
        let error = #expect(throws: PostgresError.self) { try conn.query("SELECT \(secret)::int") }
        let e = try #require(error)
        #expect(e.code == .invalidTextRepresentation)
        #expect(!e.description.contains(secret))
        #expect(!e.message.contains(secret))
        #expect(e.description == "invalid input syntax for type integer: \"<redacted>\" (SQLSTATE 22P02)")
    }

    @Test func undefinedTableIsReportedWithItsQuery() throws {
        let conn = try TestDatabase.connect()
        let error = #expect(throws: PostgresError.self) { try conn.query("SELECT * FROM no_such_table") }
        #expect(error?.code == .undefinedTable)
        #expect(error?.code?.class == .syntaxErrorOrAccessRuleViolation)
        #expect(error?.query == "SELECT * FROM no_such_table")
    }
}
