import Foundation
import Testing
import TieoutPostgres
import TieoutTestSupport

/// `tieout load lake` through the real binary: the summary it prints, and a rerun that loads nothing.
@Suite("tieout load lake")
struct LakeCLITests {
    @Test func theFixtureLakeLoadsWithItsSummaryAndARerunLoadsNothing() throws {
        try TestDatabase.withMigratedDatabase { _, name in
            let db = TestDatabase.conninfo(database: name)
            let lake = packageRoot.appendingPathComponent("Tests/TieoutLakeTests/Fixtures/lake").path
            let first = try Tieout.run(["load", "lake", lake, "--db", db])
            #expect(first.status == 0)
            #expect(first.stderr == "")
            let lines = first.stdout.split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            }
            #expect(
                lines == [
                    "loaded 3 folders",
                    "folder table files rows inserted updated unchanged deleted superseded ignored columns",
                    ". dataverse.account 1 2 2 0 0 0 0 -",
                    ". dataverse.msdyn_project 1 1 1 0 0 0 0 msdyn_customfield",
                    ". dataverse.msdyn_actual 1 2 2 0 0 0 0 -",
                    ". fno.custtable 1 2 2 0 0 0 0 -",
                    ". fno.projtable 1 1 1 0 0 0 0 -",
                    ". fno.projadvancedjournal 1 1 1 0 0 0 0 -",
                    "2026-11-24T08.07.17Z dataverse.msdyn_actual 1 4 1 1 0 1 1 -",
                    "2026-11-24T08.07.17Z fno.custtable 1 1 0 0 0 1 0 -",
                    "2026-11-24T08.07.17Z fno.projtable 1 1 0 1 0 0 0 -",
                    "2026-11-24T08.07.17Z fno.projadvancedjournal 1 1 0 1 0 0 0 -",
                    "2026-11-25T08:07:17Z dataverse.account 1 2 1 1 0 0 0 -",
                    "2026-11-25T08:07:17Z dataverse.msdyn_actual 1 2 0 1 0 0 1 -",
                    "skipped 1 entities tieout has no table for: contact",
                    "left for the next run: 2026-11-26T08.07.17Z (still being written, Changelog/changelog.info)",
                    "",
                ])
            let again = try Tieout.run(["load", "lake", lake, "--db", db])
            #expect(again.status == 0)
            #expect(
                again.stdout
                    == "no new folders to load (2 loaded before)\n"
                    + "left for the next run: 2026-11-26T08.07.17Z (still being written, Changelog/changelog.info)\n")
        }
    }
}
