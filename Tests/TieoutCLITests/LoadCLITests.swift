import Foundation
import Testing
import TieoutPostgres
import TieoutTestSupport

@Suite("tieout load")
struct LoadCommandTests {
    static let fixtures = packageRoot.appendingPathComponent("Tests/TieoutLoadTests/Fixtures")

    @Test func loadPrintsASummaryAndABadFileIsOneLineWithExitCodeOne() throws {
        try TestDatabase.withMigratedDatabase { connection, name in
            let db = TestDatabase.conninfo(database: name)
            let loaded = try Tieout.run(
                ["load", "dataverse", Self.fixtures.appendingPathComponent("dataverse").path, "--db", db])
            #expect(loaded.status == 0, "\(loaded.stderr)")
            #expect(
                loaded.stdout == """
                    table                       file                  rows  inserted  updated  unchanged  deleted  ignored columns
                    dataverse.account           account.csv           2     2         0        0          0        @odata.etag
                    dataverse.salesorder        salesorder.csv        1     1         0        0          0        -
                    dataverse.msdyn_project     msdyn_project.csv     1     1         0        0          0        -
                    dataverse.salesorderdetail  salesorderdetail.csv  1     1         0        0          0        -
                    dataverse.msdyn_actual      msdyn_actual.csv      3     3         0        0          0        owneridname

                    """)

            let directory = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            try "accountid,name\nnot-a-guid,Contoso\n"
                .write(to: directory.appendingPathComponent("account.csv"), atomically: true, encoding: .utf8)
            let bad = try Tieout.run(["load", "dataverse", directory.path, "--db", db])
            #expect(bad.status == 1)
            #expect(bad.stdout == "")
            #expect(bad.stderr == "tieout: error: account.csv line 2, column accountid: 'not-a-guid' is not a GUID\n")
            let accounts = try connection.query("SELECT count(*) FROM dataverse.account").scalar(Int.self)
            #expect(accounts == 2)
        }
    }
}
