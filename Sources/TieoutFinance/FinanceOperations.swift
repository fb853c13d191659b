public import Foundation
public import TieoutPostgres

/// The F&O side of the invoice flow (docs/processes.md, "F&O side"): Import from staging, posting
/// integration journals and invoice proposals, and the reference data they need.
///
/// Each method is one transaction around one set-based function of schema `process`; a broken rule comes
/// back as a ``PostgresError`` with SQLSTATE `P0001` whose message names the record and the rule.
public struct FinanceOperations {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// What an Import from staging did.
    public struct Import: Sendable, Equatable {
        public var journalLines: Int
        public var proposalLines: Int
        public var proposals: Int
        /// Staging rows left for a later import (their `importmessage` says why).
        public var waiting: Int

        public init(journalLines: Int, proposalLines: Int, proposals: Int, waiting: Int) {
            self.journalLines = journalLines
            self.proposalLines = proposalLines
            self.proposals = proposals
            self.waiting = waiting
        }
    }

    /// Import from staging: cost and unbilled sales become integration journal lines, billed sales
    /// become proposal lines once every billed sale of their proposal is ready. Safe to run concurrently.
    public func importFromStaging() throws -> Import {
        let result = try connection.withTransaction { connection in
            let row = try connection.query(
                "SELECT journal_lines, proposal_lines, proposals, waiting FROM process.fno_import()"
            ).first!
            return Import(
                journalLines: try row.decode(0), proposalLines: try row.decode(1), proposals: try row.decode(2),
                waiting: try row.decode(3))
        }
        try connection.analyze(
            ["fno.projcdsactualsimport", "fno.projadvancedjournalline", "fno.projproposalline"],
            afterChanging: result.journalLines + result.proposalLines)
        return result
    }

    /// What posting integration journals did.
    public struct JournalPosting: Sendable, Equatable {
        public var journals: Int
        public var lines: Int

        public init(journals: Int, lines: Int) {
            self.journals = journals
            self.lines = lines
        }
    }

    /// Posts one draft integration journal, or all of them when `journal` is nil.
    public func postJournals(journal: String? = nil) throws -> JournalPosting {
        let posting = try connection.withTransaction { connection in
            let row = try connection.query(
                "SELECT journals, lines FROM process.fno_post_journals(CAST(\(journal) AS text))"
            ).first!
            return JournalPosting(journals: try row.decode(0), lines: try row.decode(1))
        }
        try connection.analyze(
            [
                "fno.projcdsactualsimport", "fno.projadvancedjournalline", "fno.projpostedtranstable",
                "fno.generaljournalaccountentry",
            ], afterChanging: posting.lines)
        return posting
    }

    /// What posting invoice proposals did.
    public struct ProposalPosting: Sendable, Equatable {
        public var proposals: Int
        public var lines: Int
        /// Open proposals left unposted because they have no lines yet.
        public var skipped: Int

        public init(proposals: Int, lines: Int, skipped: Int) {
            self.proposals = proposals
            self.lines = lines
            self.skipped = skipped
        }
    }

    /// Posts one invoice proposal (refused when it has no lines), or every open proposal that has lines
    /// when `proposal` is nil.
    public func postProposals(proposal: String? = nil) throws -> ProposalPosting {
        let posting = try connection.withTransaction { connection in
            let row = try connection.query(
                "SELECT proposals, lines, skipped FROM process.fno_post_proposals(CAST(\(proposal) AS text))"
            ).first!
            return ProposalPosting(proposals: try row.decode(0), lines: try row.decode(1), skipped: try row.decode(2))
        }
        try connection.analyze(
            [
                "fno.projcdsactualsimport", "fno.projinvoiceline", "fno.projpostedtranstable",
                "fno.generaljournalaccountentry",
            ], afterChanging: posting.lines)
        return posting
    }

    // MARK: - Reference data

    /// Sets the accounting currency of a legal entity.
    public func setAccountingCurrency(legalEntity: String, currency: String) throws {
        try Self.checkCurrency(currency)
        _ = try connection.query(
            """
            INSERT INTO fno.ledger (dataareaid, name, accountingcurrency) VALUES (\(legalEntity), \(legalEntity), \(currency))
            ON CONFLICT (dataareaid) DO UPDATE
               SET accountingcurrency = EXCLUDED.accountingcurrency, modifieddatetime = now()
            """)
    }

    /// Sets the rate from one currency to another from a date on (units of `to` per unit of `from`).
    public func setExchangeRate(from: String, to: String, startDate: PostgresDate, rate: Decimal) throws {
        try Self.checkCurrency(from)
        try Self.checkCurrency(to)
        guard rate > 0 else { throw RequestError("exchange rate \(from)→\(to) must be positive, not \(rate)") }
        _ = try connection.query(
            """
            INSERT INTO fno.exchangerate (fromcurrency, tocurrency, startdate, rate)
            VALUES (\(from), \(to), \(startDate), \(rate))
            ON CONFLICT (ratetypename, fromcurrency, tocurrency, startdate) DO UPDATE
               SET rate = EXCLUDED.rate, modifieddatetime = now()
            """)
    }

    /// Defines a sales tax group of a legal entity from its tax codes and their rates (percent),
    /// replacing the group's codes.
    public func setTaxGroup(legalEntity: String, group: String, codes: [(code: String, percent: Decimal)]) throws {
        guard !codes.isEmpty else { throw RequestError("tax group \(group) needs at least one tax code") }
        try connection.withTransaction { connection in
            _ = try connection.query(
                """
                INSERT INTO fno.taxgroupheading (dataareaid, taxgroup, taxgroupname) VALUES (\(legalEntity), \(group), \(group))
                ON CONFLICT (dataareaid, taxgroup) DO NOTHING
                """)
            _ = try connection.query(
                "DELETE FROM fno.taxgroupdata WHERE dataareaid = \(legalEntity) AND taxgroup = \(group)")
            for (code, percent) in codes {
                guard percent >= 0 else { throw RequestError("tax code \(code) cannot have a negative rate") }
                _ = try connection.query(
                    """
                    INSERT INTO fno.taxtable (dataareaid, taxcode, taxname, taxvalue) VALUES (\(legalEntity), \(code), \(code), \(percent))
                    ON CONFLICT (dataareaid, taxcode) DO UPDATE SET taxvalue = EXCLUDED.taxvalue, modifieddatetime = now()
                    """)
                _ = try connection.query(
                    "INSERT INTO fno.taxgroupdata (dataareaid, taxgroup, taxcode) VALUES (\(legalEntity), \(group), \(code))"
                )
            }
        }
    }

    /// Sets the sales tax group of an open invoice proposal (the AR clerk's change before posting).
    /// The line tax and the proposal totals are recomputed at once.
    public func setProposalTaxGroup(proposal: String, group: String) throws {
        try connection.withTransaction { connection in
            _ = try connection.query("SELECT process.fno_set_proposal_tax_group(\(proposal), \(group))")
        }
    }

    static func checkCurrency(_ code: String) throws {
        guard code.count == 3, code.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw RequestError("'\(code)' is not an ISO 4217 currency code (three capital letters)")
        }
    }
}
