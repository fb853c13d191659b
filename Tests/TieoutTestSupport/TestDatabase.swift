public import Foundation
import TieoutMigrations
public import TieoutPostgres

/// The PostgreSQL server the tests run against: the one `make test` starts and exports through
/// `PGHOST`, `PGPORT`, `PGUSER` and `PGDATABASE`.
///
/// Tests never skip for want of a server: without one they fail with a message saying how to
/// get one, so a green run always means the tests really ran.
public enum TestDatabase {
    /// The server's settings, from the environment.
    public static var configuration: ConnectionConfiguration { .environment }

    /// A connection to the test database. Fails loudly when no server is configured.
    public static func connect() throws -> PostgresConnection {
        guard ProcessInfo.processInfo.environment["PGHOST"] != nil else {
            throw TestSetupError(
                "no test PostgreSQL: PGHOST is not set. Run the tests with `make test`, which starts a throwaway server"
            )
        }
        return try PostgresConnection(configuration: configuration)
    }

    /// Creates an empty database for one test, hands its settings to `body`, and drops it after.
    public static func withFreshDatabase<Result>(
        _ body: (_ name: String, _ configuration: ConnectionConfiguration) throws -> Result
    ) throws -> Result {
        let admin = try connect()
        let name = "tieout_test_" + UUID().uuidString.prefix(8).lowercased()
        try admin.query("CREATE DATABASE \(identifier: name)")
        defer {
            _ = try? admin.query("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)")
        }
        return try body(name, .parameters([("dbname", name)]))
    }

    /// `host=… port=… user=… dbname=<name>` for the test server, for passing to `tieout --db`.
    public static func conninfo(database: String) -> String {
        let environment = ProcessInfo.processInfo.environment
        var parts: [String] = []
        if let host = environment["PGHOST"] { parts.append("host=\(host)") }
        if let port = environment["PGPORT"] { parts.append("port=\(port)") }
        if let user = environment["PGUSER"] { parts.append("user=\(user)") }
        parts.append("dbname=\(database)")
        return parts.joined(separator: " ")
    }
}

/// The test environment is not set up.
public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The package's root folder (where `Package.swift` and `sql/` are).
public let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A new empty folder under /tmp that other users may traverse (the `postgres` user must reach
/// a private cluster created inside it when the tests run as root).
public func makeTemporaryDirectory() throws -> URL {
    let url = URL(fileURLWithPath: "/tmp/tieout-test-\(UUID().uuidString.prefix(8).lowercased())")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
    return url
}

extension TestDatabase {
    /// A fresh database with every migration applied; `body` gets a connection to it and its name.
    public static func withMigratedDatabase<Result>(
        _ body: (_ connection: PostgresConnection, _ name: String) throws -> Result
    ) throws -> Result {
        try withFreshDatabase { name, configuration in
            let connection = try PostgresConnection(configuration: configuration)
            defer { connection.close() }
            try connection.query("SET client_min_messages = warning")
            _ = try Migrator(connection: connection).migrate(MigrationSet.embedded())
            return try body(connection, name)
        }
    }
}

/// A small Project Operations company for sync tests: one customer, one contract with one time-and-material
/// line, one project, and unbilled-sales actuals on demand.
public enum SampleProject {
    public static let customer = "00000000-0000-0000-0000-0000000000a1"
    public static let contract = "00000000-0000-0000-0000-0000000000b1"
    public static let project = "00000000-0000-0000-0000-0000000000c1"
    public static let line = "00000000-0000-0000-0000-0000000000d1"

    public static func insertReferenceData(_ connection: PostgresConnection) throws {
        try connection.executeScript(
            """
            INSERT INTO dataverse.account (accountid, name, accountnumber, isocurrencycode)
            VALUES ('\(customer)', 'Contoso', 'C-001', 'USD');
            INSERT INTO dataverse.salesorder (salesorderid, name, ordernumber, customerid, isocurrencycode)
            VALUES ('\(contract)', 'Contract 1', 'PC-001', '\(customer)', 'USD');
            INSERT INTO dataverse.msdyn_project (msdyn_projectid, msdyn_subject, msdyn_customer, msdyn_salesorderid,
                                                 msdyn_projectnumber, isocurrencycode)
            VALUES ('\(project)', 'Project 1', '\(customer)', '\(contract)', 'PRJ-001', 'USD');
            INSERT INTO dataverse.salesorderdetail (salesorderdetailid, salesorderid, productdescription, msdyn_project,
                                                    msdyn_billingmethod, isocurrencycode)
            VALUES ('\(line)', '\(contract)', 'T&M line', '\(project)', 192350000, 'USD');
            """)
    }

    /// Inserts an unbilled-sales actual of `quantity` hours at 100.25 and returns its id.
    @discardableResult
    public static func insertActual(
        _ connection: PostgresConnection, id: String = UUID().uuidString.lowercased(), quantity: Int = 8,
        project: String = project, skipSync: Bool = false
    ) throws -> String {
        try connection.query(
            """
            INSERT INTO dataverse.msdyn_actual (msdyn_actualid, msdyn_transactiontypecode, msdyn_transactionclassification,
                   msdyn_billingtype, msdyn_billingstatus, msdyn_quantity, msdyn_price, msdyn_amount, isocurrencycode,
                   msdyn_project, msdyn_salescontract, msdyn_salescontractlineid, msdyn_accountcustomer,
                   msdyn_documentdate, msdyn_description, msdyn_skipsync)
            VALUES (CAST(\(id) AS uuid), 192350005, 192350000, 192350001, 192350000, \(quantity), 100.25,
                    \(quantity) * 100.25, 'USD', CAST(\(project) AS uuid), CAST(\(contract) AS uuid), CAST(\(line) AS uuid),
                    CAST(\(customer) AS uuid), DATE '2026-11-02', 'Design work', \(skipSync))
            """)
        return id
    }
}
