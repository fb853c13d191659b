import ArgumentParser
import Foundation
import TieoutCluster

struct DB: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Manage the private PostgreSQL cluster under .tieout/ in the working folder.",
        subcommands: [Start.self, Stop.self, Status.self, Reset.self]
    )

    static var cluster: LocalCluster {
        LocalCluster(workingDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    }

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the cluster if needed and start it (unix socket only, data kept across restarts)."
        )

        @Flag(
            name: .long,
            help:
                "When creating the cluster, turn durability off (fsync, synchronous_commit, full_page_writes): for test clusters you delete afterwards."
        )
        var throwaway = false

        func run() throws {
            try reportingErrors {
                let cluster = DB.cluster
                switch try cluster.start(throwaway: throwaway, logger: standardErrorLogger("tieout.db")) {
                case .created: print("created and started the private PostgreSQL in \(cluster.directory.path)")
                case .started:
                    print("started the private PostgreSQL in \(cluster.directory.path)")
                    if throwaway {
                        print("note: --throwaway only applies when the cluster is created; this one keeps its settings")
                    }
                case .alreadyRunning: print("the private PostgreSQL in \(cluster.directory.path) is already running")
                }
                print("connect with: \(cluster.conninfo)")
            }
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the cluster; its data stays.")

        func run() throws {
            try reportingErrors {
                let cluster = DB.cluster
                print(try cluster.stop() ? "stopped the private PostgreSQL" : "the private PostgreSQL was not running")
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say whether the cluster runs and print its connection settings.",
            discussion: "Exit code 0 when it runs, 3 when it is stopped or not created."
        )

        @Flag(name: .long, help: "Print only `export PG…=…` lines, for `eval \"$(tieout db status --shell)\"`.")
        var shell = false

        func run() throws {
            try reportingErrors {
                let cluster = DB.cluster
                let state = try cluster.state()
                if shell {
                    for (name, value) in cluster.environment {
                        print("export \(name)='\(value.replacingOccurrences(of: "'", with: "'\\''"))'")
                    }
                } else {
                    switch state {
                    case .notCreated: print("state: not created (run `tieout db start`)")
                    case .stopped: print("state: stopped")
                    case .running(let pid): print("state: running (pid \(pid))")
                    }
                    print("data: \(cluster.dataDirectory.path)")
                    print("log: \(cluster.logFile.path)")
                    print("conninfo: \(cluster.conninfo)")
                    for (name, value) in cluster.environment { print("\(name)=\(value)") }
                }
                if case .running = state {} else { throw ExitCode(3) }
            }
        }
    }

    struct Reset: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drop the tieout database of the private cluster and create it empty.",
            discussion:
                "Everything in it is lost: both systems' data, the sync state and every reconciliation run. Run `tieout migrate` afterwards. Refuses to run without --yes."
        )

        @Flag(name: .long, help: "Confirm that the database and everything in it may be dropped.")
        var yes = false

        func validate() throws {
            guard yes else {
                throw ValidationError(
                    "tieout db reset drops the tieout database with all its data; add --yes to go ahead")
            }
        }

        func run() throws {
            try reportingErrors {
                let cluster = DB.cluster
                try cluster.resetDatabase()
                print("the tieout database of \(cluster.directory.path) is empty now; run `tieout migrate`")
            }
        }
    }
}
