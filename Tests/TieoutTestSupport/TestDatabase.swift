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
