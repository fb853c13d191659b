public import Foundation
import Logging
import TieoutMaps
import TieoutPostgres

/// Progress of an initial sync.
public struct InitialSyncProgress: Sendable, Equatable {
    public var map: String
    /// Source rows read so far (including earlier, interrupted runs).
    public var rows: Int
    public var counts: ApplyCounts
    /// True once the whole source table was copied.
    public var finished: Bool
}

/// The state of one map, as `tieout sync status` shows it.
public struct MapStatus: Sendable {
    public var map: String
    public var source: String
    public var target: String
    public var paused: Bool
    public var pauseReason: String?
    /// Server pid of the engine currently holding the map, if one runs.
    public var enginePID: Int?
    /// Change-log rows not yet applied.
    public var queued: Int
    /// Age of the oldest queued change, in milliseconds.
    public var lagMilliseconds: Int64?
    public var appliedChanges: Int64
    public var lastAppliedAt: Date?
    public var openErrors: Int
    /// Initial sync: none, running or done.
    public var initialStatus: String
    public var initialRows: Int64

    /// `paused`, `running` (an engine holds it) or `idle`.
    public var state: String { paused ? "paused" : enginePID != nil ? "running" : "idle" }
}

/// One row of `sync.error`.
public struct SyncErrorRecord: Sendable {
    public var id: Int64
    public var map: String
    /// Source primary key values (a text[] literal).
    public var key: String
    public var sqlstate: String
    public var message: String
    public var detail: String?
    public var status: String
    public var attempts: Int
    public var heldChanges: Int
    public var firstFailedAt: Date
    public var lastFailedAt: Date
    public var payload: String?
}

/// What `retry` did.
public struct RetryResult: Sendable, Equatable {
    public var resolved = 0
    public var stillFailing = 0

    public init(resolved: Int = 0, stillFailing: Int = 0) {
        self.resolved = resolved
        self.stillFailing = stillFailing
    }
}

extension SyncEngine {
    // MARK: - Initial sync

    /// Copies the rows that already exist in the map's source, in primary-key order, in batches
    /// that each commit with their position. An interrupted run resumes after the last committed
    /// batch. `restart` starts again from the beginning.
    @discardableResult
    public func initialSync(
        _ name: String, restart: Bool = false, progress: (InitialSyncProgress) -> Void = { _ in }
    ) throws -> InitialSyncProgress {
        let map = try map(named: name)
        try lock([map])
        let target = try target(of: map)
        let state = try target.query(
            "SELECT initial_status, initial_last_key, initial_rows FROM sync.map_state WHERE map = \(map.name)")
        guard let row = state.first else { throw SyncError("map '\(map.name)' is not registered") }
        var status = try row.decode("initial_status", as: String.self)
        var lastKey = try row.decode("initial_last_key", as: [String]?.self)
        var rows = try row.decode("initial_rows", as: Int.self)
        if status == "done" && !restart {
            throw SyncError(
                "the initial sync of '\(map.name)' is already done (\(rows) rows); pass --restart to copy again")
        }
        if restart || status == "none" {
            lastKey = nil
            rows = 0
            try target.query(
                """
                UPDATE sync.map_state SET initial_status = 'running', initial_last_key = NULL, initial_rows = 0,
                       initial_started_at = now(), initial_finished_at = NULL
                 WHERE map = \(map.name)
                """)
            status = "running"
        } else {
            logger.info("initial sync resumes", metadata: ["map": "\(map.name)", "rows": "\(rows)"])
        }
        var current = InitialSyncProgress(map: map.name, rows: rows, counts: ApplyCounts(), finished: false)
        while true {
            // A try that loses a deadlock or serialization conflict rolled back whole: try again from the same key.
            var attempt = 1
            var outcome: (progress: InitialSyncProgress, key: [String]?)?
            while outcome == nil {
                do { outcome = try initialBatch(map, after: lastKey, current: current) } catch {
                    try afterFailedTry(error, of: map, attempt: &attempt)
                }
            }
            lastKey = outcome!.key
            current = outcome!.progress
            progress(current)
            logger.info(
                "initial sync batch",
                metadata: [
                    "map": "\(map.name)", "rows": "\(current.rows)", "written": "\(current.counts.written)",
                    "failed": "\(current.counts.failed)",
                ])
            if current.finished { return current }
        }
    }

    /// One try of an initial-sync batch: the rows after `lastKey`, up to the next boundary, in one transaction.
    private func initialBatch(_ map: CompiledMap, after lastKey: [String]?, current: InitialSyncProgress) throws
        -> (progress: InitialSyncProgress, key: [String]?)
    {
        let source = try source(of: map)
        let target = try target(of: map)
        var committedKey = lastKey
        let step = try inBatchTransaction(map) { applier -> InitialSyncProgress in
            var next = current
            guard
                let boundary = try source.query(
                    map.nextBoundary(after: lastKey, count: configuration.initialBatchSize)
                ).first.map({ try $0.decode(0, as: [String].self) })
            else {
                try target.query(
                    """
                    UPDATE sync.map_state SET initial_status = 'done', initial_finished_at = now()
                     WHERE map = \(map.name)
                    """)
                next.finished = true
                return next
            }
            let applied = try applier.apply(after: lastKey, through: boundary)
            if applied.counts.failed > 0 { _ = try pauseIfOverThreshold(map, on: target) }
            try configuration.failpoint?("before-commit")
            try target.query(
                """
                UPDATE sync.map_state SET initial_last_key = \(boundary), initial_rows = initial_rows + \(applied.read)
                 WHERE map = \(map.name)
                """)
            next.rows += applied.read
            next.counts = next.counts + applied.counts
            committedKey = boundary
            return next
        }
        return (step, committedKey)
    }

    // MARK: - Pause and resume

    /// Pauses a map: its changes keep queueing in the change log until it is resumed.
    public func pause(_ name: String, reason: String? = nil) throws {
        let map = try map(named: name)
        try target(of: map).query(
            """
            UPDATE sync.map_state SET paused = true, pause_reason = \(reason ?? "paused by a user"), paused_at = now()
             WHERE map = \(map.name)
            """)
    }

    /// Resumes a paused map; the next run applies what queued meanwhile.
    public func resume(_ name: String) throws {
        let map = try map(named: name)
        try target(of: map).query(
            "UPDATE sync.map_state SET paused = false, pause_reason = NULL, paused_at = NULL WHERE map = \(map.name)")
    }

    // MARK: - Status and errors

    /// The state of every map, in apply order.
    public func status() throws -> [MapStatus] {
        try maps.map { map in
            let target = try target(of: map)
            guard
                let state = try target.query(
                    """
                    SELECT s.paused, s.pause_reason, s.applied_log_ids::text AS pending, s.applied_changes,
                           s.last_applied_at, s.initial_status, s.initial_rows,
                           (SELECT count(*) FROM sync.error e WHERE e.map = s.map AND e.status = 'open') AS open_errors
                      FROM sync.map_state s WHERE s.map = \(map.name)
                    """
                ).first
            else { throw SyncError("map '\(map.name)' is not registered") }
            let queue = try source(of: map).query(
                """
                SELECT count(*) AS queued,
                       (EXTRACT(EPOCH FROM (now() - min(logged_at))) * 1000)::bigint AS lag
                  FROM sync.change_log
                 WHERE map = \(map.name)
                   AND NOT (id = ANY (COALESCE(CAST(\(try state.decode("pending", as: String?.self)) AS bigint[]), '{}')))
                """
            ).first
            return MapStatus(
                map: map.name, source: map.map.source.description, target: map.map.target.description,
                paused: try state.decode("paused"), pauseReason: try state.decode("pause_reason"),
                enginePID: try Self.lockHolder(map: map.name, on: target),
                queued: try queue?.decode("queued", as: Int.self) ?? 0,
                lagMilliseconds: try queue?.decode("lag", as: Int64?.self) ?? nil,
                appliedChanges: try state.decode("applied_changes"), lastAppliedAt: try state.decode("last_applied_at"),
                openErrors: try state.decode("open_errors"), initialStatus: try state.decode("initial_status"),
                initialRows: try state.decode("initial_rows"))
        }
    }

    /// Errors of the selected maps (all maps when empty): open ones, or every one with `all`.
    public func errors(_ names: [String] = [], all: Bool = false) throws -> [SyncErrorRecord] {
        let selected = try select(names)
        var records: [SyncErrorRecord] = []
        var seen: Set<ObjectIdentifier> = []
        for connection in try selected.map({ try target(of: $0) })
        where seen.insert(ObjectIdentifier(connection)).inserted {
            let rows = try connection.query(
                """
                SELECT id, map, key::text AS key, sqlstate, message, detail, status, attempts, held_changes,
                       first_failed_at, last_failed_at, payload::text AS payload
                  FROM sync.error
                 WHERE map = ANY (CAST(\(selected.map(\.name)) AS text[])) AND (\(all) OR status = 'open')
                 ORDER BY id
                """)
            for row in rows {
                records.append(
                    SyncErrorRecord(
                        id: try row.decode("id"), map: try row.decode("map"), key: try row.decode("key"),
                        sqlstate: try row.decode("sqlstate"), message: try row.decode("message"),
                        detail: try row.decode("detail"), status: try row.decode("status"),
                        attempts: try row.decode("attempts"), heldChanges: try row.decode("held_changes"),
                        firstFailedAt: try row.decode("first_failed_at"),
                        lastFailedAt: try row.decode("last_failed_at"),
                        payload: try row.decode("payload")))
            }
        }
        return records.sorted { $0.id < $1.id }
    }

    /// Applies the current source state of open errors again (all open errors of the selected maps,
    /// or only `ids`). A row that applies is resolved; one that fails again stays open.
    public func retry(_ names: [String] = [], ids: [Int64] = []) throws -> RetryResult {
        var result = RetryResult()
        var found: Set<Int64> = []
        for map in try select(names) {
            try inBatchTransaction(map) { applier in
                let open = try applier.target.query(
                    """
                    SELECT id, key::text AS key, attempts FROM sync.error
                     WHERE map = \(map.name) AND status = 'open'
                       AND (\(ids.isEmpty) OR id = ANY (CAST(\(ids.map(String.init)) AS bigint[])))
                     ORDER BY id
                    """)
                guard !open.isEmpty else { return }
                let errorIDs = try open.map { try $0.decode("id", as: Int64.self) }
                found.formUnion(errorIDs)
                _ = try applier.apply(keys: try open.map { try $0.decode("key", as: String.self) })
                let resolved =
                    try applier.target.query(
                        """
                        UPDATE sync.error AS e SET status = 'resolved', resolved_at = now()
                          FROM unnest(CAST(\(errorIDs.map(String.init)) AS bigint[]),
                                      CAST(\(try open.map { String(try $0.decode("attempts", as: Int.self)) }) AS integer[]))
                               AS r(id, attempts)
                         WHERE e.id = r.id AND e.attempts = r.attempts AND e.status = 'open'
                        """
                    ).affectedRows ?? 0
                result.resolved += resolved
                result.stillFailing += open.count - resolved
                logger.info(
                    "retry",
                    metadata: ["map": "\(map.name)", "resolved": "\(resolved)", "failing": "\(open.count - resolved)"])
            }
        }
        try checkAllFound(ids, found: found)
        return result
    }

    /// Gives up on open errors (all of the selected maps, or only `ids`). Changes that arrived for a
    /// key while its error was open are queued again, so the key's latest state is applied.
    public func skip(_ names: [String] = [], ids: [Int64] = []) throws -> Int {
        var skipped = 0
        var found: Set<Int64> = []
        for map in try select(names) {
            let target = try target(of: map)
            let open = try target.query(
                """
                SELECT id, key::text AS key, held_changes FROM sync.error
                 WHERE map = \(map.name) AND status = 'open'
                   AND (\(ids.isEmpty) OR id = ANY (CAST(\(ids.map(String.init)) AS bigint[])))
                """)
            guard !open.isEmpty else { continue }
            let errorIDs = try open.map { try $0.decode("id", as: Int64.self) }
            found.formUnion(errorIDs)
            let requeue = try open.filter { try $0.decode("held_changes", as: Int.self) > 0 }.map {
                try $0.decode("key", as: String.self)
            }
            // Re-queue first: if skipping then fails, the re-queued changes just wait again.
            if !requeue.isEmpty {
                try source(of: map).query(
                    """
                    INSERT INTO sync.change_log (map, op, pk)
                    SELECT \(map.name), 'R', CAST(k AS text[]) FROM unnest(CAST(\(requeue) AS text[])) AS k
                    """)
            }
            skipped +=
                try target.query(
                    """
                    UPDATE sync.error SET status = 'skipped', resolved_at = now()
                     WHERE status = 'open' AND id = ANY (CAST(\(errorIDs.map(String.init)) AS bigint[]))
                    """
                ).affectedRows ?? 0
        }
        try checkAllFound(ids, found: found)
        return skipped
    }

    private func checkAllFound(_ ids: [Int64], found: Set<Int64>) throws {
        let missing = ids.filter { !found.contains($0) }
        guard missing.isEmpty else {
            throw SyncError(
                "no open sync error with id \(missing.map(String.init).joined(separator: ", ")) (see `tieout sync errors`)"
            )
        }
    }
}
