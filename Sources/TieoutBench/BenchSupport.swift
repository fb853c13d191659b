import Foundation
import Logging
import TieoutMigrations
import TieoutPostgres

/// What every benchmark measures with: wall time and peak memory, and the reference rows generated actuals point to.
enum BenchSupport {
    /// Runs `body` with a connection to a new, migrated database `database` on the server `admin` is connected to;
    /// the database is dropped afterwards unless `keep`.
    static func withScratchDatabase(
        admin: PostgresConnection, server: ConnectionConfiguration, database: String, keep: Bool, logger: Logger,
        _ body: (PostgresConnection) throws -> Void
    ) throws {
        try admin.query("DROP DATABASE IF EXISTS \(identifier: database) WITH (FORCE)")
        try admin.query("CREATE DATABASE \(identifier: database)")
        defer {
            if !keep { _ = try? admin.query("DROP DATABASE IF EXISTS \(identifier: database) WITH (FORCE)") }
        }
        let connection = try PostgresConnection(configuration: server.database(database), logger: logger)
        defer { connection.close() }
        try connection.query("SET client_min_messages = warning")
        _ = try Migrator(connection: connection, logger: logger).migrate(MigrationSet.embedded())
        try body(connection)
    }

    /// Streams `file` into `COPY … FROM STDIN` statement `copy`; the rows copied.
    static func copy(_ file: URL, with copy: PostgresQuery, on connection: PostgresConnection) throws -> Int {
        try connection.copyIn(copy) { writer in
            guard let handle = FileHandle(forReadingAtPath: file.path) else {
                throw BenchmarkError("cannot read \(file.path)")
            }
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 256 * 1024), !chunk.isEmpty {
                try writer.write(bytes: chunk)
            }
        }
    }

    /// Wall-clock seconds `body` takes.
    static func time(_ body: () throws -> Void) throws -> Double {
        let start = ContinuousClock.now
        try body()
        return seconds(ContinuousClock.now - start)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Peak resident memory of this process in MiB (`VmHWM` of /proc/self/status; getrusage where there is none).
    static func peakResidentMegabytes() -> Int {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap({
                Int($0)
            })
        {
            return kilobytes / 1024
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss / 1024
    }

    /// One customer, one contract, 100 projects and one contract line per project, with fixed ids: what the
    /// generated actuals of the sync and load benchmarks refer to.
    static let referenceData = """
        INSERT INTO dataverse.account (accountid, name, accountnumber, isocurrencycode)
        VALUES ('00000000-0000-0000-0000-000000000001', 'Bench customer', 'BENCH-001', 'USD');
        INSERT INTO dataverse.salesorder (salesorderid, name, ordernumber, customerid, isocurrencycode)
        VALUES ('00000000-0000-0000-0000-000000000002', 'Bench contract', 'BENCH-C-001',
                '00000000-0000-0000-0000-000000000001', 'USD');
        INSERT INTO dataverse.msdyn_project (msdyn_projectid, msdyn_subject, msdyn_customer, msdyn_salesorderid,
                                             msdyn_projectnumber, isocurrencycode)
        SELECT md5('project' || g)::uuid, 'Bench project ' || g, '00000000-0000-0000-0000-000000000001',
               '00000000-0000-0000-0000-000000000002', 'BENCH-P-' || lpad(g::text, 3, '0'), 'USD'
          FROM generate_series(1, 100) AS g;
        INSERT INTO dataverse.salesorderdetail (salesorderdetailid, salesorderid, productdescription, msdyn_project,
                                                isocurrencycode)
        SELECT md5('line' || g)::uuid, '00000000-0000-0000-0000-000000000002', 'Line ' || g,
               md5('project' || g)::uuid, 'USD'
          FROM generate_series(1, 100) AS g;
        """
}
