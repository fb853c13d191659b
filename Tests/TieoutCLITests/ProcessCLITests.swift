import Foundation
import Testing
import TieoutPostgres
import TieoutTestSupport

@Suite("tieout seed, pipeline, dv and fno")
struct ProcessCommandTests {
    static let maps = packageRoot.appendingPathComponent("maps").path

    @Test func seedThenPipelinePostsTheProformasAndBadRequestsGetOneLine() throws {
        try TestDatabase.withMigratedDatabase { connection, name in
            let db = TestDatabase.conninfo(database: name)
            let seed = try Tieout.run(["seed", "--db", db, "--maps", Self.maps, "--month", "2026-10-05"])
            #expect(seed.status == 0, "\(seed.stderr)")
            #expect(seed.stdout.hasPrefix("seeded 20 customers and 60 contracts; "))
            let again = try Tieout.run(["seed", "--db", db, "--maps", Self.maps, "--if-empty"])
            #expect(again.status == 0)
            #expect(again.stdout == "the database already holds a company; nothing seeded\n")
            let refused = try Tieout.run(["seed", "--db", db, "--maps", Self.maps])
            #expect(refused.status == 1)
            #expect(
                refused.stderr
                    == "tieout: error: the database already holds a company (dataverse.account is not empty); seed a new database after tieout migrate\n"
            )

            let day = try Tieout.run(["pipeline", "--db", db, "--maps", Self.maps, "--date", "2026-11-02"])
            #expect(day.status == 0, "\(day.stderr)")
            let steps = day.stdout.split(separator: "\n").map { $0.split(separator: ":").first.map(String.init) ?? "" }
            #expect(
                steps == [
                    "1. sync", "2. import from staging", "3. post integration journals", "4. sync the write-back",
                    "5. proforma invoices", "6. sync", "7. import from staging", "8. post invoice proposals",
                    "9. sync",
                ])
            let posted: Int = try connection.query("SELECT count(*) FROM fno.projinvoicejour").scalar()
            #expect(day.stdout.contains("8. post invoice proposals: \(posted) invoices posted with "))
            #expect(posted >= 50)

            // The invoice as the project manager sees it.
            let number: String = try connection.query(
                "SELECT min(invoicenumber) FROM dataverse.invoice"
            ).scalar()
            let show = try Tieout.run(["dv", "invoice", "show", number, "--db", db])
            #expect(show.status == 0, "\(show.stderr)")
            #expect(show.stdout.hasPrefix("\(number)  contract PC-"))
            #expect(show.stdout.contains("  Posted  "))
            #expect(show.stdout.contains("\nDETAIL  "))

            // Bad requests: one line naming what was wrong, exit 1 (business rule) or 64 (usage), nothing written.
            let before: Int = try connection.query("SELECT count(*) FROM dataverse.msdyn_actual").scalar()
            let cases: [([String], Int32, String)] = [
                (
                    ["dv", "invoice", "confirm", "INV-NOPE"], 1,
                    "tieout: error: no proforma invoice with number 'INV-NOPE'\n"
                ),
                (
                    ["dv", "invoice", "confirm", number], 1,
                    "tieout: error: invoice \(number) is Posted: only a Draft or In Review proforma invoice can be confirmed\n"
                ),
                (
                    ["fno", "post-proposals", "--proposal", "NOPE"], 1,
                    "tieout: error: invoice proposal NOPE does not exist\n"
                ),
                (
                    ["dv", "ready", "--contract", "PC-NOPE"], 1,
                    "tieout: error: no project contract with number 'PC-NOPE'\n"
                ),
                (
                    ["fno", "rate", "EUR", "usd", "2026-10-01", "1.1"], 1,
                    "tieout: error: 'usd' is not an ISO 4217 currency code (three capital letters)\n"
                ),
            ]
            for (arguments, status, message) in cases {
                let result = try Tieout.run(arguments + ["--db", db])
                #expect(result.status == status, "\(arguments)")
                #expect(result.stderr == message, "\(arguments)")
            }
            let usage = try Tieout.run(["fno", "rate", "EUR", "USD", "2026-10-01", "1,1", "--db", db])
            #expect(usage.status == 64)
            #expect(usage.stderr.contains("the rate must be a decimal number like 12.50, not '1,1'"))
            let detail = try Tieout.run(["dv", "invoice", "edit-detail", "not-an-id", "--quantity", "2", "--db", db])
            #expect(detail.status == 64)
            #expect(detail.stderr.contains("'not-an-id' is not a detail id"))
            #expect(try connection.query("SELECT count(*) FROM dataverse.msdyn_actual").scalar(Int.self) == before)
        }
    }
}
