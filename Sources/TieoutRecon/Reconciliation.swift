public import Foundation
public import Logging
public import TieoutMaps
public import TieoutPostgres

/// The nightly reconciliation (`tieout recon run|report|export`): confirmed proformas against invoice proposals
/// against posted actuals, with every mismatch of the catalogue (`recon.category`) written to `recon.finding`.
///
/// The checks are set-based SQL in the database (`recon.execute_run` and the checks of `sql/recon/`). What Swift adds is the
/// expected side taken from the sync engine's table maps: before the checks run, each map the reconciliation relies
/// on becomes a temporary view of its source rows as the map would write them (``ExpectedSet``), so the comparisons
/// follow the maps and there is no second copy of the field correspondences.
///
/// A run reads everything in one REPEATABLE READ snapshot and writes its run row and findings in the same
/// transaction; a transaction-level advisory lock lets only one run go at a time. A run that fails leaves a
/// `recon.run` row with status `failed` and the reason, and no findings.
public struct Reconciliation {
    /// What a run compares and how.
    public struct RunOptions: Sendable {
        /// The run's clock as a timestamp PostgreSQL reads (`2026-11-24T06:00:00Z`, `2026-11-24 06:00+01`); nil for
        /// the time the run starts. Without a zone it is UTC. Kept as text so the same as-of is exactly the same timestamp.
        public var asOf: String?
        /// The grace window: `90m`, `2h`, `1d`, `45s`, `0`, or PostgreSQL interval text (`2 hours 30 minutes`).
        public var grace: String
        /// Limit the findings to one legal entity (`dataareaid`); nil for all.
        public var legalEntity: String?
        /// How far past the database server's clock `asOf` may lie (PostgreSQL interval text, e.g. `1 day`); nil
        /// for no limit. `tieout recon run` passes ``Reconciliation/maximumLead``.
        public var maximumLead: String?
        /// Check everything, even when an incremental run could build on the last one.
        public var full: Bool

        public init(
            asOf: String? = nil, grace: String = Reconciliation.defaultGrace, legalEntity: String? = nil,
            maximumLead: String? = nil, full: Bool = false
        ) {
            self.asOf = asOf
            self.grace = grace
            self.legalEntity = legalEntity
            self.maximumLead = maximumLead
            self.full = full
        }
    }

    /// How far ahead of the server's clock `tieout recon run --as-of` may be: a run dated later would stay the
    /// latest run (and its findings the current ones) until the calendar caught up.
    public static let maximumLead = "1 day"
    /// The earliest as-of accepted: before it there is no invoicing to reconcile, so an earlier one is a typo.
    public static let earliestAsOf = "2000-01-01 00:00:00+00"

    /// The grace window when none is given.
    public static let defaultGrace = "1 hour"

    /// A finished run, as `recon.run` holds it.
    public struct Run: Sendable, Equatable {
        public var runID: Int
        /// The as-of timestamp as PostgreSQL prints it (UTC).
        public var asOf: String
        public var legalEntity: String?
        public var findings: Int
        public var errors: Int
        public var warnings: Int
        public var infos: Int
        public var inFlight: Int
        public var newFindings: Int
        public var stillOpen: Int
        public var resolved: Int
        /// The run replaced the findings of an earlier run with the same as-of and legal entity.
        public var replaced: Bool
        /// `full` or `incremental` (nil for a run recorded before incremental runs existed).
        public var kind: String?
        /// Why a full run was full; nil for an incremental run.
        public var fullReason: String?
        /// The contracts and vouchers an incremental run re-checked; for a full run, every contract.
        public var scopesChecked: Int?
    }

    /// Why `tieout recon run --full` is full.
    public static let fullOnRequest = "asked for (--full)"

    /// One line of the report: findings of one category in one run.
    public struct CategoryTotal: Sendable, Equatable {
        public var category: String
        public var severity: String
        public var findings: Int
        public var newFindings: Int
        /// The money at stake per currency, as exact decimal text (`["EUR": "12.50", "USD": "3.00"]`).
        public var amounts: [String: String]
    }

    /// What `recon export` can write.
    public enum Export: String, Sendable, CaseIterable {
        case findings, summary, pipeline
    }

    /// The advisory lock key that lets only one run go at a time (`hashtext('tieout.recon.run')`).
    static let lockName = "tieout.recon.run"

    let connection: PostgresConnection
    let maps: [CompiledMap]
    let logger: Logger

    /// `maps` are the validated table maps (`MapValidator.compile`); both schemas live in `connection`'s database.
    /// A reconciliation over `connection`, with `maps` checked against its catalog (as ``SyncEngine`` takes them);
    /// ``InvalidMapsError`` when one does not fit the database.
    public init(connection: PostgresConnection, maps: MapSet, logger: Logger) throws {
        self.connection = connection
        self.maps = try MapValidator(connection: connection).compile(maps)
        self.logger = logger
    }

    /// Reviews and sign-offs over the same connection.
    public var review: FindingReview { FindingReview(connection: connection) }

    /// A reconciliation over another connection with maps already compiled (a watch that reconnected).
    init(connection: PostgresConnection, compiled maps: [CompiledMap], logger: Logger) {
        self.connection = connection
        self.maps = maps
        self.logger = logger
    }

    /// Runs the reconciliation and returns the run. Throws ``ReconError`` for a run that cannot start (another run
    /// holds the lock, a bad option) and the database error for one that failed; either way nothing but a failed
    /// run row is written.
    public func run(_ options: RunOptions) throws -> Run {
        try run(options) { _, run in run }
    }

    /// Runs the reconciliation and hands `inspect` the run's connection and result inside the run's transaction,
    /// before it commits (`commit`) or rolls back (tests compare a full run with an incremental one on the same
    /// snapshot this way).
    func run<Result>(
        _ options: RunOptions, commit: Bool = true, inspect: (PostgresConnection, Run) throws -> Result
    ) throws -> Result {
        let expected = try ExpectedSet.all(from: maps)
        let (asOf, grace) = try check(options)
        let started: String = try connection.query("SELECT clock_timestamp()::text").scalar()
        let views = try expected.map { try $0.createView(on: connection) }
        do {
            let (run, result) = try connection.withTransaction(isolation: .repeatableRead) { connection in
                guard
                    try connection.query("SELECT pg_try_advisory_xact_lock(hashtext(\(Self.lockName)))").scalar(
                        Bool.self)
                else { throw ReconError.busy }
                // An incremental run that finds a finding no scope owns is made again as a full run.
                var fullReason = options.full ? Self.fullOnRequest : nil
                while true {
                    try connection.query(
                        """
                        SELECT * FROM recon.prepare_run(\(fullReason), md5(\(views.joined(separator: ";\n"))),
                                                        CAST(coalesce(\(asOf), \(started)) AS timestamptz))
                        """)
                    for view in views { try connection.query(PostgresQuery(unescaped: view)) }
                    try connection.query("SELECT recon.collect_findings()")
                    guard let reason: String = try connection.query("SELECT recon.merge_scopes()").scalar() else {
                        break
                    }
                    fullReason = reason
                }
                let rows = try connection.query(
                    """
                    SELECT run_id, as_of::text AS as_of, legal_entity, findings, errors, warnings, infos, in_flight,
                           new_findings, still_open, resolved, replaced, run_kind, full_reason, scopes_checked
                      FROM recon.execute_run(CAST(\(asOf) AS timestamptz), CAST(\(grace) AS interval),
                                             \(options.legalEntity), CAST(\(started) AS timestamptz))
                    """)
                try connection.query("SELECT recon.drop_inputs()")
                guard let row = rows.first else { throw ReconError("the run returned no result") }
                let run = try Run(row, replaced: try row.decode("replaced"))
                let result = try inspect(connection, run)
                if !commit { throw Rollback(result: result) }
                return (run, result)
            }
            logger.info(
                "recon: run finished",
                metadata: [
                    "run": "\(run.runID)", "kind": "\(run.kind ?? "")", "findings": "\(run.findings)",
                    "errors": "\(run.errors)",
                ])
            return result
        } catch let rollback as Rollback<Result> {
            return rollback.result
        } catch let error as ReconError where error.isBusy {
            throw error
        } catch {
            recordFailure(asOf: asOf, grace: grace, legalEntity: options.legalEntity, started: started, error: error)
            throw error
        }
    }

    /// The as-of and grace window as PostgreSQL reads them, or a ``ReconError`` naming the bad one.
    func check(_ options: RunOptions) throws -> (asOf: String?, grace: String) {
        var asOf: String?
        if let text = options.asOf {
            if let problem = Self.asOfProblem(text) { throw ReconError("--as-of '\(text)' \(problem)", usage: true) }
            let row: PostgresRow
            do {
                row = try connection.query(
                    """
                    SELECT CAST(\(text) AS timestamptz)::text AS as_of,
                           CAST(\(text) AS timestamptz) < CAST(\(Self.earliestAsOf) AS timestamptz) AS too_early,
                           coalesce(CAST(\(text) AS timestamptz) > now() + CAST(\(options.maximumLead) AS interval), false)
                               AS too_late,
                           date_trunc('second', now())::text AS now
                    """
                )[0]
            } catch {
                throw ReconError(
                    "--as-of '\(text)' is not a timestamp (is its time zone known?); \(Self.asOfExample)", usage: true)
            }
            if try row.decode("too_early", as: Bool.self) {
                throw ReconError(
                    "--as-of '\(text)' is before \(Self.earliestAsOf.prefix(10)); \(Self.asOfExample)", usage: true)
            }
            if try row.decode("too_late", as: Bool.self) {
                let now: String = try row.decode("now")
                throw ReconError(
                    "--as-of '\(text)' is more than \(options.maximumLead ?? "") after the database's clock (\(now)); "
                        + "leave --as-of out to run as of now",
                    usage: true)
            }
            asOf = try row.decode("as_of")
        }
        let grace = Self.intervalText(options.grace)
        let valid: Bool
        do {
            valid = try connection.query("SELECT CAST(\(grace) AS interval) >= interval '0'").scalar()
        } catch {
            throw ReconError("--grace '\(options.grace)' is not a duration; use e.g. 90m, 2h, 1d or 0", usage: true)
        }
        guard valid else { throw ReconError("--grace '\(options.grace)' must not be negative", usage: true) }
        if let entity = options.legalEntity {
            guard !entity.isEmpty else { throw ReconError("--legal-entity must not be empty", usage: true) }
            guard
                try connection.query("SELECT EXISTS (SELECT FROM fno.ledger WHERE dataareaid = \(entity))").scalar(
                    Bool.self)
            else {
                throw ReconError(
                    "--legal-entity '\(entity)' is not a legal entity of fno.ledger (see `tieout fno ledger`)",
                    usage: true)
            }
        }
        return (asOf, grace)
    }

    static let asOfExample = "use e.g. 2026-11-24T06:00:00Z or '2026-11-24 06:00' (UTC without a zone)"

    /// Why `text` is not an as-of tieout accepts, or nil: `YYYY-MM-DD`, optionally a time `HH:MM[:SS[.ffffff]]`
    /// after `T` or a space, then optionally a zone (`Z`, `+01`, `-05:30`, or a name such as ` Europe/Paris` after a
    /// space, which PostgreSQL checks). The day must be on the calendar and the time on the clock. Special values
    /// (`now`, `today`, `epoch`, `infinity`) are refused: a run has a definite time.
    static func asOfProblem(_ text: String) -> String? {
        let special = [
            "infinity", "+infinity", "-infinity", "now", "today", "tomorrow", "yesterday", "epoch", "allballs",
        ]
        if special.contains(text.trimmingCharacters(in: .whitespaces).lowercased()) {
            return "is not accepted: give a definite time (\(asOfExample)), or leave --as-of out for now"
        }
        let bytes = Array(text.utf8)
        var index = 0
        func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + count] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += count
            return value
        }
        func skip(_ character: Character) -> Bool {
            guard index < bytes.count, bytes[index] == character.asciiValue else { return false }
            index += 1
            return true
        }
        let notATimestamp = "is not a timestamp; \(asOfExample)"
        guard let year = digits(4), skip("-"), let month = digits(2), skip("-"), let day = digits(2) else {
            return notATimestamp
        }
        guard (1...12).contains(month) else { return "has no month \(month); \(asOfExample)" }
        guard PostgresDate.isValid(year: year, month: month, day: day) else {
            return "is not a calendar date: \(year)-\(month < 10 ? "0" : "")\(month) has "
                + "\(PostgresDate.days(inMonth: month, of: year)) days"
        }
        guard index < bytes.count else { return nil }
        guard skip("T") || skip(" "), let hour = digits(2), skip(":"), let minute = digits(2) else {
            return notATimestamp
        }
        var second = 0
        if skip(":") {
            guard let value = digits(2) else { return notATimestamp }
            second = value
            if skip(".") {
                let start = index
                while index < bytes.count, (48...57).contains(bytes[index]) { index += 1 }
                guard index > start else { return notATimestamp }
            }
        }
        guard hour <= 23, minute <= 59, second <= 59 else {
            return "is not a time of day (HH:MM:SS, hours 00 to 23); \(asOfExample)"
        }
        guard index < bytes.count else { return nil }
        if skip("Z") { return index == bytes.count ? nil : notATimestamp }
        if skip("+") || skip("-") {
            guard let hours = digits(2), hours <= 15 else { return "has a bad zone offset; \(asOfExample)" }
            if skip(":") || (index < bytes.count && bytes[index] != UInt8(ascii: ":")) {
                guard let minutes = digits(2), minutes <= 59 else { return "has a bad zone offset; \(asOfExample)" }
            }
            return index == bytes.count ? nil : notATimestamp
        }
        // A zone name after a space (checked by PostgreSQL): letters, digits and _ / + -.
        guard skip(" "), index < bytes.count,
            bytes[index...].allSatisfy({ byte in
                (65...90).contains(byte) || (97...122).contains(byte) || (48...57).contains(byte)
                    || "_/+-".utf8.contains(byte)
            })
        else { return notATimestamp }
        return nil
    }

    /// `90m` → `90 minutes` (also s, h, d); anything else is left for PostgreSQL to read.
    static func intervalText(_ text: String) -> String {
        let units = ["s": "seconds", "m": "minutes", "h": "hours", "d": "days"]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let unit = trimmed.last.map(String.init), let name = units[unit],
            let number = Int(trimmed.dropLast())
        else { return trimmed }
        return "\(number) \(name)"
    }

    /// Writes the failed run's row in its own transaction; a failure to do so is logged, never thrown over the
    /// original error.
    func recordFailure(asOf: String?, grace: String, legalEntity: String?, started: String, error: any Error) {
        let reason = String(describing: error).split(separator: "\n").first.map(String.init) ?? "unknown error"
        do {
            try connection.query(
                """
                INSERT INTO recon.run (as_of, started_at, finished_at, status, legal_entity, grace, error)
                VALUES (CAST(coalesce(\(asOf), \(started)) AS timestamptz), CAST(\(started) AS timestamptz),
                        clock_timestamp(), 'failed', \(legalEntity), CAST(\(grace) AS interval), \(reason))
                """)
        } catch let secondary {
            logger.error("recon: cannot record the failed run", metadata: ["error": "\(secondary)"])
        }
    }

    /// Totals per category of a run (the latest succeeded one when `runID` is nil), in catalogue order of
    /// severity (E, W, I) then category. Throws when there is no such run.
    public func report(runID: Int? = nil) throws -> (run: Run, totals: [CategoryTotal]) {
        let run = try self.run(id: runID)
        return (run, try Self.categoryTotals(runID: run.runID, on: connection))
    }

    /// The findings of run `runID` per category and severity, with the money at stake of each category per
    /// currency, in severity order (E, W, I) then category: what `recon report` prints and `--metrics` counts.
    public static func categoryTotals(runID: Int, on connection: PostgresConnection) throws -> [CategoryTotal] {
        let counts = try connection.query(
            """
            SELECT category, severity, count(*) AS findings,
                   count(*) FILTER (WHERE first_seen_run_id = run_id) AS new_findings
              FROM recon.finding WHERE run_id = \(runID)
             GROUP BY category, severity
             ORDER BY position(severity IN 'EWI'), category
            """)
        var amounts: [String: [String: String]] = [:]
        for money in try moneyPerCategory(runID: runID, on: connection) {
            amounts[money.category, default: [:]][money.currency] = money.amount
        }
        return try counts.map { row in
            let category: String = try row.decode("category")
            return CategoryTotal(
                category: category, severity: try row.decode("severity"), findings: try row.decode("findings"),
                newFindings: try row.decode("new_findings"), amounts: amounts[category] ?? [:])
        }
    }

    /// The money at stake of one category in one currency: the sum of its findings' `amount` (exact decimal text)
    /// and how many findings carry one.
    public struct CategoryMoney: Sendable, Equatable {
        public var category: String
        public var currency: String
        public var amount: String
        public var findings: Int
        public init(category: String, currency: String, amount: String, findings: Int) {
            self.category = category
            self.currency = currency
            self.amount = amount
            self.findings = findings
        }
    }

    /// The money at stake of run `runID` per category and currency, by currency, then largest sum first: what
    /// ``categoryTotals(runID:on:)`` and the HTML report's category chart show.
    public static func moneyPerCategory(runID: Int, on connection: PostgresConnection) throws -> [CategoryMoney] {
        try connection.query(
            """
            SELECT category, currency, sum(amount)::text AS amount, count(*) AS findings
              FROM recon.finding
             WHERE run_id = \(runID) AND currency IS NOT NULL AND amount IS NOT NULL
             GROUP BY category, currency
             ORDER BY currency, sum(amount) DESC, category
            """
        ).map {
            CategoryMoney(
                category: try $0.decode("category"), currency: try $0.decode("currency"),
                amount: try $0.decode("amount"), findings: try $0.decode("findings"))
        }
    }

    /// A sum of money in one currency, as exact decimal text (`numeric` as PostgreSQL prints it).
    public struct Money: Sendable, Equatable {
        public var currency: String
        public var amount: String
        public init(currency: String, amount: String) {
            self.currency = currency
            self.amount = amount
        }
    }

    /// The money at stake of run `runID` per currency (the sum of its findings' `amount`), by currency: the one
    /// figure the report, the HTML page and the metrics all show.
    public static func moneyAtStake(runID: Int, on connection: PostgresConnection) throws -> [Money] {
        try connection.query(
            """
            SELECT currency, sum(amount)::text AS amount FROM recon.finding
             WHERE run_id = \(runID) AND amount IS NOT NULL AND currency IS NOT NULL
             GROUP BY currency ORDER BY currency
            """
        ).map { Money(currency: try $0.decode("currency"), amount: try $0.decode("amount")) }
    }

    /// A run by id, or the latest succeeded run (highest as-of, then id) when `id` is nil.
    public func run(id: Int?) throws -> Run {
        try Run.load(id: id, from: connection)
    }

    /// Streams one export as RFC 4180 CSV (header, fixed column order, CRLF-free: PostgreSQL's CSV with `\n` line
    /// ends, quotes doubled) to `handle` with `COPY … TO STDOUT`, in constant memory. Findings and summary are of
    /// one run (the latest succeeded one when `runID` is nil); the pipeline is live. Returns the run (nil for the
    /// pipeline) and the number of data rows.
    public func export(_ what: Export, runID: Int? = nil, to handle: FileHandle) throws -> (run: Run?, rows: Int) {
        let run: Run? = what == .pipeline ? nil : try self.run(id: runID)
        let select: String
        switch what {
        case .findings:
            // The review columns come from recon.finding_review, the others from recon.finding.
            let review = ["review_status": "v.status AS review_status", "assignee": "v.assignee"]
            select = """
                SELECT \(Self.findingColumns.map { review[$0] ?? "f.\($0)" }.joined(separator: ", "))
                  FROM recon.finding f
                  JOIN recon.finding_review v ON v.run_id = f.run_id AND v.finding_no = f.finding_no
                 WHERE f.run_id = \(run!.runID) ORDER BY f.finding_no
                """
        case .summary:
            select = """
                SELECT \(Self.summaryColumns.joined(separator: ", "))
                  FROM recon.summary WHERE run_id = \(run!.runID)
                 ORDER BY position(severity IN 'EWI'), category, dataareaid, currency
                """
        case .pipeline:
            // Booleans as true/false rather than PostgreSQL's t/f, for people opening the file.
            let booleans: Set = ["confirmed", "proposal", "posted", "written_back"]
            let columns = Self.pipelineColumns.map { booleans.contains($0) ? "\($0)::text AS \($0)" : $0 }
            select = """
                SELECT \(columns.joined(separator: ", "))
                  FROM recon.invoice_pipeline ORDER BY invoicenumber
                """
        }
        let rows = try connection.copyOut(
            PostgresQuery(unescaped: "COPY (\(select)) TO STDOUT (FORMAT csv, HEADER true)"), to: handle)
        return (run, rows)
    }

    /// The columns of `recon export --what findings`, in order.
    public static let findingColumns = [
        "run_id", "finding_no", "category", "severity", "stage", "underlying_category", "invoicenumber", "proposalid",
        "actualid", "transid", "voucher", "field", "expected", "actual", "difference", "amount", "currency",
        "dataareaid", "since", "first_seen_run_id", "age_days", "detail", "contract", "period", "customer_account",
        "customer_name", "project", "review_status", "assignee",
    ]
    /// The columns of `recon export --what summary`, in order.
    public static let summaryColumns = [
        "run_id", "as_of", "category", "severity", "stage", "dataareaid", "findings", "new_findings", "amount",
        "currency",
    ]
    /// The columns of `recon export --what pipeline`, in order.
    public static let pipelineColumns = [
        "invoicenumber", "contract", "currency", "status", "status_name", "amount_before_tax", "confirmed", "proposal",
        "proposal_lines", "proposal_amount", "posted", "projinvoiceid", "written_back", "stage",
    ]
}

/// A reconciliation that cannot run or report: one line for the user.
public struct ReconError: Error, Sendable, CustomStringConvertible {
    public var description: String
    /// The user asked for something impossible (a bad option, a run that does not exist), as opposed to a run that
    /// failed.
    public var isUsage: Bool

    public init(_ description: String, usage: Bool = false) {
        self.description = description
        self.isUsage = usage
    }

    /// Another run holds the lock.
    public static let busy = ReconError("another reconciliation run is in progress; try again when it has finished")
    public var isBusy: Bool { description == Self.busy.description }
}

extension Reconciliation.Run {
    public init(
        runID: Int, asOf: String, legalEntity: String? = nil, kind: String? = nil, findings: Int = 0, errors: Int = 0,
        warnings: Int = 0, infos: Int = 0, inFlight: Int = 0, newFindings: Int = 0, stillOpen: Int = 0,
        resolved: Int = 0, replaced: Bool = false, fullReason: String? = nil, scopesChecked: Int? = nil
    ) {
        self.init(
            runID: runID, asOf: asOf, legalEntity: legalEntity, findings: findings, errors: errors,
            warnings: warnings, infos: infos, inFlight: inFlight, newFindings: newFindings, stillOpen: stillOpen,
            resolved: resolved, replaced: replaced, kind: kind, fullReason: fullReason, scopesChecked: scopesChecked)
    }

    /// A succeeded run by id, or the latest succeeded run (highest as-of, then id) when `id` is nil; a usage
    /// ``ReconError`` naming the run when there is none.
    public static func load(id: Int?, from connection: PostgresConnection) throws -> Reconciliation.Run {
        let rows = try connection.query(
            """
            SELECT run_id, as_of::text AS as_of, legal_entity, findings, errors, warnings, infos, in_flight,
                   new_findings, still_open, resolved, run_kind, full_reason, scopes_checked
              FROM recon.run
             WHERE status = 'succeeded' AND (\(id)::bigint IS NULL OR run_id = \(id))
             ORDER BY as_of DESC, run_id DESC LIMIT 1
            """)
        guard let first = rows.first else {
            if let id { throw ReconError("there is no succeeded reconciliation run \(id)", usage: true) }
            throw ReconError("there is no reconciliation run yet; run `tieout recon run` first", usage: true)
        }
        return try Reconciliation.Run(first, replaced: false)
    }

    init(_ row: PostgresRow, replaced: Bool) throws {
        self.init(
            runID: try row.decode("run_id"), asOf: try row.decode("as_of"), legalEntity: try row.decode("legal_entity"),
            findings: try row.decode("findings"), errors: try row.decode("errors"),
            warnings: try row.decode("warnings"), infos: try row.decode("infos"), inFlight: try row.decode("in_flight"),
            newFindings: try row.decode("new_findings"), stillOpen: try row.decode("still_open"),
            resolved: try row.decode("resolved"), replaced: replaced, kind: try row.decode("run_kind"),
            fullReason: try row.decode("full_reason"), scopesChecked: try row.decode("scopes_checked"))
    }
}

extension Reconciliation.Run {
    /// One line for people: the run, its kind and its counts.
    public var summary: String {
        var text = "run \(runID) as of \(asOf)"
        if let legalEntity { text += " (legal entity \(legalEntity))" }
        switch kind {
        case "incremental": text += ", incremental (\(scopesChecked ?? 0) changed contracts and vouchers re-checked)"
        case "full": text += ", full (\(fullReason ?? "asked for"))"
        default: break
        }
        text += ": \(findings) findings: \(errors) errors, \(warnings) warnings"
        text += " (\(inFlight) in flight), \(infos) information"
        text += "; \(newFindings) new, \(stillOpen) still open, \(resolved) resolved"
        if replaced { text += "; replaced the earlier run with this as-of" }
        return text
    }
}

/// Ends a run's transaction without committing, carrying what the inspection found. Thrown and caught within one
/// call of `run`, on one thread, so it never crosses a concurrency domain.
struct Rollback<Result>: Error, @unchecked Sendable {
    var result: Result
}
