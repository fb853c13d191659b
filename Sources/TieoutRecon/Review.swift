public import TieoutPostgres

/// Working the findings (`tieout recon review|signoff`): review status, assignee and notes that stay with a finding
/// while it stays open, and the sign-off of a run. The rules live in SQL (`recon.review`, `recon.signoff`,
/// `sql/recon/review.sql`), so the command and a reviewer's own SQL session behave alike; this type calls them and
/// turns their refusals into one-line ``ReconError``s.
public struct FindingReview {
    /// One change recorded in the audit trail (`recon.review_event`).
    public struct Change: Sendable, Equatable {
        public var eventID: Int
        public var runID: Int
        public var findingNo: Int
        public var findingKey: String
        public var oldStatus: String
        public var newStatus: String
        public var oldAssignee: String?
        public var newAssignee: String?
        public var note: String?
    }

    /// A run's sign-off (`recon.signoff`).
    public struct SignOff: Sendable, Equatable {
        public var runID: Int
        public var signedBy: String
        /// As PostgreSQL prints it, to the second.
        public var signedAt: String
        public var note: String?

        public init(runID: Int, signedBy: String, signedAt: String, note: String? = nil) {
            self.runID = runID
            self.signedBy = signedBy
            self.signedAt = signedAt
            self.note = note
        }
    }

    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Records the same review of each of `findings` (finding numbers of run `runID`, default the latest succeeded
    /// run, or finding keys) in one transaction: all of them or, when one is refused, none. `status` and `assignee`
    /// nil keep what the finding has; an empty `assignee` clears it.
    public func review(
        _ findings: [String], as reviewer: String, status: String? = nil, note: String? = nil,
        assignee: String? = nil, runID: Int? = nil
    ) throws -> [Change] {
        guard !findings.isEmpty else { throw ReconError("name at least one finding to review", usage: true) }
        return try refusalsAsErrors {
            try connection.withTransaction { connection in
                try findings.map { finding in
                    let rows = try connection.query(
                        """
                        SELECT event_id, run_id, finding_no, finding_key, old_status, new_status, old_assignee,
                               new_assignee, note
                          FROM recon.review(\(finding), \(reviewer), \(status), \(note), \(assignee),
                                            CAST(\(runID) AS bigint))
                        """)
                    let row = rows[0]
                    return Change(
                        eventID: try row.decode("event_id"), runID: try row.decode("run_id"),
                        findingNo: try row.decode("finding_no"), findingKey: try row.decode("finding_key"),
                        oldStatus: try row.decode("old_status"), newStatus: try row.decode("new_status"),
                        oldAssignee: try row.decode("old_assignee"), newAssignee: try row.decode("new_assignee"),
                        note: try row.decode("note"))
                }
            }
        }
    }

    /// Signs run `runID` off as reviewed by `signer`; refused (the message lists them) while an error finding of
    /// the run has no review note, and when the run is signed off already.
    public func signOff(runID: Int, as signer: String, note: String? = nil) throws -> SignOff {
        try refusalsAsErrors {
            try SignOff(
                connection.query(
                    """
                    SELECT run_id, signed_by, date_trunc('second', signed_at)::text AS signed_at, note
                      FROM recon.signoff(CAST(\(runID) AS bigint), \(signer), \(note))
                    """
                )[0])
        }
    }

    /// The sign-off of run `runID`, or nil when it is not signed off.
    public func signOff(of runID: Int) throws -> SignOff? {
        try connection.query(
            """
            SELECT run_id, signed_by, date_trunc('second', signed_at)::text AS signed_at, note
              FROM recon.signoff WHERE run_id = \(runID)
            """
        ).first.map(SignOff.init)
    }

    /// The functions' refusals (SQLSTATE P0001: bad input, nothing there, not allowed yet) are the user's to fix:
    /// their message alone, as a usage error. Anything else is passed on.
    func refusalsAsErrors<Result>(_ body: () throws -> Result) throws -> Result {
        do {
            return try body()
        } catch let error as PostgresError where error.code == .raiseException {
            throw ReconError(error.message, usage: true)
        }
    }
}

extension FindingReview.SignOff {
    init(_ row: PostgresRow) throws {
        self.init(
            runID: try row.decode("run_id"), signedBy: try row.decode("signed_by"),
            signedAt: try row.decode("signed_at"), note: try row.decode("note"))
    }
}
