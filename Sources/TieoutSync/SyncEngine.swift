import Foundation
public import Logging
public import TieoutMaps
import TieoutPostgres

/// The dual-write sync engine: applies table maps between the `dataverse` and `fno` schemas.
///
/// Guarantees:
/// - **Capture** is a trigger on every source table: a change and its change-log row commit
///   together, so a committed change cannot be missed.
/// - **No gaps**: a log row becomes visible when its transaction commits and stays until a batch
///   that applied it commits, so a change that committed after a higher-numbered one is never
///   skipped. A batch applies each key's *current* source row, so the target ends in the state of
///   the last committed change of every key, which is what applying them in commit order gives.
/// - **Atomic batches**: each batch's target rows, errors and consumed log rows (or, with two
///   databases, the ids of those rows) commit in one transaction on the target's database. A crash
///   loses nothing and applies nothing twice.
/// - **Failed rows** go to `sync.error`; the rest of the batch still applies. Later changes of a
///   failed key wait behind it until `retry` or `skip`.
/// - **One engine per map**: a session-level advisory lock on the target database. A new engine waits
///   a little for it (``Configuration/lockWait``), so that a supervisor's restart after a crash finds the
///   lock free once the server has noticed that the old client is gone.
/// - **Transient errors are ridden out**: a batch that loses a deadlock or a serialization conflict is
///   rolled back and run again (``Configuration/conflictAttempts``); a live engine (``follow``) that loses
///   its connection reconnects with backoff and goes on (``Configuration/reconnectFor``). Both are
///   logged. A rolled-back batch consumed nothing, so nothing is lost or applied twice.
public final class SyncEngine {
    /// Tuning and hooks.
    public struct Configuration: Sendable {
        /// Change-log rows read per live batch.
        public var batchSize = 5_000
        /// Source rows per initial-sync batch.
        public var initialBatchSize = 50_000
        /// How long `follow` waits for a notification before it polls anyway.
        public var pollInterval: Duration = .seconds(1)
        /// How long to wait for another engine to release a map before failing; nil waits for as long as it
        /// takes.
        public var lockWait: Duration? = .seconds(30)
        /// Tries of a batch that loses a deadlock or serialization conflict, the first included.
        public var conflictAttempts = 5
        /// The wait before the second try of a batch; it doubles for each later try (with jitter).
        public var conflictBackoff: Duration = .milliseconds(100)
        /// How long `follow` keeps trying to reconnect after losing a database connection before it gives up.
        public var reconnectFor: Duration = .seconds(300)
        /// The wait before the first reconnection attempt; it doubles up to ``maximumReconnectDelay``.
        public var reconnectDelay: Duration = .milliseconds(250)
        /// The longest wait between two reconnection attempts.
        public var maximumReconnectDelay: Duration = .seconds(10)
        /// Called at named points (`"before-commit"`); throwing there simulates a crash. For tests.
        public var failpoint: (@Sendable (String) throws -> Void)?

        public init() {}
    }

    /// What a drain did for one map.
    public struct MapRun: Sendable, Equatable {
        public var map: String
        /// Change-log rows consumed.
        public var changes = 0
        public var batches = 0
        public var counts = ApplyCounts()
        /// Set when the map is (or became) paused.
        public var pausedReason: String?
    }

    public let maps: [CompiledMap]
    public let databases: SyncDatabases
    public var configuration: Configuration
    public let logger: Logger
    private var lockedMaps: Set<String> = []
    private var preparedStages: Set<String> = []

    /// Validates every map against the live catalog (refusing to start when one is invalid),
    /// installs change capture on the source tables and registers each map's state.
    public init(
        maps set: MapSet, databases: SyncDatabases, configuration: Configuration = Configuration(), logger: Logger
    ) throws {
        self.databases = databases
        self.configuration = configuration
        self.logger = logger
        self.maps = try MapValidator(connections: databases.bySchema).compile(set)
        try installCapture()
        try register()
    }

    /// The compiled map called `name`.
    public func map(named name: String) throws -> CompiledMap {
        guard let map = maps.first(where: { $0.name == name }) else {
            throw SyncError("no map named '\(name)' (maps: \(maps.map(\.name).joined(separator: ", ")))")
        }
        return map
    }

    /// The maps called `names` in apply order (all maps when empty).
    public func select(_ names: [String]) throws -> [CompiledMap] {
        for name in names { _ = try map(named: name) }
        return names.isEmpty ? maps : maps.filter { names.contains($0.name) }
    }

    func source(of map: CompiledMap) throws -> PostgresConnection {
        try databases.connection(for: map.map.source.schema)
    }
    func target(of map: CompiledMap) throws -> PostgresConnection {
        try databases.connection(for: map.map.target.schema)
    }

    // MARK: - Setup

    /// Installs capture on every source table, for the maps that read it.
    private func installCapture() throws {
        for (table, readers) in Dictionary(grouping: maps, by: { $0.map.source }) {
            try source(of: readers[0]).query(
                """
                SELECT sync.enable_capture(\(fragment: table.regclass), CAST(\(readers.map(\.name).sorted()) AS text[]))
                """)
        }
    }

    private func register() throws {
        for map in maps {
            try target(of: map).query(
                """
                INSERT INTO sync.map_state (map, version, source_table, target_table)
                VALUES (\(map.name), \(map.map.version), \(map.map.source.description), \(map.map.target.description))
                ON CONFLICT (map) DO UPDATE SET version = EXCLUDED.version, source_table = EXCLUDED.source_table,
                                               target_table = EXCLUDED.target_table
                """)
        }
    }

    // MARK: - Locks

    /// Takes the engine lock of each map (session-level advisory lock on the target database).
    /// Another engine holding one makes this wait, up to ``Configuration/lockWait``, then fail with a
    /// message naming the holder.
    public func lock(_ selected: [CompiledMap]) throws {
        for map in selected where !lockedMaps.contains(map.name) {
            let connection = try target(of: map)
            let deadline = configuration.lockWait.map { ContinuousClock.now + $0 }
            var logged = false
            while true {
                let locked = try connection.query(
                    "SELECT pg_try_advisory_lock(hashtext('tieout.sync'), hashtext(\(map.name)))"
                ).scalar(Bool.self)
                if locked { break }
                let holder: Int? = try Self.lockHolder(map: map.name, on: connection)
                let pid: String = holder.map { String($0) } ?? "unknown"
                if let deadline, ContinuousClock.now >= deadline {
                    let waited: String = Self.describe(configuration.lockWait ?? Duration.zero)
                    throw SyncError(
                        "map '\(map.name)' is being synced by another process (server pid \(pid)); waited \(waited) for it: stop it, or pass --wait to wait for as long as it takes"
                    )
                }
                if !logged {
                    logger.notice(
                        "waiting for another engine to release the map",
                        metadata: ["map": "\(map.name)", "holder pid": "\(pid)"])
                    logged = true
                }
                try sleep(.milliseconds(200))
            }
            lockedMaps.insert(map.name)
        }
    }

    /// Sleeps; throws nothing, but is a seam for the waits of locks, retries and reconnection.
    func sleep(_ duration: Duration) throws {
        guard duration > .zero else { return }
        let seconds: Double = Double(duration.components.seconds)
        let fraction: Double = Double(duration.components.attoseconds) / 1e18
        Thread.sleep(forTimeInterval: seconds + fraction)
    }

    /// A duration for messages: `30s`, `5m`, `250ms`.
    static func describe(_ duration: Duration) -> String {
        let whole: Int64 = duration.components.seconds
        let fraction: Int64 = duration.components.attoseconds / 1_000_000_000_000_000
        let milliseconds: Int64 = whole * 1000 + fraction
        if milliseconds % 1000 != 0 { return "\(milliseconds)ms" }
        return describe(seconds: whole)
    }

    // MARK: - Transient errors

    /// Decides what follows a failed try of a batch transaction: a deadlock or serialization failure (the
    /// server rolled the transaction back whole) is logged, waited out (growing, jittered waits) and
    /// answered by returning, so the caller tries again, up to ``Configuration/conflictAttempts`` tries;
    /// anything else, or one conflict too many, is rethrown. Callers loop until a try returns:
    /// `while outcome == nil { do { outcome = try … } catch { try afterFailedTry(error, of: map, attempt: &attempt) } }`.
    func afterFailedTry(_ error: any Error, of map: CompiledMap, attempt: inout Int) throws {
        guard let conflict = Self.conflict(in: error), attempt < configuration.conflictAttempts else { throw error }
        let doublings: Int = min(attempt - 1, 10)
        let base: Duration = configuration.conflictBackoff * (1 << doublings)
        let jitter: Double = Double.random(in: 0..<0.5)
        let delay: Duration = base + base * jitter
        logger.warning(
            "batch rolled back after a conflict; trying again",
            metadata: [
                "map": "\(map.name)", "attempt": "\(attempt + 1) of \(configuration.conflictAttempts)",
                "after": "\(Self.describe(delay))", "error": "\(conflict)",
            ])
        try sleep(delay)
        attempt += 1
    }

    /// The deadlock or serialization failure behind `error`, if that is what it is.
    static func conflict(in error: any Error) -> PostgresError? {
        if let error = error as? PostgresError { return error.isConflict ? error : nil }
        if let error = error as? TransactionRollbackError { return conflict(in: error.error) }
        return nil
    }

    /// The lost connection behind `error`, if that is what it is.
    static func connectionLoss(in error: any Error) -> PostgresError? {
        if let error = error as? PostgresError { return error.isConnectionLost ? error : nil }
        if let error = error as? TransactionRollbackError {
            return connectionLoss(in: error.error) ?? (error.rollbackError.isConnectionLost ? error.rollbackError : nil)
        }
        return nil
    }

    /// After a lost connection: opens new connections with backoff until one works, or gives up after
    /// ``Configuration/reconnectFor`` (or when asked to stop). The engine locks, stage tables and
    /// LISTENs went with the old sessions; the next drain takes the locks again.
    func reconnect(after loss: PostgresError, shouldStop: () -> Bool) throws {
        logger.warning("lost the database connection; reconnecting", metadata: ["error": "\(loss)"])
        lockedMaps = []
        preparedStages = []
        let started = ContinuousClock.now
        var delay = configuration.reconnectDelay
        var attempt = 0
        while true {
            attempt += 1
            do {
                try databases.reconnect()
                logger.notice("reconnected", metadata: ["attempt": "\(attempt)"])
                return
            } catch {
                let failure: PostgresError = error
                guard failure.isConnectionLost else { throw failure }
                let waited: Duration = ContinuousClock.now - started
                guard waited + delay <= configuration.reconnectFor, !shouldStop() else {
                    throw SyncError(
                        "lost the database connection and could not reconnect within \(Self.describe(configuration.reconnectFor)) (\(attempt) attempts): \(failure)"
                    )
                }
                logger.warning(
                    "reconnect failed; trying again",
                    metadata: ["attempt": "\(attempt)", "after": "\(Self.describe(delay))", "error": "\(failure)"])
                // Sleep in short steps, so that SIGTERM still stops the engine promptly.
                let wake: ContinuousClock.Instant = ContinuousClock.now + delay
                while ContinuousClock.now < wake, !shouldStop() {
                    let left: Duration = wake - ContinuousClock.now
                    try sleep(left < Duration.milliseconds(100) ? left : Duration.milliseconds(100))
                }
                let doubled: Duration = delay * 2
                delay = doubled < configuration.maximumReconnectDelay ? doubled : configuration.maximumReconnectDelay
            }
        }
    }

    /// Releases the engine locks this engine holds.
    public func unlockAll() throws {
        for name in lockedMaps {
            let map = try map(named: name)
            try target(of: map).query("SELECT pg_advisory_unlock(hashtext('tieout.sync'), hashtext(\(name)))")
        }
        lockedMaps = []
    }

    /// The server pid of the session holding a map's engine lock, if any.
    static func lockHolder(map: String, on connection: PostgresConnection) throws -> Int? {
        try connection.advisoryLockHolder(namespace: "tieout.sync", key: map)
    }

    /// Runs `body` in the transaction(s) a batch of `map` needs: the target's, and in two-database
    /// mode a read-only repeatable-read transaction on the source around it. The batch lock
    /// (transaction-level) keeps `retry`/`skip` from interleaving with a running batch.
    func inBatchTransaction<Result>(_ map: CompiledMap, _ body: (Applier) throws -> Result) throws -> Result {
        let source = try source(of: map)
        let target = try target(of: map)
        let applier = Applier(map: map, source: source, target: target)
        if !preparedStages.contains(map.name) {
            try applier.prepareStage()
            preparedStages.insert(map.name)
        }
        func inTarget() throws -> Result {
            try target.withTransaction { target in
                try target.query(
                    """
                    SELECT pg_advisory_xact_lock(hashtext('tieout.batch'), hashtext(\(map.name))),
                           set_config('tieout.origin', \("sync:" + map.name), true)
                    """)
                return try body(applier)
            }
        }
        if source === target { return try inTarget() }
        return try source.withTransaction(isolation: .repeatableRead, readOnly: true) { _ in try inTarget() }
    }

    // MARK: - Live sync

    /// Applies every queued change of the selected maps, in apply order, and returns what each did.
    /// Paused maps are left alone (their changes stay queued).
    ///
    /// A map's writes can queue changes for a map earlier in the order (the posted-invoice export updates
    /// invoices, which the proposal map reads). So when a pass wrote anything, another pass follows, until a
    /// pass writes nothing: unchanged rows are never rewritten, so this ends (after at most `maxPasses`).
    public func drain(_ names: [String] = [], shouldStop: () -> Bool = { false }) throws -> [MapRun] {
        let selected = try select(names)
        try lock(selected)
        var runs = selected.map { MapRun(map: $0.name) }
        for _ in 0..<Self.maxPasses {
            let pass = try drainPass(selected, shouldStop: shouldStop)
            for (index, run) in pass.enumerated() {
                runs[index].changes += run.changes
                runs[index].batches += run.batches
                runs[index].counts = runs[index].counts + run.counts
                if let reason = run.pausedReason { runs[index].pausedReason = reason }
            }
            guard pass.contains(where: { $0.counts.written + $0.counts.deleted > 0 }), !shouldStop() else { break }
        }
        return runs
    }

    /// Passes of one drain at most; real cascades settle in two or three.
    static let maxPasses = 10

    /// One pass over the maps in apply order, each until its queue is empty.
    private func drainPass(_ selected: [CompiledMap], shouldStop: () -> Bool) throws -> [MapRun] {
        var runs: [MapRun] = []
        for map in selected {
            var run = MapRun(map: map.name)
            // Two databases: finish what a crash may have interrupted (each batch cleans up after itself).
            let source = try source(of: map)
            let target = try target(of: map)
            if source !== target { try deleteAppliedLogRows(map, source: source, target: target) }
            // Within one drain, each read starts after the highest id taken so far, so it does not
            // wade through the index entries of rows it already deleted. A row with a lower id that
            // commits meanwhile is not lost: once the queue looks empty, one read from the start
            // picks it up (and the next drain would too).
            var after: Int64 = 0
            while !shouldStop() {
                let batch = try applyNextBatch(map, after: after)
                if let reason = batch.pausedReason { run.pausedReason = reason }
                guard batch.changes > 0 else {
                    if after == 0 { break }
                    after = 0
                    continue
                }
                after = batch.lastID
                run.changes += batch.changes
                run.batches += 1
                run.counts = run.counts + batch.counts
                if batch.pausedReason != nil { break }
            }
            runs.append(run)
        }
        return runs
    }

    struct BatchResult {
        var changes = 0
        /// The highest change-log id the batch took.
        var lastID: Int64 = 0
        var counts = ApplyCounts()
        var pausedReason: String?
    }

    /// Takes the next batch of the map's change log and applies it; the batch's log rows are
    /// consumed in the same transaction as the target rows (see `sql/migrations/0005_sync.sql`).
    func applyNextBatch(_ map: CompiledMap, after: Int64 = 0) throws -> BatchResult {
        let source = try source(of: map)
        let target = try target(of: map)
        var consumed: [String] = []
        var attempt = 1
        var outcome: BatchResult?
        while outcome == nil {
            do { outcome = try applyBatchTransaction(map, after: after, consumed: &consumed) } catch {
                try afterFailedTry(error, of: map, attempt: &attempt)
            }
        }
        if !consumed.isEmpty { try deleteAppliedLogRows(map, source: source, target: target) }
        return outcome!
    }

    /// One try of ``applyNextBatch(_:after:)``'s transaction; `consumed` gets the log ids (two databases).
    private func applyBatchTransaction(_ map: CompiledMap, after: Int64, consumed: inout [String]) throws
        -> BatchResult
    {
        let source = try source(of: map)
        let target = try target(of: map)
        let single = source === target
        var ids: [String] = []
        let result = try inBatchTransaction(map) { applier -> BatchResult in
            let state = try target.query("SELECT paused, pause_reason FROM sync.map_state WHERE map = \(map.name)")
            guard let row = state.first else { throw SyncError("map '\(map.name)' is not registered") }
            if try row.decode("paused", as: Bool.self) {
                return BatchResult(pausedReason: try row.decode("pause_reason", as: String?.self) ?? "paused")
            }
            // One database: delete the batch's log rows now; they come back if the transaction rolls back.
            // Two databases: read them, and record their ids with the target rows.
            let entries = try source.query(
                single
                    ? """
                    DELETE FROM sync.change_log
                     WHERE map = \(map.name)
                       AND id IN (SELECT id FROM sync.change_log WHERE map = \(map.name) AND id > \(after)
                                   ORDER BY id LIMIT \(configuration.batchSize))
                    RETURNING id, pk::text AS key
                    """
                    : """
                    SELECT id, pk::text AS key FROM sync.change_log
                     WHERE map = \(map.name) AND id > \(after) ORDER BY id LIMIT \(configuration.batchSize)
                    """)
            guard !entries.isEmpty else { return BatchResult() }
            var seen: Set<String> = []
            var lastID: Int64 = 0
            for entry in entries {
                seen.insert(try entry.decode("key", as: String.self))
                lastID = max(lastID, try entry.decode("id", as: Int64.self))
            }
            // In key order, so the source and target index lookups walk their indexes in order.
            let keys = seen.sorted()
            // Keys with an open error wait behind it: count the change and leave the key alone.
            let held = try target.query(
                """
                UPDATE sync.error AS e SET held_changes = e.held_changes + 1
                  FROM unnest(CAST(\(keys) AS text[])) AS k(key)
                 WHERE e.map = \(map.name) AND e.status = 'open' AND e.key = CAST(k.key AS text[])
                RETURNING k.key
                """
            ).map { try $0.decode(0, as: String.self) }
            let heldSet = Set(held)
            var result = BatchResult(changes: entries.count, lastID: lastID)
            result.counts = try applier.apply(keys: heldSet.isEmpty ? keys : keys.filter { !heldSet.contains($0) })
            if result.counts.failed > 0 { result.pausedReason = try pauseIfOverThreshold(map, on: target) }
            if !single { ids = try entries.map { try $0.decode("id", as: String.self) } }
            try configuration.failpoint?("before-commit")
            try target.query(
                """
                UPDATE sync.map_state
                   SET applied_log_ids = CAST(\(single ? nil : ids) AS bigint[]),
                       applied_changes = applied_changes + \(entries.count), last_applied_at = now()
                 WHERE map = \(map.name)
                """)
            logger.info(
                "batch applied",
                metadata: [
                    "map": "\(map.name)", "changes": "\(entries.count)", "keys": "\(keys.count)",
                    "written": "\(result.counts.written)", "deleted": "\(result.counts.deleted)",
                    "failed": "\(result.counts.failed)", "held": "\(held.count)",
                ])
            return result
        }
        consumed = ids
        return result
    }

    /// Two databases: deletes from the source's change log the rows the last committed batch
    /// recorded as applied. Runs after each batch commits and once when a drain starts (in case a
    /// crash came in between); repeating it is harmless.
    func deleteAppliedLogRows(_ map: CompiledMap, source: PostgresConnection, target: PostgresConnection) throws {
        guard
            let ids = try target.query("SELECT applied_log_ids::text FROM sync.map_state WHERE map = \(map.name)")
                .first?.decode(0, as: [String]?.self), !ids.isEmpty
        else { return }
        try source.query(
            "DELETE FROM sync.change_log WHERE map = \(map.name) AND id = ANY (CAST(\(ids) AS bigint[]))")
    }

    /// Pauses the map when its failed rows within the window reach the threshold; returns the reason.
    func pauseIfOverThreshold(_ map: CompiledMap, on target: PostgresConnection) throws -> String? {
        let threshold = map.map.pauseAfter
        let seconds = threshold.window.components.seconds
        let recent = try target.query(
            """
            SELECT count(*) FROM sync.error
             WHERE map = \(map.name) AND last_failed_at > now() - make_interval(secs => \(Int(seconds)))
            """
        ).scalar(Int.self)
        guard recent >= threshold.errors else { return nil }
        let reason =
            "paused automatically: \(recent) failed rows within \(Self.describe(seconds: seconds)) (threshold \(threshold.errors))"
        try target.query(
            "UPDATE sync.map_state SET paused = true, pause_reason = \(reason), paused_at = now() WHERE map = \(map.name)"
        )
        logger.warning("map paused", metadata: ["map": "\(map.name)", "reason": "\(reason)"])
        return reason
    }

    static func describe(seconds: Int64) -> String {
        if seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }

    /// Stays live: drains, then waits for a notification from a capture trigger (or the poll
    /// interval) and drains again, until `shouldStop` says so. A lost connection (a server restart)
    /// is reopened with backoff (``reconnect(after:shouldStop:)``) and the engine goes on.
    public func follow(_ names: [String] = [], shouldStop: () -> Bool, onRun: ([MapRun]) -> Void = { _ in }) throws {
        var listening: [PostgresConnection] = []
        defer { for connection in listening where connection.isConnected { try? connection.unlisten("tieout_sync") } }
        while !shouldStop() {
            do {
                if listening.isEmpty {
                    for connection in databases.all { try connection.listen("tieout_sync") }
                    listening = databases.all
                }
                let runs = try drain(names, shouldStop: shouldStop)
                onRun(runs)
                if shouldStop() { break }
                // Wait on the first database; the second (two-database mode) is checked without waiting.
                var woke = try !listening[0].notifications(timeout: configuration.pollInterval).isEmpty
                for connection in listening.dropFirst() {
                    woke = try !connection.notifications(timeout: .zero).isEmpty || woke
                }
                logger.trace("follow woke", metadata: ["notified": "\(woke)"])
            } catch {
                guard let loss = Self.connectionLoss(in: error) else { throw error }
                listening = []
                try reconnect(after: loss, shouldStop: shouldStop)
            }
        }
    }
}
