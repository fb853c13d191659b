import Dispatch
import Foundation
import Testing
import TieoutDataverse
import TieoutFinance
import TieoutPostgres
import TieoutTestSupport

@Suite("import from staging, concurrently")
struct ConcurrencyTests {
    /// Import A holds its transaction open while import B runs; B must neither duplicate A's lines nor
    /// lose any, whether it waits for A or skips what A holds.
    @Test func twoConcurrentImportsCreateEachLineExactlyOnce() throws {
        try TestDatabase.withMigratedDatabase { connection, name in
            let company = try Company(connection: connection)
            try connection.executeScript(Company.entries)
            _ = try company.dataverse.approve()
            try company.sync()

            // Journal part: both imports at once over the same seven staging rows.
            try race(connection, database: name)
            #expect(
                try company.value("SELECT count(*), count(DISTINCT actualid) FROM fno.projadvancedjournalline") == "7|7"
            )
            _ = try company.finance.postJournals()
            try company.sync()
            _ = try company.dataverse.markReady(to: PostgresDate("2026-10-31"))
            _ = try company.dataverse.createProformas(invoiceDate: PostgresDate("2026-10-31"))
            _ = try company.dataverse.confirm()
            try company.sync()

            // Proposal part: both imports at once over the four billed sales of two proposals.
            try race(connection, database: name)
            #expect(try company.value("SELECT count(*), count(DISTINCT actualid) FROM fno.projproposalline") == "4|4")
            #expect(
                try company.rows("SELECT proposalid, count(*) FROM fno.projproposalline GROUP BY 1 ORDER BY 2")
                    .map { $0.split(separator: "|").last! } == ["1", "3"])
            #expect(
                try company.value("SELECT count(*) FROM fno.projcdsactualsimport WHERE NOT isprocessed") == "0")
            #expect(
                try company.finance.importFromStaging()
                    == .init(journalLines: 0, proposalLines: 0, proposals: 0, waiting: 0))
        }
    }

    /// Runs an import on `connection` inside an open transaction, starts a second import on another
    /// connection, waits until that one finished or waits for a lock, then commits the first.
    private func race(_ connection: PostgresConnection, database: String) throws {
        nonisolated(unsafe) let other = try PostgresConnection(
            configuration: TestDatabase.configuration.database(database))
        defer { other.close() }
        let monitor = try PostgresConnection(configuration: TestDatabase.configuration.database(database))
        defer { monitor.close() }
        let otherPID = other.backendPID

        try connection.query("BEGIN")
        _ = try connection.query("SELECT * FROM process.fno_import()")
        let finished = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<FinanceOperations.Import, any Error>?
        Thread.detachNewThread {
            outcome = Result { try FinanceOperations(connection: other).importFromStaging() }
            finished.signal()
        }
        var done = false
        for _ in 0..<200 {
            if finished.wait(timeout: .now() + .milliseconds(50)) == .success {
                done = true
                break
            }
            let waiting: Bool = try monitor.query(
                "SELECT count(*) > 0 FROM pg_stat_activity WHERE pid = \(otherPID) AND wait_event_type = 'Lock'"
            ).scalar()
            if waiting { break }
        }
        try connection.query("COMMIT")
        if !done { finished.wait() }
        _ = try outcome!.get()
    }
}
