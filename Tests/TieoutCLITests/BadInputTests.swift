import Foundation
import Testing
import TieoutPostgres
import TieoutTestSupport

/// One bad command line: what `tieout` must answer, and that it writes nothing.
struct BadInput: Sendable, CustomTestStringConvertible {
    /// What standard error must be: exactly this line, or one line containing each of these.
    enum Message: Sendable {
        case exactly(String)
        case containing([String])
    }

    var name: String
    /// The arguments, given the test database's connection (for values relative to the server's clock).
    var arguments: @Sendable (PostgresConnection) throws -> [String]
    var status: Int32
    var stderr: Message
    var stdout = ""
    /// SQL run before the command (and before the database's fingerprint is taken).
    var setup: String?

    init(
        _ name: String, _ arguments: [String], _ status: Int32, _ stderr: Message, stdout: String = "",
        setup: String? = nil
    ) {
        self.init(name, { _ in arguments }, status, stderr, stdout: stdout, setup: setup)
    }

    init(
        _ name: String, _ arguments: @escaping @Sendable (PostgresConnection) throws -> [String], _ status: Int32,
        _ stderr: Message, stdout: String = "", setup: String? = nil
    ) {
        self.name = name
        self.arguments = arguments
        self.status = status
        self.stderr = stderr
        self.stdout = stdout
        self.setup = setup
    }

    var testDescription: String { name }
}

/// A line of `count` copies of `character`: longer than any message should quote.
private func long(_ count: Int, _ character: Character = "a") -> String { String(repeating: character, count: count) }

/// The server's clock plus `offset`, as `YYYY-MM-DD HH:MM:SS` in UTC, so the cases hold on any date.
private func serverTime(_ connection: PostgresConnection, plus offset: String) throws -> String {
    try connection.query(
        "SELECT to_char(date_trunc('second', now()) + CAST(\(offset) AS interval), 'YYYY-MM-DD HH24:MI:SS')"
    ).scalar(String.self)
}

private let ledger = "INSERT INTO fno.ledger (dataareaid, accountingcurrency) VALUES ('usmf', 'USD')"
private let detailID = "00000000-0000-0000-0000-000000000001"
private let nowhere = "/nonexistent-tieout-folder/findings.csv"

@Suite("bad input: one line, the option named, nothing written", .serialized)
struct BadInputTests {
    static let cases: [BadInput] = [
        // Calendar dates, checked before anything is written.
        BadInput(
            "dv ready --to Feb 30", ["dv", "ready", "--to", "2026-02-30"], 64,
            .exactly(
                "tieout: error: The value '2026-02-30' is invalid for '--to <to>': not a calendar date: February 2026 has 28 days"
            )),
        BadInput(
            "dv approve --through Feb 29 of a common year", ["dv", "approve", "--through", "2025-02-29"], 64,
            .exactly(
                "tieout: error: The value '2025-02-29' is invalid for '--through <through>': not a calendar date: February 2025 has 28 days"
            )),
        BadInput(
            "dv ready --from Apr 31", ["dv", "ready", "--from", "2026-04-31"], 64,
            .exactly(
                "tieout: error: The value '2026-04-31' is invalid for '--from <from>': not a calendar date: April 2026 has 30 days"
            )),
        BadInput(
            "dv ready --to year 0", ["dv", "ready", "--to", "0000-01-01"], 64,
            .exactly("tieout: error: The value '0000-01-01' is invalid for '--to <to>': not a date: there is no year 0")
        ),
        BadInput(
            "dv ready --to not ISO", ["dv", "ready", "--to", "2026-1-5"], 64,
            .exactly("tieout: error: The value '2026-1-5' is invalid for '--to <to>': not a date (YYYY-MM-DD)")),
        BadInput(
            "dv ready --from after --to", ["dv", "ready", "--from", "2026-11-02", "--to", "2026-11-01"], 64,
            .exactly("tieout: error: --from 2026-11-02 is after --to 2026-11-01")),
        BadInput(
            "dv invoice create --date Feb 31", ["dv", "invoice", "create", "--date", "2026-02-31"], 64,
            .exactly(
                "tieout: error: The value '2026-02-31' is invalid for '--date <date>': not a calendar date: February 2026 has 28 days"
            )),
        BadInput(
            "fno rate start date Feb 31", ["fno", "rate", "EUR", "USD", "2026-02-31", "1.1"], 64,
            .exactly(
                "tieout: error: The value '2026-02-31' is invalid for '<start-date>': not a calendar date: February 2026 has 28 days"
            )),
        BadInput(
            "pipeline --date Feb 30", ["pipeline", "--date", "2026-02-30", "--maps", "maps"], 64,
            .exactly(
                "tieout: error: The value '2026-02-30' is invalid for '--date <date>': not a calendar date: February 2026 has 28 days"
            )),
        BadInput(
            "seed --month Feb 29 1900 (no leap year)", ["seed", "--month", "1900-02-29"], 64,
            .exactly(
                "tieout: error: The value '1900-02-29' is invalid for '--month <month>': not a calendar date: February 1900 has 28 days"
            )),

        // recon run --as-of: a definite, plausible time.
        BadInput(
            "recon run --as-of infinity", ["recon", "run", "--as-of", "infinity"], 64,
            .exactly(
                "tieout: error: --as-of 'infinity' is not accepted: give a definite time (use e.g. 2026-11-24T06:00:00Z or '2026-11-24 06:00' (UTC without a zone)), or leave --as-of out for now"
            )),
        BadInput(
            "recon run --as-of -infinity", ["recon", "run", "--as-of=-infinity"], 64,
            .containing(["--as-of '-infinity' is not accepted"])),
        BadInput(
            "recon run --as-of now", ["recon", "run", "--as-of", "now"], 64,
            .containing(["--as-of 'now' is not accepted"])),
        BadInput(
            "recon run --as-of Feb 30", ["recon", "run", "--as-of", "2026-02-30T06:00:00Z"], 64,
            .exactly("tieout: error: --as-of '2026-02-30T06:00:00Z' is not a calendar date: 2026-02 has 28 days")),
        BadInput(
            "recon run --as-of hour 24", ["recon", "run", "--as-of", "2026-11-25 24:00"], 64,
            .containing(["--as-of '2026-11-25 24:00' is not a time of day"])),
        BadInput(
            "recon run --as-of before 2000", ["recon", "run", "--as-of", "1999-12-31T23:59:59Z"], 64,
            .containing(["--as-of '1999-12-31T23:59:59Z' is before 2000-01-01"])),
        BadInput(
            "recon run --as-of three days ahead",
            { connection in ["recon", "run", "--as-of", try serverTime(connection, plus: "3 days") + "Z"] }, 64,
            .containing(["--as-of '", "Z' is more than 1 day after the database's clock ("])),
        BadInput(
            "recon run --as-of unknown zone", ["recon", "run", "--as-of", "2026-11-25 06:00 Mars/Olympus"], 64,
            .containing(["--as-of '2026-11-25 06:00 Mars/Olympus' is not a timestamp (is its time zone known?)"])),
        BadInput(
            "recon run --as-of words", ["recon", "run", "--as-of", "next tuesday"], 64,
            .containing(["--as-of 'next tuesday' is not a timestamp"])),
        BadInput(
            "recon run --grace negative", ["recon", "run", "--grace=-1h"], 64,
            .exactly("tieout: error: --grace '-1h' must not be negative")),
        BadInput(
            "recon run --grace 100,000 characters", ["recon", "run", "--grace", long(100_000)], 64,
            .exactly(
                "tieout: error: --grace '\(long(60))…' (100000 characters) is not a duration; use e.g. 90m, 2h, 1d or 0"
            )
        ),
        BadInput(
            "recon run --legal-entity unknown", ["recon", "run", "--legal-entity", "zzzz"], 64,
            .exactly(
                "tieout: error: --legal-entity 'zzzz' is not a legal entity of fno.ledger (see `tieout fno ledger`)"),
            setup: ledger),
        BadInput(
            "recon run --legal-entity 100,000 characters", ["recon", "run", "--legal-entity", long(100_000, "x")], 64,
            .exactly(
                "tieout: error: --legal-entity '\(long(60, "x"))…' (100000 characters) is not a legal entity of fno.ledger (see `tieout fno ledger`)"
            ), setup: ledger),

        // Sizes the SQL can hold; checked before the sync engine installs anything.
        BadInput(
            "seed --scale 40000000", ["seed", "--scale", "40000000"], 64,
            .exactly(
                "tieout: error: --scale must be from 1 to 16666 (60 contracts per unit, numbered PC-000001 to PC-999999), not 40000000"
            )),
        BadInput(
            "seed --scale 0", ["seed", "--scale", "0"], 64,
            .containing(["--scale must be from 1 to 16666", "not 0"])),
        BadInput(
            "seed --scale beyond Int", ["seed", "--scale", "99999999999999999999"], 64,
            .exactly("tieout: error: The value '99999999999999999999' is invalid for '--scale <scale>'")),

        // recon report and export.
        BadInput(
            "recon report --run unknown", ["recon", "report", "--run", "42"], 64,
            .exactly("tieout: error: there is no succeeded reconciliation run 42")),
        BadInput(
            "recon export without a run", ["recon", "export", "--out", "-"], 64,
            .exactly("tieout: error: there is no reconciliation run yet; run `tieout recon run` first")),
        BadInput(
            "recon export into a missing folder", ["recon", "export", "--what", "pipeline", "--out", nowhere], 64,
            .exactly(
                "tieout: error: --out '\(nowhere)': the folder '/nonexistent-tieout-folder' does not exist")),
        BadInput(
            "recon export onto a folder", ["recon", "export", "--what", "pipeline", "--out", "/tmp"], 64,
            .exactly("tieout: error: --out '/tmp': is a folder; name a file in it")),
        BadInput(
            "recon export --what unknown", ["recon", "export", "--what", "everything", "--out", "-"], 64,
            .exactly(
                "tieout: error: The value 'everything' is invalid for '--what <what>': --what must be findings, summary or pipeline, not 'everything'"
            )),
        BadInput(
            "recon export --run with pipeline", ["recon", "export", "--what", "pipeline", "--run", "1", "--out", "-"],
            64, .exactly("tieout: error: --run does not apply to --what pipeline")),

        // Long and odd values elsewhere.
        BadInput(
            "dv ready --contract 100,000 characters", ["dv", "ready", "--contract", long(100_000)], 1,
            .exactly("tieout: error: no project contract with number '\(long(60))…' (100000 characters)")),
        BadInput(
            "dv ready --contract with a line break", ["dv", "ready", "--contract", "PC-1\nPC-2"], 1,
            .exactly("tieout: error: no project contract with number 'PC-1\\nPC-2'")),
        BadInput(
            "edit-detail id 100,000 characters", ["dv", "invoice", "edit-detail", long(100_000), "--price", "1"], 64,
            .exactly("tieout: error: '\(long(60))…' (100000 characters) is not a detail id")),
        BadInput(
            "edit-detail --price 1e5", ["dv", "invoice", "edit-detail", detailID, "--price", "1e5"], 64,
            .exactly("tieout: error: --price must be a decimal number like 12.50, not '1e5'")),
        BadInput(
            "edit-detail --quantity with 41 digits",
            ["dv", "invoice", "edit-detail", detailID, "--quantity", "1.0000000000000000000000000000000000000001"], 64,
            .exactly(
                "tieout: error: --quantity '1.0000000000000000000000000000000000000001' has more than 38 significant digits"
            )),
        BadInput(
            "fno tax-group --code without a rate", ["fno", "tax-group", "STD", "--code", "ST"], 64,
            .exactly("tieout: error: --code must be CODE:PERCENT, e.g. ST:6.25, not 'ST'")),
        BadInput(
            "faults with an extra argument", ["faults", "--list", "extra"], 64,
            .exactly("tieout: error: Unexpected argument 'extra'")),
        BadInput(
            "pipeline with an unknown option", ["pipeline", "--bogus"], 64,
            .exactly("tieout: error: Unknown option '--bogus'")),
        BadInput(
            "unknown log level", ["dv", "backlog", "--log-level", "loud"], 64,
            .exactly(
                "tieout: error: unknown log level 'loud'; use trace, debug, info, notice, warning, error or critical")),
    ]

    @Test(arguments: cases)
    func refusedInOneLineWithNothingWritten(_ input: BadInput) throws {
        try TestDatabase.withMigratedDatabase { connection, name in
            if let setup = input.setup { try connection.executeScript(setup) }
            let arguments = try input.arguments(connection)
            let before = try DatabaseFingerprint(connection)
            let result = try runTieout(arguments + ["--db", TestDatabase.conninfo(database: name)])
            #expect(result.status == input.status, "\(result.stderr)")
            #expect(result.stdout == input.stdout)
            let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 2 && lines[1].isEmpty, "not one line: \(result.stderr.prefix(500))")
            switch input.stderr {
            case .exactly(let line): #expect(result.stderr == line + "\n")
            case .containing(let parts):
                #expect(result.stderr.hasPrefix("tieout: error: "))
                for part in parts { #expect(result.stderr.contains(part), "\(result.stderr)") }
            }
            #expect(try DatabaseFingerprint(connection) == before)
        }
    }
}

@Suite("bad input: what the checks let through", .serialized)
struct BadInputBoundaryTests {
    @Test func theFingerprintSeesARowAndATrigger() throws {
        try TestDatabase.withMigratedDatabase { connection, _ in
            let empty = try DatabaseFingerprint(connection)
            try connection.executeScript(ledger)
            let withRow = try DatabaseFingerprint(connection)
            #expect(withRow != empty)
            try connection.executeScript(
                """
                CREATE FUNCTION fno.nothing() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
                CREATE TRIGGER nothing BEFORE INSERT ON fno.ledger FOR EACH ROW EXECUTE FUNCTION fno.nothing();
                """)
            #expect(try DatabaseFingerprint(connection) != withRow)
        }
    }

    @Test func aLeapDayAndAnAsOfWithinADayAreAccepted() throws {
        try TestDatabase.withMigratedDatabase { connection, name in
            let db = TestDatabase.conninfo(database: name)
            let leap = try runTieout(["dv", "approve", "--through", "2024-02-29", "--db", db])
            #expect(leap.status == 0, "\(leap.stderr)")
            #expect(leap.stdout == "0 entries approved, 0 actuals created\n")
            let soon = try serverTime(connection, plus: "23 hours")
            let run = try runTieout(["recon", "run", "--grace", "0", "--as-of", soon + "+00:00", "--db", db])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.hasPrefix("run 1 as of \(soon)+00, full (no earlier run to build on): 0 findings"))
        }
    }

    @Test func exportWritesStandardOutputAndThroughASymbolicLink() throws {
        try TestDatabase.withMigratedDatabase { _, name in
            let db = TestDatabase.conninfo(database: name)
            let header =
                "invoicenumber,contract,currency,status,status_name,amount_before_tax,confirmed,proposal,"
                + "proposal_lines,proposal_amount,posted,projinvoiceid,written_back,stage\n"
            let dash = try runTieout(["recon", "export", "--what", "pipeline", "--out", "-", "--db", db])
            #expect(dash.status == 0, "\(dash.stderr)")
            #expect(dash.stdout == header)
            #expect(dash.stderr == "")
            let devStdout = try runTieout(["recon", "export", "--what", "pipeline", "--out", "/dev/stdout", "--db", db])
            #expect(devStdout.stdout == header + "wrote 0 pipeline rows to /dev/stdout\n")

            let folder = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: folder) }
            let real = folder.appendingPathComponent("real.csv")
            let link = folder.appendingPathComponent("link.csv")
            try "old\n".write(to: real, atomically: false, encoding: .utf8)
            try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "real.csv")
            let viaLink = try runTieout(["recon", "export", "--what", "pipeline", "--out", link.path, "--db", db])
            #expect(viaLink.status == 0, "\(viaLink.stderr)")
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == "real.csv")
            #expect(try String(contentsOf: real, encoding: .utf8) == header)
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["link.csv", "real.csv"])
        }
    }
}

/// Every row of every table outside the system schemas (`dataverse`, `fno`, `sync`, `recon`, `process`, `tieout`,
/// …), as one md5 per table, and every trigger and function there: equal fingerprints mean nothing was written.
struct DatabaseFingerprint: Equatable, CustomStringConvertible {
    var tables: [String: String]
    var objects: [String]

    init(_ connection: PostgresConnection) throws {
        let names = try connection.query(
            """
            SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
             WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE 'pg\\_%'
             ORDER BY 1
            """)
        var tables: [String: String] = [:]
        for row in names {
            let table: String = try row.decode("name")
            tables[table] = try connection.query(
                PostgresQuery(
                    unescaped:
                        "SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM \(table) AS t"
                )
            ).scalar(String.self)
        }
        self.tables = tables
        objects = try connection.query(
            """
            SELECT 'trigger ' || tgrelid::regclass || '.' || tgname AS name FROM pg_trigger WHERE NOT tgisinternal
            UNION ALL
            SELECT 'function ' || p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
            ORDER BY 1
            """
        ).map { try $0.decode("name", as: String.self) }
    }

    var description: String { "\(tables.count) tables, \(objects.count) triggers and functions" }
}

/// Runs the built binary in the package's folder, with its output in files, so a long standard error can never block it.
private func runTieout(_ arguments: [String]) throws -> Tieout.Result {
    try BackgroundTieout(arguments, in: packageRoot).finish()
}
