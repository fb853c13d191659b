import Foundation
import Testing
import TieoutTestSupport

@Suite("tieout db")
struct ClusterCommandTests {
    /// As root in a folder the `postgres` user cannot enter (a clone under `/root`, mode 700), the cluster's
    /// files go to a folder of that user's own, recorded in `.tieout/server-folder`, and everything works
    /// without a permission change.
    @Test(.enabled(if: geteuid() == 0, "only root hands the server to the postgres user"))
    func asRootInAPrivateFolderTheServerFilesLiveInPostgresHome() throws {
        let outer = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: outer) }
        let home = outer.appendingPathComponent("home")
        let work = home.appendingPathComponent("clone")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: home.path)

        let start = try Tieout.run(["db", "start", "--throwaway"], in: work)
        defer { _ = try? Tieout.run(["db", "stop"], in: work) }
        #expect(start.status == 0, "\(start.stderr)")
        let recorded = try String(contentsOf: work.appendingPathComponent(".tieout/server-folder"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        defer { try? FileManager.default.removeItem(atPath: recorded) }
        let postgresHome = String(cString: getpwnam("postgres")!.pointee.pw_dir)
        #expect(recorded.hasPrefix(postgresHome + "/tieout/clone-"))
        #expect(
            start.stdout == """
                created and started the private PostgreSQL in \(work.path)/.tieout
                connect with: host=\(recorded)/run port=5432 user=tieout dbname=tieout

                """)
        let status = try Tieout.run(["db", "status"], in: work)
        #expect(status.status == 0)
        #expect(status.stdout.contains("data: \(recorded)/pgdata\nlog: \(recorded)/postgres.log\n"))
        // Ours still: the working folder's permissions are as they were, and the server answers.
        let mode = try FileManager.default.attributesOfItem(atPath: home.path)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        let migrate = try Tieout.run(["migrate"], in: work, pgEnvironment: [:])  // the private cluster, not PG*
        #expect(migrate.status == 0, "\(migrate.stderr)")
        #expect(migrate.stdout.hasSuffix("definition file(s) applied\n"), "\(migrate.stdout)")
        let stop = try Tieout.run(["db", "stop"], in: work)
        #expect(stop.stdout == "stopped the private PostgreSQL\n")
        let again = try Tieout.run(["db", "start"], in: work)
        #expect(again.stdout.hasPrefix("started the private PostgreSQL in \(work.path)/.tieout\n"), "\(again.stderr)")

        // The checkout is deleted and cloned again at the same path: the earlier cluster is still in postgres's
        // home. One line says whose it is and how to start over, instead of initdb's complaint.
        _ = try Tieout.run(["db", "stop"], in: work)
        try FileManager.default.removeItem(at: work.appendingPathComponent(".tieout"))
        let reclone = try Tieout.run(["db", "start"], in: work)
        #expect(reclone.status == 1)
        #expect(
            reclone.stderr
                == "tieout: error: \(recorded) already holds the cluster of an earlier checkout at \(work.path) (its "
                + ".tieout/ is gone); remove that folder to start a new one (rm -rf \(recorded)), or work in another "
                + "folder\n")
        try FileManager.default.removeItem(atPath: recorded)
        let fresh = try Tieout.run(["db", "start", "--throwaway"], in: work)
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(fresh.stdout.hasPrefix("created and started the private PostgreSQL in \(work.path)/.tieout\n"))
    }
}
