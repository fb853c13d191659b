import Foundation
import TieoutMaps
import TieoutPostgres

/// What one apply did.
public struct ApplyCounts: Sendable, Equatable {
    /// Target rows inserted or changed.
    public var written = 0
    /// Target rows deleted (maps with `deletes: propagate`).
    public var deleted = 0
    /// Source rows that failed and went to `sync.error`.
    public var failed = 0

    public init(written: Int = 0, deleted: Int = 0, failed: Int = 0) {
        self.written = written
        self.deleted = deleted
        self.failed = failed
    }

    static func + (lhs: ApplyCounts, rhs: ApplyCounts) -> ApplyCounts {
        ApplyCounts(
            written: lhs.written + rhs.written, deleted: lhs.deleted + rhs.deleted, failed: lhs.failed + rhs.failed)
    }
}

/// Applies rows of one map inside transactions the caller has opened: the target's, and in
/// two-database mode also a read transaction on the source.
///
/// A batch goes through the map's stage table: fill it (projection on the source), mark rows the
/// target cannot take (missing references, NULL keys, missing targets in update mode), record
/// those in `sync.error`, then MERGE the rest and propagate deletes, all set-based. If a statement
/// fails because of the data (a constraint, a bad value, a trigger refusing it), the batch is split
/// in halves inside savepoints until the failing rows stand alone; each goes to `sync.error` and the
/// rest of the batch still applies.
struct Applier {
    let map: CompiledMap
    let source: PostgresConnection
    let target: PostgresConnection
    var isSingle: Bool { source === target }

    /// Creates the stage table on the target connection (once per connection).
    func prepareStage() throws {
        try target.query(map.createStage())
    }

    /// Applies the current source state of `keys` (text[] literals), isolating failing rows.
    func apply(keys: [String]) throws -> ApplyCounts {
        guard !keys.isEmpty else { return ApplyCounts() }
        do {
            return try inSavepoints { try attempt(fill: { try fillStage(map.projection(keys: keys)) }) }
        } catch  where Self.isRowError(error) {
            guard keys.count > 1 else {
                try recordFailure(key: keys[0], error: error)
                return ApplyCounts(failed: 1)
            }
            let middle = keys.count / 2
            return try apply(keys: Array(keys[..<middle])) + apply(keys: Array(keys[middle...]))
        }
    }

    /// Applies a primary-key range of the source (initial sync). On a row error it falls back to
    /// the keys of the range, so the failing rows are isolated like in ``apply(keys:)``.
    func apply(after lower: [String]?, through upper: [String]?) throws -> (counts: ApplyCounts, read: Int) {
        do {
            return try inSavepoints {
                var read = 0
                let counts = try attempt(fill: { read = try fillStage(map.projection(after: lower, through: upper)) })
                return (counts, read)
            }
        } catch  where Self.isRowError(error) {
            let keys = try source.query(map.rangeKeys(after: lower, through: upper)).map {
                try $0.decode(0, as: String.self)
            }
            return (try apply(keys: keys), keys.count)
        }
    }

    /// Data errors are isolated row by row; anything else (connection lost, serialization failure,
    /// a schema that changed under the map) stops the run.
    static func isRowError(_ error: any Error) -> Bool {
        guard let error = error as? PostgresError, error.kind == .server, let code = error.code else { return false }
        return ["21", "22", "23", "27", "44", "P0"].contains(code.class.rawValue)
    }

    // MARK: - One attempt

    private func inSavepoints<Result>(_ body: () throws -> Result) throws -> Result {
        if isSingle { return try target.withSavepoint { _ in try body() } }
        return try source.withSavepoint { _ in try target.withSavepoint { _ in try body() } }
    }

    /// Fills the stage with a projection and returns the number of rows staged.
    @discardableResult
    private func fillStage(_ projection: PostgresQuery) throws -> Int {
        try target.query("TRUNCATE \(identifier: map.stageName)")
        let staged: Int
        if isSingle {
            staged = try target.query(map.fillStage(from: projection)).affectedRows ?? 0
        } else {
            staged = try copyIntoStage(projection)
        }
        // Temporary tables get no statistics on their own. Without them a big stage is planned as a
        // tiny one and the MERGE into a still-small target (initial sync) rescans it per row.
        if staged >= Self.analyzeThreshold { try target.query("ANALYZE \(identifier: map.stageName)") }
        return staged
    }

    /// Stages of at least this many rows are analyzed before they are merged.
    static let analyzeThreshold = 30_000

    private func copyIntoStage(_ projection: PostgresQuery) throws -> Int {
        // Two databases: run the projection on the source and stream its rows into the stage.
        let rows = try source.query(projection)
        return try target.copyIn("COPY \(identifier: map.stageName) (\(fragment: map.stageColumns())) FROM STDIN") {
            writer in
            var line = ""
            for row in rows {
                line.removeAll(keepingCapacity: true)
                for column in 0..<rows.columns.count {
                    if column > 0 { line.append("\t") }
                    Self.appendCopyText(row[column], to: &line)
                }
                line.append("\n")
                try writer.write(line)
            }
        }
    }

    private func attempt(fill: () throws -> Void) throws -> ApplyCounts {
        try fill()
        for check in map.stageChecks() { try target.query(check) }
        let problemKeys = try target.query(map.recordStageProblems()).map { try $0.decode(0, as: String.self) }
        if !problemKeys.isEmpty { try attachPayloads(keys: problemKeys) }
        var counts = ApplyCounts(failed: problemKeys.count)
        counts.written = try target.query(map.merge()).affectedRows ?? 0
        if let delete = map.propagateDeletes() {
            counts.deleted = try target.query(delete).affectedRows ?? 0
        }
        return counts
    }

    // MARK: - Errors

    /// Records one failed row (after its savepoint was rolled back).
    private func recordFailure(key: String, error: any Error) throws {
        let postgres = error as? PostgresError
        let code = postgres?.code?.rawValue ?? "XX000"
        let message = postgres?.message ?? "\(error)"
        try target.query(
            """
            INSERT INTO sync.error AS e (map, key, sqlstate, message, detail)
            VALUES (\(map.name), CAST(\(key) AS text[]), \(code), \(message), \(postgres?.detail))
            ON CONFLICT (map, key) WHERE status = 'open' DO UPDATE
               SET attempts = e.attempts + 1, last_failed_at = now(), sqlstate = EXCLUDED.sqlstate,
                   message = EXCLUDED.message, detail = EXCLUDED.detail
            """)
        try attachPayloads(keys: [key])
    }

    /// Stores the source rows of failed keys as the errors' payload.
    private func attachPayloads(keys: [String]) throws {
        let payloads = try source.query(map.sourcePayloads(keys: keys))
        guard !payloads.isEmpty else { return }
        let found = try payloads.map { try $0.decode("key", as: String.self) }
        let documents = try payloads.map { try $0.decode("payload", as: String.self) }
        try target.query(
            """
            UPDATE sync.error AS e SET payload = CAST(p.payload AS jsonb)
              FROM unnest(CAST(\(found) AS text[]), CAST(\(documents) AS text[])) AS p(key, payload)
             WHERE e.map = \(map.name) AND e.status = 'open' AND e.key = CAST(p.key AS text[])
            """)
    }

    /// Appends a value in COPY's text format: `\N` for NULL, backslash escapes for the rest.
    static func appendCopyText(_ value: String?, to line: inout String) {
        guard let value else {
            line.append("\\N")
            return
        }
        // By scalar: "\r\n" is one Character in Swift, but two bytes to escape for COPY.
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": line.append("\\\\")
            case "\t": line.append("\\t")
            case "\n": line.append("\\n")
            case "\r": line.append("\\r")
            default: line.unicodeScalars.append(scalar)
            }
        }
    }
}
