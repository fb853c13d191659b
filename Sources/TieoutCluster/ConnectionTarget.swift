public import Foundation
public import TieoutPostgres

/// Decides which database a command talks to.
///
/// In order: the `--db` option (a conninfo string or URI); else the `PG*` environment variables
/// when any of `PGHOST`, `PGHOSTADDR`, `PGPORT`, `PGDATABASE` or `PGSERVICE` is set; else the
/// private cluster under `.tieout/` in the working folder, which must be running.
public enum ConnectionTarget {
    /// The environment variables that count as "a connection is configured".
    public static let configuringVariables = ["PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGSERVICE"]

    /// Resolves the target. Throws a one-line error when nothing is configured and the private
    /// cluster is not running.
    public static func resolve(
        db: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    ) throws -> ConnectionConfiguration {
        if let db, !db.isEmpty {
            return .conninfo(db)
        }
        if configuringVariables.contains(where: { !(environment[$0] ?? "").isEmpty }) {
            return .environment
        }
        let cluster = LocalCluster(workingDirectory: workingDirectory)
        switch try cluster.state() {
        case .running:
            return .parameters(cluster.connectionParameters)
        case .stopped:
            throw ClusterError(
                "no database configured and the private cluster in \(cluster.directory.path) is stopped: run `tieout db start`, or set PG* variables, or pass --db"
            )
        case .notCreated:
            throw ClusterError(
                "no database configured: run `tieout db start` to create a private cluster here, or set PG* variables, or pass --db"
            )
        }
    }
}
