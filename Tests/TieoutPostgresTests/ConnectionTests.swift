import Foundation
import InMemoryLogging
import Logging
import Testing
import TieoutPostgres
import TieoutTestSupport

@Suite("connections, notifications and notices")
struct ConnectionTests {
    @Test func connectsFromEnvironmentConninfoAndURI() throws {
        let fromEnvironment = try TestDatabase.connect()
        let database = try fromEnvironment.query("SELECT current_database()").scalar(String.self)
        let user = try fromEnvironment.query("SELECT current_user").scalar(String.self)
        #expect(try fromEnvironment.query("SELECT current_setting('application_name')").scalar(String.self) == "tieout")

        let fromConninfo = try PostgresConnection(configuration: .conninfo(TestDatabase.conninfo(database: database)))
        #expect(try fromConninfo.query("SELECT current_database()").scalar(String.self) == database)

        let host = ProcessInfo.processInfo.environment["PGHOST"] ?? ""
        let encodedHost = host.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? host
        let uri = "postgresql://\(user)@/\(database)?host=\(encodedHost)&application_name=uri-test"
        let fromURI = try PostgresConnection(configuration: .conninfo(uri))
        #expect(try fromURI.query("SELECT current_setting('application_name')").scalar(String.self) == "uri-test")
        #expect(fromURI.target.contains("database \"\(database)\""))
    }

    @Test func aWrongDatabaseIsAOneLineErrorNamingTheTargetWithoutThePassword() throws {
        let conninfo = TestDatabase.conninfo(database: "no_such_db") + " password=Sup3rS3cret"
        let error = #expect(throws: PostgresError.self) {
            try PostgresConnection(configuration: .conninfo(conninfo))
        }
        let e = try #require(error)
        #expect(e.kind == .connection)
        #expect(e.description.hasPrefix("cannot connect to database \"no_such_db\" on "))
        #expect(e.description.contains("database \"no_such_db\" does not exist"))
        #expect(!e.description.contains("Sup3rS3cret"))
        #expect(!e.description.contains("\n"))
    }

    @Test func aWrongPortOrHostIsAOneLineError() throws {
        let error = #expect(throws: PostgresError.self) {
            try PostgresConnection(
                configuration: .conninfo("postgresql://tieout:Sup3rS3cret@127.0.0.1:1/tieout?connect_timeout=5"))
        }
        let e = try #require(error)
        #expect(e.description.hasPrefix("cannot connect to database \"tieout\" on 127.0.0.1:1 as user \"tieout\": "))
        #expect(!e.description.contains("Sup3rS3cret"))
        #expect(!e.description.contains("\n"))
    }

    @Test func aMalformedConninfoNeverEchoesItsText() throws {
        let error = #expect(throws: PostgresError.self) {
            try PostgresConnection(configuration: .conninfo("host=x password=Sup3rS3cret oops"))
        }
        let e = try #require(error)
        #expect(e.description.hasPrefix("invalid connection string: "))
        #expect(!e.description.contains("Sup3rS3cret"))
        #expect(!e.description.contains("oops"))
    }

    @Test func notificationsAreReceived() throws {
        let listener = try TestDatabase.connect()
        let sender = try TestDatabase.connect()
        let channel = "tieout test \(UUID().uuidString.prefix(6))"
        try listener.listen(channel)
        #expect(try listener.notifications(timeout: .milliseconds(50)).isEmpty)
        try sender.withTransaction { tx in
            try tx.notify(channel, payload: "map=actuals")
            try tx.notify(channel, payload: "map=invoices")
        }
        let received = try listener.notifications(timeout: .seconds(10))
        #expect(received.map(\.payload) == ["map=actuals", "map=invoices"])
        #expect(received.allSatisfy { $0.channel == channel && $0.senderPID == sender.backendPID })
        try listener.unlisten(channel)
        try sender.notify(channel, payload: "after unlisten")
        #expect(try listener.notifications(timeout: .milliseconds(200)).isEmpty)
    }

    @Test func serverNoticesGoToTheLogger() throws {
        let handler = InMemoryLogHandler()
        var logger = Logger(label: "test.notices") { _ in handler }
        logger.logLevel = .trace
        let conn = try PostgresConnection(configuration: TestDatabase.configuration, logger: logger)
        handler.clear()
        try conn.executeScript("DO $$ BEGIN RAISE NOTICE 'checked % rows', 42; RAISE WARNING 'late voucher'; END $$")
        let entries = handler.entries
        #expect(entries.map(\.message.description) == ["checked 42 rows", "late voucher"])
        #expect(entries.map(\.level) == [.notice, .warning])
        #expect(entries.first?.metadata["sqlstate"] == "00000")
    }
}

@Suite("PostgresClient keeps blocking calls off the cooperative pool")
struct ClientTests {
    @Test func workRunsOnTheClientsOwnQueue() async throws {
        let client = try await PostgresClient.connect(TestDatabase.configuration)
        #expect(await client.isOnOwnQueue())
        let value = try await client.withConnection { try $0.query("SELECT 40 + 2").scalar(Int.self) }
        #expect(value == 42)
        await client.close()
        await #expect(throws: PostgresError.self) { try await client.withConnection { _ in 1 } }
    }

    /// Four clients block on a lock at once, on a machine with two cores. If blocking calls ran
    /// on the cooperative pool (one thread per core), at most two could be waiting and the test
    /// would time out instead of seeing four waiters.
    @Test func moreBlockedClientsThanCoresAllWaitAtOnce() async throws {
        let key = Int.random(in: 1_000_000...9_000_000)
        let holder = try await PostgresClient.connect(TestDatabase.configuration)
        try await holder.withConnection { try $0.query("SELECT pg_advisory_lock(\(key))") }
        let waiters = max(4, ProcessInfo.processInfo.activeProcessorCount + 2)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<waiters {
                group.addTask {
                    let client = try await PostgresClient.connect(TestDatabase.configuration)
                    return try await client.withConnection { conn in
                        try conn.query("SELECT pg_advisory_lock(\(key))")
                        try conn.query("SELECT pg_advisory_unlock(\(key))")
                        return 1
                    }
                }
            }
            var seen = 0
            for _ in 0..<600 where seen < waiters {
                seen = try await holder.withConnection { conn in
                    try conn.query(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = \(Int64(key)) AND NOT granted"
                    ).scalar(Int.self)
                }
                if seen < waiters { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(seen == waiters)
            try await holder.withConnection { try $0.query("SELECT pg_advisory_unlock(\(key))") }
            var finished = 0
            for try await done in group { finished += done }
            #expect(finished == waiters)
        }
    }
}
