public import Foundation
import Glibc
public import Logging
import TieoutPostgres

/// A private PostgreSQL cluster under `.tieout/` in a working folder, so nothing is set up by hand.
///
/// - Data lives in `.tieout/pgdata` and survives restarts; the server log is `.tieout/postgres.log`.
/// - The server listens on a unix socket only, in a private folder (`.tieout/run`, or a folder under
///   `/tmp` when that path would be too long for a socket name), so it never clashes with another
///   server and accepts no TCP connections.
/// - It uses the installed PostgreSQL's `initdb` and `pg_ctl`; when the process runs as root they run
///   as the `postgres` system user, because PostgreSQL refuses to run as root.
/// - Running as root in a folder the `postgres` user cannot reach (a clone under `/root`, mode 700),
///   the server's files (data, log, socket) go to a folder of its own under the `postgres` user's home,
///   `~postgres/tieout/<folder name>-<hash>`, and `.tieout/server-folder` records where. Everything
///   else reads that record, so the cluster still belongs to the working folder.
/// - The superuser and the database are both named `tieout`.
public struct LocalCluster: Sendable {
    /// The `.tieout` folder.
    public let directory: URL
    /// The file in `.tieout` that names the server's folder when it is not `.tieout` itself.
    public var locationFile: URL { directory.appendingPathComponent("server-folder") }
    /// The folder holding the data directory, the log and the socket folder: `.tieout`, or the folder
    /// recorded in ``locationFile``.
    public var serverDirectory: URL {
        guard let text = try? String(contentsOf: locationFile, encoding: .utf8) else { return directory }
        let path = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory
    }
    /// The data directory (`PGDATA`).
    public var dataDirectory: URL { serverDirectory.appendingPathComponent("pgdata") }
    /// The server log.
    public var logFile: URL { serverDirectory.appendingPathComponent("postgres.log") }
    /// The database and superuser name.
    public let databaseName = "tieout"
    /// The port number; with a private socket folder it never clashes with another server.
    public let port = 5432

    /// The cluster of a working folder: `<folder>/.tieout`.
    public init(workingDirectory: URL) {
        self.directory = workingDirectory.standardizedFileURL.appendingPathComponent(".tieout")
    }

    /// The folder holding the server's unix socket.
    public var socketDirectory: URL {
        let preferred = serverDirectory.appendingPathComponent("run")
        // sun_path holds 107 bytes; the socket file name adds "/.s.PGSQL.5432".
        if preferred.path.utf8.count + 15 < 100 { return preferred }
        return URL(fileURLWithPath: "/tmp/tieout-\(pathHash)")
    }

    /// A short stable name for this working folder (FNV-1a of the `.tieout` path, in hex).
    var pathHash: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in directory.path.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }

    /// The settings to connect with, for libpq.
    public var connectionParameters: [(String, String)] {
        [("host", socketDirectory.path), ("port", String(port)), ("user", databaseName), ("dbname", databaseName)]
    }

    /// The same settings as a conninfo string.
    public var conninfo: String {
        connectionParameters.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
    }

    /// The same settings as `PG*` environment variables.
    public var environment: [(String, String)] {
        [
            ("PGHOST", socketDirectory.path), ("PGPORT", String(port)), ("PGUSER", databaseName),
            ("PGDATABASE", databaseName),
        ]
    }

    /// Whether the cluster exists and whether its server runs.
    public enum State: Equatable, Sendable {
        case notCreated
        case stopped
        case running(pid: Int)
    }

    /// What ``start(throwaway:logger:)`` did.
    public enum StartOutcome: Equatable, Sendable {
        /// A new cluster was created and started.
        case created
        /// An existing cluster was started.
        case started
        /// The server was already running.
        case alreadyRunning
    }

    /// Reads the state from `postmaster.pid` and `pg_ctl status`.
    public func state() throws(ClusterError) -> State {
        guard FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path) else {
            return .notCreated
        }
        let tools = try PostgresTools.locate()
        let result = try run(tools.pgCtl, ["status", "-D", dataDirectory.path])
        guard result.status == 0 else { return .stopped }
        let pidText =
            (try? String(contentsOf: dataDirectory.appendingPathComponent("postmaster.pid"), encoding: .utf8))?
            .split(separator: "\n").first.map(String.init) ?? ""
        return .running(pid: Int(pidText) ?? 0)
    }

    /// Creates the cluster if needed, starts the server and creates the `tieout` database.
    ///
    /// `throwaway` turns off durability (`fsync`, `full_page_writes`, `synchronous_commit`) for a
    /// test cluster that is deleted afterwards; never use it for data you keep.
    @discardableResult
    public func start(throwaway: Bool = false, logger: Logger = Logger(label: "tieout.db")) throws(ClusterError)
        -> StartOutcome
    {
        let tools = try PostgresTools.locate()
        var outcome = StartOutcome.started
        switch try state() {
        case .running: return .alreadyRunning
        case .notCreated:
            try create(tools: tools, throwaway: throwaway, logger: logger)
            outcome = .created
        case .stopped:
            break
        }
        try prepareDirectories()
        let result = try run(tools.pgCtl, ["start", "-w", "-t", "60", "-D", dataDirectory.path, "-l", logFile.path])
        guard result.status == 0 else {
            throw ClusterError(
                "the server in \(dataDirectory.path) did not start: \(lastLines(of: logFile) ?? oneLine(result.output))"
            )
        }
        try ensureDatabase()
        return outcome
    }

    /// Stops the server (fast shutdown). Returns false when it was not running.
    @discardableResult
    public func stop() throws(ClusterError) -> Bool {
        guard case .running = try state() else { return false }
        let tools = try PostgresTools.locate()
        let result = try run(tools.pgCtl, ["stop", "-w", "-t", "60", "-m", "fast", "-D", dataDirectory.path])
        guard result.status == 0 else {
            throw ClusterError("cannot stop the server in \(dataDirectory.path): \(oneLine(result.output))")
        }
        if !socketDirectory.path.hasPrefix(serverDirectory.path) {
            rmdir(socketDirectory.path)  // the /tmp fallback folder; only removed when empty
        }
        return true
    }

    /// Drops the `tieout` database of the running cluster, with everything in it, and creates it empty
    /// (sessions still connected to it are ended).
    public func resetDatabase() throws(ClusterError) {
        guard case .running = try state() else {
            throw ClusterError(
                "the private PostgreSQL in \(directory.path) is not running: run `tieout db start` first")
        }
        do {
            let connection = try PostgresConnection(configuration: .parameters(maintenanceParameters))
            try connection.query("DROP DATABASE IF EXISTS \(identifier: databaseName) WITH (FORCE)")
            try connection.query("CREATE DATABASE \(identifier: databaseName)")
        } catch {
            throw ClusterError("cannot reset the \(databaseName) database: \(error)")
        }
    }

    /// The connection parameters with the `postgres` maintenance database, for creating and dropping ours.
    private var maintenanceParameters: [(String, String)] {
        connectionParameters.map { $0.0 == "dbname" ? ("dbname", "postgres") : $0 }
    }

    // MARK: - Creation

    private func create(tools: PostgresTools, throwaway: Bool, logger: Logger) throws(ClusterError) {
        try chooseServerDirectory(logger: logger)
        try prepareDirectories()
        logger.info("creating a private PostgreSQL cluster", metadata: ["data": .string(dataDirectory.path)])
        let result = try run(
            tools.initdb,
            [
                "-D", dataDirectory.path, "-U", databaseName, "-A", "trust", "-E", "UTF8", "--no-locale",
                "--no-instructions",
            ]
        )
        guard result.status == 0 else {
            throw ClusterError("initdb failed for \(dataDirectory.path): \(oneLine(result.output))")
        }
        var settings = """

            # Added by tieout: a private server reachable only through its own unix socket folder.
            listen_addresses = ''
            unix_socket_directories = '\(socketDirectory.path.replacingOccurrences(of: "'", with: "''"))'
            unix_socket_permissions = 0700
            port = \(port)
            timezone = 'UTC'
            log_timezone = 'UTC'
            # Room for the working set of a month of actuals on both sides (the default is 128MB).
            shared_buffers = '1GB'

            """
        if throwaway {
            settings += """
                # Throwaway test cluster: durability off for speed.
                fsync = off
                synchronous_commit = off
                full_page_writes = off

                """
        }
        let configuration = dataDirectory.appendingPathComponent("postgresql.conf")
        do {
            let handle = try FileHandle(forWritingTo: configuration)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(settings.utf8))
            try handle.close()
        } catch {
            throw ClusterError("cannot write \(configuration.path): \(describe(error))")
        }
    }

    /// Before a new cluster is created as root: when the `postgres` user cannot reach `.tieout` (a
    /// parent folder it may not traverse, such as `/root`), records a folder of the server's own
    /// under its home in ``locationFile``. An ordinary user's cluster always stays in `.tieout`.
    private func chooseServerDirectory(logger: Logger) throws(ClusterError) {
        guard let owner = try ServerUser.current(), serverDirectory == directory else { return }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ClusterError("cannot create \(directory.path): \(describe(error))")
        }
        guard chown(directory.path, owner.uid, owner.gid) == 0 else {
            throw ClusterError("cannot give \(directory.path) to the \(owner.name) user (errno \(errno))")
        }
        let probe = try run(URL(fileURLWithPath: "/usr/bin/test"), ["-w", directory.path])
        guard probe.status != 0 else { return }
        // The postgres user cannot reach the working folder: .tieout stays root's, the server's files go home.
        _ = chown(directory.path, geteuid(), getegid())
        let home = owner.home.isEmpty ? "/var/lib/postgresql" : owner.home
        let folderName = directory.deletingLastPathComponent().lastPathComponent
        let sanitized = String(folderName.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        let server = URL(fileURLWithPath: home).appendingPathComponent("tieout")
            .appendingPathComponent("\(sanitized.prefix(40))-\(pathHash)")
        let base = server.deletingLastPathComponent()
        // A cluster is there already: an earlier checkout at this very path, whose .tieout/ is gone. Its data is
        // neither reused behind the user's back nor deleted: they choose.
        let leftover = server.appendingPathComponent("pgdata").appendingPathComponent("PG_VERSION")
        if FileManager.default.fileExists(atPath: leftover.path) {
            throw ClusterError(
                "\(server.path) already holds the cluster of an earlier checkout at \(directory.deletingLastPathComponent().path) "
                    + "(its .tieout/ is gone); remove that folder to start a new one (rm -rf \(server.path)), or work "
                    + "in another folder")
        }
        do {
            try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: server, withIntermediateDirectories: true)
            try Data((server.path + "\n").utf8).write(to: locationFile)
        } catch {
            throw ClusterError("cannot create \(server.path) for the \(owner.name) user: \(describe(error))")
        }
        for url in [base, server] {
            guard chown(url.path, owner.uid, owner.gid) == 0 else {
                throw ClusterError("cannot give \(url.path) to the \(owner.name) user (errno \(errno))")
            }
        }
        chmod(server.path, 0o700)
        logger.info(
            "the postgres user cannot reach the working folder; the server's files go to its home",
            metadata: ["folder": .string(server.path), "recorded in": .string(locationFile.path)])
    }

    /// Creates `.tieout`, the server's folder, the data and socket folders and the log, owned by the
    /// user the server runs as.
    private func prepareDirectories() throws(ClusterError) {
        let manager = FileManager.default
        let server = serverDirectory
        do {
            try manager.createDirectory(at: directory, withIntermediateDirectories: true)
            try manager.createDirectory(at: server, withIntermediateDirectories: true)
            try manager.createDirectory(at: socketDirectory, withIntermediateDirectories: true)
            if !manager.fileExists(atPath: dataDirectory.path) {
                try manager.createDirectory(at: dataDirectory, withIntermediateDirectories: false)
            }
            if !manager.fileExists(atPath: logFile.path) {
                _ = manager.createFile(atPath: logFile.path, contents: nil)
            }
        } catch {
            throw ClusterError("cannot create \(server.path): \(describe(error))")
        }
        chmod(dataDirectory.path, 0o700)
        chmod(socketDirectory.path, 0o700)
        if let owner = try ServerUser.current() {
            for url in [server, dataDirectory, socketDirectory, logFile] {
                guard chown(url.path, owner.uid, owner.gid) == 0 else {
                    throw ClusterError("cannot give \(url.path) to the \(owner.name) user (errno \(errno))")
                }
            }
            let probe = try run(URL(fileURLWithPath: "/usr/bin/test"), ["-w", dataDirectory.path])
            guard probe.status == 0 else {
                throw ClusterError(
                    "the \(owner.name) system user cannot reach \(dataDirectory.path): make its parent folders traversable (chmod o+x) or run tieout from another folder"
                )
            }
        }
    }

    /// Creates the `tieout` database when it is missing (initdb creates only `postgres`).
    private func ensureDatabase() throws(ClusterError) {
        // initdb creates only the `postgres` maintenance database; connect there to create ours.
        do {
            let connection = try PostgresConnection(configuration: .parameters(maintenanceParameters))
            let exists = try connection.query(
                "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = \(databaseName))"
            ).scalar(Bool.self)
            if !exists {
                try connection.query("CREATE DATABASE \(identifier: databaseName)")
            }
        } catch {
            throw ClusterError("the server started but the \(databaseName) database could not be created: \(error)")
        }
    }

    // MARK: - Processes

    struct ProcessResult {
        var status: Int32
        var output: String
    }

    /// Runs a PostgreSQL program, as the `postgres` system user when this process is root, and
    /// returns its exit status and combined output.
    ///
    /// It uses `posix_spawn` and closes every descriptor above 2 in the child: `pg_ctl start`
    /// leaves a server running that would otherwise inherit this process's descriptors (and
    /// Foundation's `Process` would then wait for it forever).
    func run(_ executable: URL, _ arguments: [String]) throws(ClusterError) -> ProcessResult {
        var argv: [String]
        if let owner = try ServerUser.current() {
            argv = ["/usr/sbin/runuser", "-u", owner.name, "--", executable.path] + arguments
        } else {
            argv = [executable.path] + arguments
        }
        // Output goes to an unlinked temporary file, which the server may keep open harmlessly.
        var template = Array("/tmp/tieout-output-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw ClusterError("cannot create a temporary file (errno \(errno))") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        defer { close(descriptor) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, descriptor, 1)
        posix_spawn_file_actions_adddup2(&actions, descriptor, 2)
        // glibc ≥ 2.34 has these; Swift does not import them, so look them up by name.
        if let closeFrom = GlibcSpawnExtensions.addCloseFrom {
            _ = closeFrom(&actions, 3)
        } else {
            // Older glibc: close the descriptors open right now, one by one.
            for fd in openDescriptors() where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        }
        if let changeDirectory = GlibcSpawnExtensions.addChangeDirectory {
            _ = changeDirectory(&actions, "/")  // the server user may not be allowed into our folder
        }

        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ)
        guard spawned == 0 else {
            throw ClusterError("cannot run \(argv[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else {
                throw ClusterError("waiting for \(executable.lastPathComponent) failed (errno \(errno))")
            }
        }
        let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)

        lseek(descriptor, 0, SEEK_SET)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return ProcessResult(status: exitStatus, output: String(decoding: bytes, as: UTF8.self))
    }

    private func openDescriptors() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
    }

    private func lastLines(of file: URL) -> String? {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n").suffix(3)
        return lines.isEmpty ? nil : oneLine(lines.joined(separator: " "))
    }
}

/// A problem with the private cluster, in one line.
public struct ClusterError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The system user the server runs as when this process is root (PostgreSQL refuses root).
struct ServerUser {
    var name: String
    var uid: uid_t
    var gid: gid_t
    /// Its home folder (`/var/lib/postgresql` on Debian).
    var home: String

    /// nil when we are not root: the server then runs as ourselves. Throws when we are root and
    /// there is no `postgres` user to run it as.
    static func current() throws(ClusterError) -> ServerUser? {
        guard geteuid() == 0 else { return nil }
        guard let entry = getpwnam("postgres") else {
            throw ClusterError(
                "running as root, but there is no postgres system user to run PostgreSQL as: install the postgresql package or run tieout as an ordinary user"
            )
        }
        return ServerUser(
            name: "postgres", uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid,
            home: entry.pointee.pw_dir.map { String(cString: $0) } ?? "")
    }
}

/// The installed PostgreSQL server programs.
struct PostgresTools {
    var initdb: URL
    var pgCtl: URL

    /// Looks in `TIEOUT_PG_BINDIR`, then the newest `/usr/lib/postgresql/*/bin` (Debian), then `PATH`.
    static func locate() throws(ClusterError) -> PostgresTools {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let configured = environment["TIEOUT_PG_BINDIR"], !configured.isEmpty { candidates.append(configured) }
        let debianRoot = "/usr/lib/postgresql"
        if let versions = try? FileManager.default.contentsOfDirectory(atPath: debianRoot) {
            for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
                candidates.append("\(debianRoot)/\(version)/bin")
            }
        }
        candidates.append(contentsOf: (environment["PATH"] ?? "").split(separator: ":").map(String.init))
        for folder in candidates {
            let initdb = URL(fileURLWithPath: folder).appendingPathComponent("initdb")
            let pgCtl = URL(fileURLWithPath: folder).appendingPathComponent("pg_ctl")
            if FileManager.default.isExecutableFile(atPath: initdb.path),
                FileManager.default.isExecutableFile(atPath: pgCtl.path)
            {
                return PostgresTools(initdb: initdb, pgCtl: pgCtl)
            }
        }
        throw ClusterError(
            "PostgreSQL's initdb and pg_ctl were not found: run `make setup` (apt-get install postgresql) or set TIEOUT_PG_BINDIR"
        )
    }
}

/// An error's text in one line: a Cocoa error's own description rather than Foundation's dump.
func describe(_ error: any Error) -> String {
    oneLine((error as NSError).localizedDescription)
}

func oneLine(_ text: String) -> String {
    text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
}

/// glibc's non-portable `posix_spawn` file actions, looked up at run time.
enum GlibcSpawnExtensions {
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias AddChangeDirectory =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    static var addCloseFrom: AddCloseFrom? {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np").map {
            unsafeBitCast($0, to: AddCloseFrom.self)
        }
    }

    static var addChangeDirectory: AddChangeDirectory? {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np").map {
            unsafeBitCast($0, to: AddChangeDirectory.self)
        }
    }
}
